import TensorIO
import Foundation

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
    var trainee = TrainingState(network: network, x: x, labels: labels, alpha: alpha, dropout: dropout, learningRate: learningRate)
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

    init(network: Fitted, x: Matrix, labels: [Int], alpha: Double, dropout: Double, learningRate: Double) {
      self.network = network
      self.x = x
      self.labels = labels
      self.alpha = alpha
      self.dropout = dropout
      adam = Adam(shapes: network.layers.flatMap { [$0.weights.values.count, $0.biases.count] }, learningRate: learningRate, epsilon: 1e-8)
    }

    mutating func step(_ rows: [Int], generator: inout SeededGenerator) -> (loss: Double, correct: Int) {
      let (loss, correct, gradients) = network.lossAndGradients(
        x.selecting(rows: rows), labels: rows.map { labels[$0] }, alpha: alpha, dropout: dropout, generator: &generator)
      adam.advance()
      for l in network.layers.indices {
        adam.update(&network.layers[l].weights.values, gradient: gradients[2 * l], slot: 2 * l)
        adam.update(&network.layers[l].biases, gradient: gradients[2 * l + 1], slot: 2 * l + 1)
      }
      return (loss, correct)
    }

    func evaluate(_ rows: [Int]) -> (loss: Double, accuracy: Double) {
      let (loss, correct) = crossEntropy(network.probabilities(x.selecting(rows: rows), threads: 1), labels: rows.map { labels[$0] })
      return (loss, Double(correct) / Double(rows.count))
    }

    var snapshot: Fitted { network }
    mutating func restore(_ snapshot: Fitted) { network = snapshot }
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
        var a = x.selecting(rows: Array(range))
        for (l, layer) in layers.enumerated() {
          a = affine(a, layer, rowByRow: true)
          if l < layers.count - 1 { a.values = a.values.map { max(0, $0) } }
        }
        for (i, value) in softmaxRows(a).values.enumerated() { out[range.lowerBound * classCount + i] = value }
      }
    }

    /// `a · W + b`; row by row for predictions (a row's result independent of the other rows in
    /// its block), through BLAS for training's batches.
    private func affine(_ a: Matrix, _ layer: Layer, rowByRow: Bool = false) -> Matrix {
      var z = rowByRow ? a.rowwiseMultiplied(by: layer.weights) : a.multiplied(by: layer.weights)
      let columns = z.columns
      z.values.withUnsafeMutableBufferPointer { z in
        layer.biases.withUnsafeBufferPointer { b in
          for r in 0..<(z.count / columns) {
            let row = z.baseAddress! + r * columns
            for c in 0..<columns { row[c] += b[c] }
          }
        }
      }
      return z
    }

    /// Mean cross-entropy plus `α/2·Σ‖W‖²/n` on one batch, the batch's correct predictions, and
    /// the loss's gradient for every parameter array (weights, biases per layer), by
    /// backpropagation.
    func lossAndGradients(
      _ x: Matrix, labels: [Int], alpha: Double, dropout: Double, generator: inout SeededGenerator
    ) -> (loss: Double, correct: Int, gradients: [[Double]]) {
      let n = Double(x.rows)
      var activations = [x]
      for (l, layer) in layers.enumerated() {
        var z = affine(activations[l], layer)
        if l < layers.count - 1 {
          z.values.withUnsafeMutableBufferPointer { z in
            for i in 0..<z.count { z[i] = max(0, z[i]) }
            if dropout > 0 {
              for i in 0..<z.count { z[i] = generator.nextUnit() < dropout ? 0 : z[i] / (1 - dropout) }
            }
          }
        }
        activations.append(l < layers.count - 1 ? z : softmaxRows(z))
      }
      var delta = activations[layers.count]
      let (meanCrossEntropy, correct) = crossEntropy(delta, labels: labels)
      for i in 0..<x.rows { delta[i, labels[i]] -= 1 }
      let squaredWeights = layers.reduce(0.0) { $0 + $1.weights.values.reduce(0) { $0 + $1 * $1 } }
      let loss = meanCrossEntropy + 0.5 * alpha * squaredWeights / n
      var gradients = [[Double]](repeating: [], count: 2 * layers.count)
      for l in layers.indices.reversed() {
        var weightGradient = activations[l].multiplied(by: delta, transposingSelf: true).values
        layers[l].weights.values.withUnsafeBufferPointer { w in
          for i in 0..<weightGradient.count { weightGradient[i] = (weightGradient[i] + alpha * w[i]) / n }
        }
        gradients[2 * l] = weightGradient
        var biasGradient = [Double](repeating: 0, count: delta.columns)
        for r in 0..<delta.rows { for c in 0..<delta.columns { biasGradient[c] += delta.values[r * delta.columns + c] } }
        gradients[2 * l + 1] = biasGradient.map { $0 / n }
        if l > 0 {
          var back = delta.multiplied(by: layers[l].weights, transposingOther: true)
          // ReLU (and dropout) derivative: zero where the unit's output was zero, 1/keep elsewhere.
          let scale = 1 / (1 - dropout)
          back.values.withUnsafeMutableBufferPointer { b in
            activations[l].values.withUnsafeBufferPointer { a in
              // A select of constants, then a multiply: branch-free, so it vectorises.
              for i in 0..<b.count { b[i] *= a[i] > 0 ? scale : 0 }
            }
          }
          delta = back
        }
      }
      return (loss, correct, gradients)
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
