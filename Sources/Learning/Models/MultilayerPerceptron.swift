import CAffineKernels
import CNetworkKernels
import Foundation
import TensorIO

/// A feed-forward network with ReLU hidden layers and a softmax output, trained by Adam on
/// mini-batches (scikit-learn `MLPClassifier`): Glorot-uniform initial weights, cross-entropy plus
/// L2 penalty `α/2·‖W‖²/batch`, stopping when the training loss has not improved by `tolerance`
/// for `patience` epochs (or, with `validationFraction`, when the held-out accuracy has not).
public struct MultilayerPerceptron: RowClassifier {
  public static let registration = ModelKind(
    name: "mlp", input: .featureRows, summary: "multilayer perceptron (ReLU, softmax, Adam)",
    options: ["hidden", "alpha", "learning-rate", "max-iter", "dropout", "validation-fraction"], scalesByDefault: true,
    makeSettings: { seed, options throws(LearningError) in
      var settings = MultilayerPerceptron(seed: seed)
      if let hidden = try options.sizes("hidden") { settings.hiddenLayers = hidden }
      if let alpha = try options.double("alpha") { settings.alpha = alpha }
      if let rate = try options.double("learning-rate") { settings.learningRate = rate }
      if let epochs = try options.int("max-iter") { settings.maxEpochs = epochs }
      if let dropout = try options.double("dropout") { settings.dropout = dropout }
      if let fraction = try options.double("validation-fraction") { settings.validationFraction = fraction }
      return settings
    },
    loadFitted: { json, tensors, shape in try Fitted(modelJSON: json, tensors: tensors, shape: shape) })

  public var kind: ModelKind { Self.registration }
  public var summary: [String: String] {
    ["hidden": hiddenLayers.map(String.init).joined(separator: ","), "alpha": "\(alpha)", "learning_rate": "\(learningRate)",
     "batch_size": "\(batchSize)", "max_iter": "\(maxEpochs)", "dropout": "\(dropout)",
     "validation_fraction": validationFraction.map { "\($0)" } ?? "none", "seed": "\(seed)"]
  }

  /// Default [100].
  public var hiddenLayers = [100]
  /// Default 1e-3.
  public var learningRate = 1e-3
  /// Default 1e-4.
  public var alpha = 1e-4
  /// Default 200 (the batch is min(200, n)).
  public var batchSize = 200
  /// Default 500 (scikit-learn: 200).
  public var maxEpochs = 500
  /// Default 1e-4.
  public var tolerance = 1e-4
  /// Epochs without improvement before stopping. Default 10.
  public var patience = 10
  /// Fraction of hidden units dropped during training (inverted dropout). Default 0 (off).
  public var dropout = 0.0
  /// Hold out this fraction of the training rows, by group, and stop on their accuracy. Default
  /// nil (off).
  public var validationFraction: Double?
  /// Fixes the initial weights, the batch order, dropout and the held-out rows. Default 0. The
  /// weights and the order are those of `MLPClassifier(random_state=seed)` (for seeds below 2³²;
  /// larger ones are taken modulo 2³²).
  public var seed: UInt64 = 0

  public init(
    hiddenLayers: [Int] = [100], learningRate: Double = 1e-3, alpha: Double = 1e-4, batchSize: Int = 200,
    maxEpochs: Int = 500, tolerance: Double = 1e-4, patience: Int = 10, dropout: Double = 0,
    validationFraction: Double? = nil, seed: UInt64 = 0
  ) {
    self.hiddenLayers = hiddenLayers
    self.learningRate = learningRate
    self.alpha = alpha
    self.batchSize = batchSize
    self.maxEpochs = maxEpochs
    self.tolerance = tolerance
    self.patience = patience
    self.dropout = dropout
    self.validationFraction = validationFraction
    self.seed = seed
  }

  public func validate() throws(LearningError) {
    guard !hiddenLayers.isEmpty, hiddenLayers.allSatisfy({ $0 >= 1 }) else {
      throw .invalidParameter(name: "hidden", value: "\(hiddenLayers)", reason: "layer sizes must be at least 1")
    }
    guard learningRate > 0, learningRate.isFinite else {
      throw .invalidParameter(name: "learning-rate", value: "\(learningRate)", reason: "must be positive")
    }
    guard alpha >= 0, alpha.isFinite else { throw .invalidParameter(name: "alpha", value: "\(alpha)", reason: "must be 0 or more") }
    for (name, value) in [("batch-size", batchSize), ("max-iter", maxEpochs), ("patience", patience)] where value < 1 {
      throw .invalidParameter(name: name, value: "\(value)", reason: "must be at least 1")
    }
    guard dropout >= 0, dropout < 1 else { throw .invalidParameter(name: "dropout", value: "\(dropout)", reason: "must be in [0, 1)") }
    if let f = validationFraction, !(f > 0 && f < 1) {
      throw .invalidParameter(name: "validation-fraction", value: "\(f)", reason: "must be between 0 and 1")
    }
  }

  /// `progress` counts epochs (of at most `maxEpochs`).
  /// With `validationFraction`, the validation part is a stratified group holdout of the
  /// training rows (the split logic's), so rows of one group (the segments of a track) never sit
  /// on both sides.
  public func fit(
    _ x: Matrix, labels: [Int], classCount: Int, groups: [String], threads: Int, progress: ProgressHandler?
  ) throws(LearningError) -> Fitted {
    try validate()
    try validateTrainingData(x, labels: labels, classCount: classCount)
    var generator = SeededGenerator(seed: seed)
    var trainRows = Array(0..<x.rows)
    var validationRows: [Int] = []
    if let fraction = validationFraction {
      let part = try Splitter.stratifiedGroupHoldout(
        TrainingData(input: .rows(x), labels: labels, classCount: classCount, groups: groups), testFraction: fraction, seed: seed)
      trainRows = part.train
      validationRows = part.test
    }
    // scikit-learn's initial weights (Glorot uniform, bound √(6 / (fan in + fan out)), each
    // layer's weights then biases) and epoch order, from numpy's RandomState(seed).
    var random = NumpyRandomState(seed: UInt32(truncatingIfNeeded: seed))
    let sizes = [x.columns] + hiddenLayers + [classCount]
    let network = Fitted(layers: (0..<(sizes.count - 1)).map { l in
      let bound = (6 / Double(sizes[l] + sizes[l + 1])).squareRoot()
      return Fitted.Layer(
        weights: Matrix(rows: sizes[l], columns: sizes[l + 1], values: (0..<(sizes[l] * sizes[l + 1])).map { _ in random.uniform(-bound, bound) }),
        biases: (0..<sizes[l + 1]).map { _ in random.uniform(-bound, bound) })
    })
    return try train(
      network, x: x, labels: labels, rows: trainRows, validationRows: validationRows, ordering: .numpy(random), generator: &generator,
      progress: progress)
  }

  /// Mini-batch Adam from `network` on `rows` of `x`, in the epoch order `ordering` gives,
  /// stopping as `fit` describes.
  func train(
    _ network: Fitted, x: Matrix, labels: [Int], rows trainRows: [Int], validationRows: [Int], ordering: TrainingLoop.EpochOrdering,
    generator: inout SeededGenerator, progress: ProgressHandler? = nil
  ) throws(LearningError) -> Fitted {
    let loop = TrainingLoop(
      epochs: maxEpochs, batchSize: batchSize,
      stopping: validationRows.isEmpty
        ? .trainingLoss(tolerance: tolerance, patience: patience) : .validationAccuracy(tolerance: tolerance, patience: patience),
      ordering: ordering)
    var trainee = TrainingState(
      network: network, x: x, labels: labels, alpha: alpha, dropout: dropout, learningRate: learningRate,
      batchCapacity: min(batchSize, trainRows.count))
    let run = try loop.run(&trainee, train: trainRows, validation: validationRows, generator: &generator, progress: progress)
    var fitted = trainee.network
    // With a validation part, the best epoch's weights, but the epochs actually run.
    fitted.epochs = run.history.count
    fitted.converged = run.stoppedEarly
    fitted.history = run.history
    return fitted
  }

  /// The network in training: Adam (scikit-learn's epsilon) on its weights and biases.
  struct TrainingState: Trainee {
    var network: Fitted
    let x: Matrix
    let labels: [Int]
    let alpha: Double
    let dropout: Double
    var adam: Adam<Double>
    let buffers: BatchBuffers

    init(network: Fitted, x: Matrix, labels: [Int], alpha: Double, dropout: Double, learningRate: Double, batchCapacity: Int) {
      self.network = network
      self.x = x
      self.labels = labels
      self.alpha = alpha
      self.dropout = dropout
      adam = Adam(shapes: network.layers.flatMap { [$0.weights.values.count, $0.biases.count] }, learningRate: learningRate, epsilon: 1e-8)
      buffers = BatchBuffers(widths: [network.featureCount] + network.layers.map(\.biases.count), capacity: batchCapacity)
    }

    mutating func step(_ rows: [Int], generator: inout SeededGenerator) -> (loss: Double, correct: Int) {
      let result = network.lossAndGradients(rows: rows, of: x, labels: labels, alpha: alpha, dropout: dropout, generator: &generator, into: buffers)
      adam.advance()
      for l in network.layers.indices {
        let (weights, biases) = (network.layers[l].weights.values.count, network.layers[l].biases.count)
        adam.update(&network.layers[l].weights.values, gradient: UnsafeBufferPointer(start: buffers.weightGradients[l], count: weights), slot: 2 * l)
        adam.update(&network.layers[l].biases, gradient: UnsafeBufferPointer(start: buffers.biasGradients[l], count: biases), slot: 2 * l + 1)
      }
      return result
    }

    func evaluate(_ rows: [Int]) -> (loss: Double, accuracy: Double) {
      let (loss, correct) = crossEntropy(network.probabilities(x.selecting(rows: rows), threads: 1), labels: rows.map { labels[$0] })
      return (loss, Double(correct) / Double(rows.count))
    }

    var snapshot: Fitted { network }
    mutating func restore(_ snapshot: Fitted) { network = snapshot }
  }

  /// One batch's arrays, allocated once for the largest batch and reused by every step (arrays
  /// made per batch, and the copies between them, took as long as the batch's matrix products).
  /// The layers' outputs and errors have a vector's slack after them: the dense kernels read
  /// them in whole vectors of eight.
  final class BatchBuffers {
    /// Inputs, hidden layers, classes.
    let widths: [Int]
    /// Rows of the largest batch.
    let capacity: Int
    /// outputs[0]: the batch's input rows; outputs[l + 1]: layer l's output (after ReLU and
    /// dropout, or the last layer's softmax, which becomes its error in place).
    let outputs: [UnsafeMutablePointer<Double>]
    /// errors[l], for 1 ≤ l < layers: the loss's gradient by layer l − 1's pre-activation, the
    /// width of outputs[l].
    let errors: [UnsafeMutablePointer<Double>]
    let labels: UnsafeMutablePointer<Int>
    let weightGradients: [UnsafeMutablePointer<Double>]
    let biasGradients: [UnsafeMutablePointer<Double>]
    /// The dense kernels' scratch space, enough for any layer.
    let scratch: UnsafeMutablePointer<Double>

    init(widths: [Int], capacity: Int) {
      func zeros(_ count: Int) -> UnsafeMutablePointer<Double> {
        let p = UnsafeMutablePointer<Double>.allocate(capacity: count)
        p.initialize(repeating: 0, count: count)
        return p
      }
      let slack = 8
      self.widths = widths
      self.capacity = capacity
      outputs = widths.map { zeros(capacity * $0 + slack) }
      errors = widths.indices.dropLast().map { zeros($0 == 0 ? 0 : capacity * widths[$0] + slack) }
      labels = UnsafeMutablePointer<Int>.allocate(capacity: capacity)
      labels.initialize(repeating: 0, count: capacity)
      weightGradients = (1..<widths.count).map { zeros(widths[$0 - 1] * widths[$0]) }
      biasGradients = widths.dropFirst().map { zeros($0) }
      scratch = zeros((1..<widths.count).map { genrekit_dense_scratch(widths[$0 - 1], widths[$0]) }.max()!)
    }

    deinit {
      for p in outputs + errors + weightGradients + biasGradients + [scratch] { p.deallocate() }
      labels.deallocate()
    }
  }

  public struct Fitted: FittedRowClassifier {
    public var kind: ModelKind { MultilayerPerceptron.registration }
    public struct Layer: Sendable, Equatable {
      /// fanIn × fanOut.
      public var weights: Matrix
      public var biases: [Double]
    }

    public var layers: [Layer]
    public var epochs = 0
    /// Whether training stopped on its own criterion rather than at the epoch limit.
    public var converged = false
    /// Every epoch's training loss and accuracy (and the validation part's, with early stopping).
    public var history: [EpochRecord] = []
    public var featureCount: Int { layers[0].weights.rows }

    public var convergenceWarning: String? {
      converged ? nil : "mlp stopped at its epoch limit (\(epochs)) before its loss settled"
    }
    public var classCount: Int { layers[layers.count - 1].biases.count }

    public func probabilities(_ x: Matrix, threads: Int) -> Matrix {
      parallelRows(x.rows, columns: classCount, threads: threads) { range, out in
        // Row by row: a row's result is independent of the other rows in its block.
        var a = x.selecting(rows: Array(range))
        for (l, layer) in layers.enumerated() {
          a = a.rowwiseAffine(
            layer.weights, biases: layer.biases, activation: l < layers.count - 1 ? GENREKIT_AFFINE_RELU : GENREKIT_AFFINE_SOFTMAX)
        }
        for (i, value) in a.values.enumerated() { out[range.lowerBound * classCount + i] = value }
      }
    }

    /// Mean cross-entropy plus `α/2·Σ‖W‖²/n` on the batch of `rows` of `x`, the batch's correct
    /// predictions, and in `buffers` the loss's gradient for every weight and bias array, by
    /// backpropagation (the batch's products and what follows each in the dense kernels).
    func lossAndGradients(
      rows: [Int], of x: Matrix, labels: [Int], alpha: Double, dropout: Double, generator: inout SeededGenerator,
      into buffers: BatchBuffers
    ) -> (loss: Double, correct: Int) {
      let count = rows.count
      precondition(count >= 1 && count <= buffers.capacity && buffers.widths == [featureCount] + layers.map(\.biases.count))
      let n = Double(count)
      let (outputs, batchLabels) = (buffers.outputs, buffers.labels)
      for (r, i) in rows.enumerated() {
        precondition(i >= 0 && i < x.rows, "row \(i) of \(x.rows)")
        batchLabels[r] = labels[i]
      }
      x.values.withUnsafeBufferPointer { values in
        rows.withUnsafeBufferPointer { rows in
          genrekit_gather_rows(values.baseAddress, x.columns, rows.baseAddress, count, outputs[0])
        }
      }
      for (l, layer) in layers.enumerated() {
        let (fanIn, fanOut, z) = (layer.weights.rows, layer.weights.columns, outputs[l + 1])
        let hidden = l < layers.count - 1
        genrekit_dense_forward_f64(
          outputs[l], count, fanIn, layer.weights.values, layer.biases, fanOut, hidden ? 1 : 0, buffers.scratch, z)
        if hidden {
          if dropout > 0 {
            for i in 0..<(count * fanOut) { z[i] = generator.nextUnit() < dropout ? 0 : z[i] / (1 - dropout) }
          }
        } else {
          softmaxRows(in: UnsafeMutableBufferPointer(start: z, count: count * fanOut), columns: fanOut)
        }
      }
      let classes = classCount
      let probabilities = outputs[layers.count]
      let (meanCrossEntropy, correct) = crossEntropy(
        UnsafeBufferPointer(start: probabilities, count: count * classes), columns: classes,
        labels: UnsafeBufferPointer(start: batchLabels, count: count))
      // The output layer's error, in place of its probabilities: p − onehot(label).
      for r in 0..<count { probabilities[r * classes + batchLabels[r]] -= 1 }
      let squaredWeights = layers.reduce(0.0) { $0 + $1.weights.values.reduce(0) { $0 + $1 * $1 } }
      let loss = meanCrossEntropy + 0.5 * alpha * squaredWeights / n
      let outputBiasGradient = buffers.biasGradients[layers.count - 1]
      outputBiasGradient.update(repeating: 0, count: classes)
      Double.addColumnSums(probabilities, rows: count, columns: classes, into: outputBiasGradient)
      for l in layers.indices.reversed() {
        let (fanIn, fanOut, input) = (layers[l].weights.rows, layers[l].weights.columns, outputs[l])
        let delta = l == layers.count - 1 ? probabilities : buffers.errors[l + 1]
        genrekit_dense_weight_gradient_f64(
          input, count, fanIn, delta, fanOut, layers[l].weights.values, alpha, buffers.scratch, buffers.weightGradients[l])
        // The bias gradient holds delta's column sums: summed above for the output layer, by the
        // input gradient of the layer after it (below, one step earlier) for a hidden one.
        let biasGradient = buffers.biasGradients[l]
        for c in 0..<fanOut { biasGradient[c] /= n }
        guard l > 0 else { break }
        // By the previous layer's pre-activation: through the ReLU (and dropout), whose derivative
        // is zero where the unit's output was zero and 1/keep elsewhere.
        genrekit_dense_input_gradient_f64(
          delta, count, fanOut, layers[l].weights.values, fanIn, input, 1 / (1 - dropout), buffers.scratch, buffers.errors[l],
          buffers.biasGradients[l - 1])
      }
      return (loss, correct)
    }
  }
}

extension MultilayerPerceptron.Fitted: ArchivableModel {
  public struct Header: Codable, Sendable, Equatable {
    /// Inputs, hidden layers, classes.
    var layerSizes: [Int]
    var epochs: Int
    var converged: Bool
    /// Keras's history names (`loss`, `accuracy`, `val_loss`, `val_accuracy`), as the networks'.
    var history: [EpochRecord]?
  }

  public var header: Header {
    Header(layerSizes: [featureCount] + layers.map(\.biases.count), epochs: epochs, converged: converged, history: history)
  }

  /// Named as scikit-learn's `coefs_[l]` (fan-in × fan-out) and `intercepts_[l]`.
  public func archive(into tensors: inout TensorArchive) {
    for (l, layer) in layers.enumerated() {
      tensors.add("mlp.coefs.\(l)", layer.weights.values, shape: [layer.weights.rows, layer.weights.columns])
      tensors.add("mlp.intercepts.\(l)", layer.biases, shape: [layer.biases.count])
    }
  }

  public init(header: Header, tensors: TensorArchive, shape: ModelShape) throws {
    let sizes = header.layerSizes
    guard sizes.count >= 2, sizes.first == shape.featureCount, sizes.last == shape.classCount, sizes.allSatisfy({ $0 >= 1 }) else {
      throw LearningError.invalidModelFile(
        "layerSizes is \(sizes); it must run from the \(shape.featureCount) features to the \(shape.classCount) classes")
    }
    let layers = try (0..<(sizes.count - 1)).map { l in
      Layer(
        weights: Matrix(rows: sizes[l], columns: sizes[l + 1], values: try tensors.doubles("mlp.coefs.\(l)", shape: [sizes[l], sizes[l + 1]])),
        biases: try tensors.doubles("mlp.intercepts.\(l)", shape: [sizes[l + 1]]))
    }
    self.init(layers: layers, epochs: header.epochs, converged: header.converged, history: header.history ?? [])
  }
}
