import Foundation
import TensorIO

/// A convolutional (`cnn`) or dense (`fnn`) network on spectrograms (log-mel bands × frames),
/// trained natively in float32 (the Keras reference models of GenreKit's anchors).
///
/// - `cnn`: per `filters` entry, Conv2D 3 × 3 "same" + ReLU → MaxPool 2 × 2 → BatchNorm; then
///   Flatten → Dropout → Dense `dense` + ReLU → Dense(classes); softmax.
/// - `fnn`: Flatten → per `dense` entry, Dense + ReLU → Dropout; Dense(classes); softmax.
///
/// The input is standardised with the training part's scalar mean and std. Adam (Keras's β and
/// ε), batches of `batchSize`, cross-entropy, at most `epochs`; early stopping on the validation
/// loss (`patience`, best weights restored, not before `firstMonitoredEpoch`), the validation part
/// drawn by track (a stratified group holdout of the training part).
public struct NetworkClassifier: ModelSettings, Equatable {
  public enum Architecture: String, Sendable, Codable, CaseIterable {
    case cnn, fnn
  }

  /// Training-batch augmentations (any combination).
  public enum Augmentation: String, Sendable, Codable, CaseIterable {
    /// The frames reversed, with probability 0.5 per example.
    case flip
    /// Gaussian noise of std 0.05 (of the standardised input) added.
    case noise
    /// The frames rotated by a uniform random number of frames.
    case shift
  }

  public static let cnn = registration(.cnn)
  public static let fnn = registration(.fnn)

  static func registration(_ architecture: Architecture) -> ModelKind {
    ModelKind(
      name: architecture.rawValue, input: .spectrograms,
      summary: architecture == .cnn ? "convolutional network on log-mel spectrograms" : "dense network on log-mel spectrograms",
      options: (architecture == .cnn ? ["filters"] : []) + ["dense", "dropout", "epochs", "batch-size", "learning-rate", "patience", "l2", "augment", "validation-fraction"],
      makeSettings: { seed, options throws(LearningError) in
        var settings = NetworkClassifier(architecture: architecture, seed: seed)
        if let filters = try options.sizes("filters") { settings.filters = filters }
        if let dense = try options.sizes("dense") { settings.dense = dense }
        if let dropout = try options.double("dropout") { settings.dropout = dropout }
        if let epochs = try options.int("epochs") { settings.epochs = epochs }
        if let batch = try options.int("batch-size") { settings.batchSize = batch }
        if let rate = try options.double("learning-rate") { settings.learningRate = rate }
        if let patience = try options.int("patience") { settings.patience = patience }
        if let l2 = try options.double("l2") { settings.l2 = l2 }
        if let fraction = try options.double("validation-fraction") { settings.validationFraction = fraction }
        if let text = options.values["augment"] {
          var augment: Set<Augmentation> = []
          for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where name != "none" {
            guard let value = Augmentation(rawValue: name) else {
              throw .invalidParameter(name: "augment", value: text, reason: "takes none, flip, noise, shift or several of them")
            }
            augment.insert(value)
          }
          settings.augment = augment
        }
        return settings
      },
      loadFitted: { json, tensors, shape in try Fitted(modelJSON: json, tensors: tensors, shape: shape) })
  }

  public var architecture: Architecture
  /// Filters of each convolution block (cnn). Default 16, 32, 64.
  public var filters = [16, 32, 64]
  /// Units of the hidden dense layers. Default 64 (cnn), 256, 64 (fnn).
  public var dense: [Int]
  /// Default 0.3.
  public var dropout = 0.3
  /// Default 30.
  public var epochs = 30
  /// Default 32.
  public var batchSize = 32
  /// Adam's step size. Default 1e-3.
  public var learningRate = 1e-3
  /// Epochs without a lower validation loss before stopping. Default 5.
  public var patience = 5
  /// Early stopping watches the validation loss from this epoch on, or, in a network with
  /// BatchNorm, from the epoch by which its running statistics have followed
  /// `batchNormWarmUpSteps` batches, if that is later. Default 6.
  public var minEpochs = 6

  /// With momentum 0.99, the running statistics keep 0.99²⁴⁰ < 10 % of their start after 240
  /// batches; before, the inference-mode network is far from the trained one (near chance), and
  /// its validation loss says nothing. Keras's anchor protocol (1,900 training segments, 60
  /// batches an epoch) reaches it by epoch 4, so there epoch 6 rules; on smaller data it is later.
  static let batchNormWarmUpSteps = 240

  /// The first epoch early stopping watches, for `trainingExamples` per epoch.
  func firstMonitoredEpoch(trainingExamples: Int) -> Int {
    guard architecture == .cnn else { return minEpochs }
    let batchesPerEpoch = (trainingExamples + batchSize - 1) / batchSize
    return max(minEpochs, (Self.batchNormWarmUpSteps + batchesPerEpoch - 1) / batchesPerEpoch)
  }
  /// L2 penalty `l2·Σw²` on every kernel. Default 0.
  public var l2 = 0.0
  public var augment: Set<Augmentation> = []
  /// The share of the training tracks held out for early stopping. Default 0.2.
  public var validationFraction = 0.2
  /// Fixes the initial weights, the validation part, the batch order, dropout and augmentation.
  public var seed: UInt64 = 0

  public init(architecture: Architecture, seed: UInt64 = 0) {
    self.architecture = architecture
    dense = architecture == .cnn ? [64] : [256, 64]
    self.seed = seed
  }

  public var kind: ModelKind { architecture == .cnn ? Self.cnn : Self.fnn }

  public var summary: [String: String] {
    var summary = [
      "dense": dense.map(String.init).joined(separator: ","), "dropout": "\(dropout)", "epochs": "\(epochs)", "batch_size": "\(batchSize)",
      "learning_rate": "\(learningRate)", "patience": "\(patience)", "min_epochs": "\(minEpochs)", "l2": "\(l2)",
      "augment": augment.isEmpty ? "none" : augment.map(\.rawValue).sorted().joined(separator: ","),
      "validation_fraction": "\(validationFraction)", "seed": "\(seed)",
    ]
    if architecture == .cnn { summary["filters"] = filters.map(String.init).joined(separator: ",") }
    return summary
  }

  public func validate() throws(LearningError) {
    guard (0..<1).contains(dropout) else { throw .invalidParameter(name: "dropout", value: "\(dropout)", reason: "must be in [0, 1)") }
    for (name, value) in [("epochs", epochs), ("batch-size", batchSize), ("patience", patience)] where value < 1 {
      throw .invalidParameter(name: name, value: "\(value)", reason: "must be at least 1")
    }
    guard learningRate > 0, learningRate.isFinite else { throw .invalidParameter(name: "learning-rate", value: "\(learningRate)", reason: "must be positive") }
    guard l2 >= 0, l2.isFinite else { throw .invalidParameter(name: "l2", value: "\(l2)", reason: "must be 0 or more") }
    guard !dense.isEmpty else { throw .invalidParameter(name: "dense", value: "", reason: "needs at least one layer") }
    guard validationFraction > 0, validationFraction < 1 else {
      throw .invalidParameter(name: "validation-fraction", value: "\(validationFraction)", reason: "must be between 0 and 1")
    }
  }

  /// The layers for examples of `bands × frames` and `classes` classes, named as a PyTorch
  /// `features`/`classifier` pair of `nn.Sequential` would name them, where each ReLU (fused
  /// into its layer here) is a module of its own: `features` = [Conv2d, ReLU, MaxPool2d,
  /// BatchNorm2d] per block, `classifier` = [Flatten, (Dropout,) Linear, ReLU, (Dropout,) …, Linear].
  func network<T: NetworkScalar>(bands: Int, frames: Int, classes: Int, generator: inout SeededGenerator) throws(LearningError) -> Sequential<T> {
    var layers: [any Layer<T>] = []
    var shape = [1, bands, frames]
    var channels = 1
    if architecture == .cnn {
      for (block, filters) in self.filters.enumerated() {
        guard shape[1] >= 2, shape[2] >= 2 else {
          throw .invalidParameter(name: "filters", value: "\(self.filters)", reason: "too many pooling blocks for \(bands) × \(frames) input")
        }
        layers += [
          Conv2D<T>(inChannels: channels, outChannels: filters, activation: .relu, name: "features.\(4 * block)", generator: &generator),
          MaxPool2D<T>(), BatchNorm<T>(channels: filters, name: "features.\(4 * block + 3)"),
        ]
        channels = filters
        shape = [filters, shape[1] / 2, shape[2] / 2]
      }
    }
    // classifier: Flatten (0), then the dense part.
    var inputs = shape.reduce(1, *)
    var index = 1
    layers.append(Flatten<T>())
    if architecture == .cnn {
      layers.append(Dropout<T>(rate: dropout))
      index += 1
    }
    for units in dense {
      layers.append(Dense<T>(inputs: inputs, outputs: units, activation: .relu, name: "classifier.\(index)", generator: &generator))
      index += 2
      if architecture == .fnn {
        layers.append(Dropout<T>(rate: dropout))
        index += 1
      }
      inputs = units
    }
    layers.append(Dense<T>(inputs: inputs, outputs: classes, name: "classifier.\(index)", generator: &generator))
    return Sequential(layers)
  }

  /// `progress` counts batches (of at most `epochs` epochs), with the last epoch's losses.
  public func fit(_ data: TrainingData, threads: Int, progress: ProgressHandler?) throws(LearningError) -> any FittedModel {
    guard case .spectrograms(let spectrograms) = data.input else { throw .wrongInput(model: kind.name, expected: kind.input, got: data.input.kind) }
    try validate()
    guard Set(data.labels).count >= 2 else { throw .singleClass("all \(data.count) spectrograms are class \(data.labels.first ?? 0)") }
    guard spectrograms.values.allSatisfy(\.isFinite) else {
      throw .invalidParameter(name: "spectrograms", value: "NaN/inf", reason: "training input must be finite")
    }
    var generator = SeededGenerator(seed: seed)
    let network: Sequential<Float> = try network(bands: spectrograms.bands, frames: spectrograms.frames, classes: data.classCount, generator: &generator)
    // The validation part: whole tracks, stratified; without enough tracks, none (fixed epochs).
    let part = try? Splitter.stratifiedGroupHoldout(data, testFraction: validationFraction, seed: seed)
    let trainRows = part?.train ?? Array(0..<data.count)
    let standardisation = Standardisation(spectrograms.selecting(trainRows).values)
    let inputs = standardisation.tensor(spectrograms)
    let validation = part?.test ?? []
    let loop = TrainingLoop(
      epochs: epochs, batchSize: batchSize, stopping: validation.isEmpty
        ? .epochLimit : .validationLoss(patience: patience, firstEpoch: firstMonitoredEpoch(trainingExamples: trainRows.count)))
    var trainee = NetworkTrainee(
      network: network, inputs: inputs, labels: data.labels, learningRate: learningRate, l2: l2, augment: augment, threads: threads)
    let run = try loop.run(&trainee, train: trainRows, validation: validation, generator: &generator, progress: progress)
    return Fitted(
      settings: self, bands: spectrograms.bands, frames: spectrograms.frames, classCount: data.classCount, standardisation: standardisation,
      state: network.state.map { .init(name: $0.name, shape: $0.shape, values: $0.values) }, history: run.history, bestEpoch: run.bestEpoch,
      stoppedEarly: run.stoppedEarly)
  }

  /// The training part's scalar mean and std, applied to every input.
  public struct Standardisation: Sendable, Equatable, Codable {
    public var mean: Float
    public var std: Float

    init(mean: Float, std: Float) {
      self.mean = mean
      self.std = std
    }

    init(_ values: [Float]) {
      let mean = values.reduce(0.0) { $0 + Double($1) } / Double(max(1, values.count))
      let variance = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(max(1, values.count))
      self.init(mean: Float(mean), std: Float(variance > 0 ? variance.squareRoot() : 1))
    }

    func tensor(_ spectrograms: Spectrograms) -> Tensor<Float> {
      Tensor(shape: [spectrograms.count, 1, spectrograms.bands, spectrograms.frames], values: spectrograms.values.map { ($0 - mean) / std })
    }
  }

  /// One named array of a trained network (a parameter or a running statistic).
  public struct NamedArray: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var values: [Float]
  }

  public struct Fitted: FittedModel, Equatable {
    init(
      settings: NetworkClassifier, bands: Int, frames: Int, classCount: Int, standardisation: Standardisation, state: [NamedArray],
      history: [EpochRecord], bestEpoch: Int, stoppedEarly: Bool
    ) {
      self.settings = settings
      self.bands = bands
      self.frames = frames
      self.classCount = classCount
      self.standardisation = standardisation
      self.state = state
      self.history = history
      self.bestEpoch = bestEpoch
      self.stoppedEarly = stoppedEarly
    }

    public let settings: NetworkClassifier
    public let bands: Int
    public let frames: Int
    public let classCount: Int
    public let standardisation: Standardisation
    /// Every parameter and running statistic, in layer order, with PyTorch names.
    public let state: [NamedArray]
    /// Every epoch's losses and accuracies (for learning curves).
    public let history: [EpochRecord]
    public let bestEpoch: Int
    public let stoppedEarly: Bool

    public var kind: ModelKind { settings.kind }

    public var convergenceWarning: String? {
      stoppedEarly || history.count < settings.epochs ? nil : "\(kind.name) ran all \(settings.epochs) epochs without the validation loss settling"
    }

    /// The network with the trained values. (Building it cannot fail: the same call built it
    /// when the model was fitted or its file read.)
    func network() -> Sequential<Float> {
      var generator = SeededGenerator(seed: 0)
      let network: Sequential<Float> = try! settings.network(bands: bands, frames: frames, classes: classCount, generator: &generator)
      for (parameter, trained) in zip(network.state, state) { parameter.values = trained.values }
      return network
    }

    public func probabilities(_ input: ModelInput, threads: Int) throws(LearningError) -> Matrix {
      guard case .spectrograms(let spectrograms) = input else { throw .wrongInput(model: kind.name, expected: kind.input, got: input.kind) }
      guard spectrograms.bands == bands, spectrograms.frames == frames else {
        throw .invalidParameter(
          name: "spectrograms", value: "\(spectrograms.bands) × \(spectrograms.frames)", reason: "\(kind.name) was trained on \(bands) × \(frames)")
      }
      let size = bands * frames
      if let bad = spectrograms.values.firstIndex(where: { !$0.isFinite }) {
        throw .invalidParameter(name: "spectrograms", value: "\(spectrograms.values[bad])", reason: "example \(bad / size + 1) is not finite")
      }
      let probabilities = network().probabilities(standardisation.tensor(spectrograms), threads: threads)
      // Finite weights can still overflow on extreme inputs; a NaN must not pass for a result.
      if let bad = probabilities.values.firstIndex(where: { !$0.isFinite }) {
        throw .nonFiniteResult("example \(bad / classCount + 1): the network's class probabilities are not finite (its arithmetic overflows)")
      }
      return probabilities
    }

    public func isEqual(to other: any FittedModel) -> Bool { (other as? Self) == self }
  }
}

/// One epoch of training, for learning curves (Keras's history names in files).
public struct EpochRecord: Sendable, Equatable, Codable {
  public var epoch: Int
  /// The mean loss over the epoch's batches, each as it was before its step (as Keras reports it).
  public var trainingLoss: Double
  public var trainingAccuracy: Double
  public var validationLoss: Double?
  public var validationAccuracy: Double?

  /// `epoch 3: loss 0.812 accuracy 0.655 · val_loss 0.904 val_accuracy 0.600`.
  public var summary: String {
    var text = String(format: "epoch %d: loss %.3f accuracy %.3f", epoch, trainingLoss, trainingAccuracy)
    if let validationLoss, let validationAccuracy { text += String(format: " · val_loss %.3f val_accuracy %.3f", validationLoss, validationAccuracy) }
    return text
  }

  enum CodingKeys: String, CodingKey {
    case epoch
    case trainingLoss = "loss"
    case trainingAccuracy = "accuracy"
    case validationLoss = "val_loss"
    case validationAccuracy = "val_accuracy"
  }
}

extension NetworkClassifier.Fitted: ArchivableModel {
  /// The architecture and training settings (enough to rebuild the network: PyTorch's
  /// `features`/`classifier` layout is in README), the input standardisation, and the training
  /// history. The weights are the tensor file's, one F32 tensor per PyTorch state-dict entry.
  public struct Header: Codable, Sendable, Equatable {
    var architecture: NetworkClassifier.Architecture
    /// One example's input: 1 × bands × frames.
    var input_shape: [Int]
    var filters: [Int]?
    var dense: [Int]
    var dropout: Double
    /// The scalar standardisation `(x − mean) / std` applied before the network.
    var input_mean: Float
    var input_std: Float
    var epochs: Int
    var batch_size: Int
    var learning_rate: Double
    var patience: Int
    var min_epochs: Int
    var l2: Double
    var augment: [NetworkClassifier.Augmentation]
    var validation_fraction: Double
    var seed: UInt64
    var history: [EpochRecord]
    var best_epoch: Int
    var stopped_early: Bool
  }

  public var header: Header {
    Header(
      architecture: settings.architecture, input_shape: [1, bands, frames], filters: settings.architecture == .cnn ? settings.filters : nil,
      dense: settings.dense, dropout: settings.dropout, input_mean: standardisation.mean, input_std: standardisation.std,
      epochs: settings.epochs, batch_size: settings.batchSize, learning_rate: settings.learningRate, patience: settings.patience,
      min_epochs: settings.minEpochs, l2: settings.l2, augment: settings.augment.sorted { $0.rawValue < $1.rawValue },
      validation_fraction: settings.validationFraction, seed: settings.seed, history: history, best_epoch: bestEpoch, stopped_early: stoppedEarly)
  }

  public var modelFileHeader: any Encodable { header }

  public func archive(into tensors: inout TensorArchive) {
    for array in state { tensors.add(array.name, array.values, shape: array.shape) }
  }

  /// Rebuilds the network the header describes for the file's classes and bands, and reads each
  /// of its arrays with its exact shape: finite, running variances not negative.
  public init(header: Header, tensors: TensorArchive, shape: ModelShape) throws {
    func invalid(_ what: String) -> LearningError { .invalidModelFile(what) }
    guard header.input_shape.count == 3, header.input_shape[0] == 1, header.input_shape[1] == shape.featureCount,
      (1...4096).contains(header.input_shape[2])
    else {
      throw invalid("input_shape is \(header.input_shape); expected [1, \(shape.featureCount) bands, 1 to 4096 frames]")
    }
    guard header.input_mean.isFinite, header.input_std.isFinite, header.input_std > 0 else {
      throw invalid("input_mean and input_std must be finite, input_std positive")
    }
    var settings = NetworkClassifier(architecture: header.architecture, seed: header.seed)
    if let filters = header.filters { settings.filters = filters }
    settings.dense = header.dense
    settings.dropout = header.dropout
    settings.epochs = header.epochs
    settings.batchSize = header.batch_size
    settings.learningRate = header.learning_rate
    settings.patience = header.patience
    settings.minEpochs = header.min_epochs
    settings.l2 = header.l2
    settings.augment = Set(header.augment)
    settings.validationFraction = header.validation_fraction
    guard settings.filters.allSatisfy({ (1...4096).contains($0) }), settings.dense.allSatisfy({ (1...65536).contains($0) }) else {
      throw invalid("filters and dense must be layer sizes of 1 to 4096 filters and 1 to 65536 units")
    }
    try settings.validate()
    guard (0...header.history.count).contains(header.best_epoch) else {
      throw invalid("best_epoch \(header.best_epoch) is not one of the \(header.history.count) epochs of history")
    }
    var generator = SeededGenerator(seed: 0)
    let (bands, frames) = (header.input_shape[1], header.input_shape[2])
    let network: Sequential<Float> = try settings.network(bands: bands, frames: frames, classes: shape.classCount, generator: &generator)
    var state: [NetworkClassifier.NamedArray] = []
    for parameter in network.state {
      let values = try tensors.floats(parameter.name, shape: parameter.shape)
      if parameter.name.hasSuffix(".running_var"), let bad = values.firstIndex(where: { $0 < 0 }) {
        throw invalid("tensor \(parameter.name): element \(bad) is \(values[bad]), a variance cannot be negative")
      }
      state.append(.init(name: parameter.name, shape: parameter.shape, values: values))
    }
    self.init(
      settings: settings, bands: bands, frames: frames, classCount: shape.classCount,
      standardisation: .init(mean: header.input_mean, std: header.input_std), state: state, history: header.history,
      bestEpoch: header.best_epoch, stoppedEarly: header.stopped_early)
  }
}
