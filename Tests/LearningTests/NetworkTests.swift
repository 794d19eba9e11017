import Foundation
import TensorIO
import Testing

@testable import Learning

/// `u(code, i)` of Fixtures/generate_cnn.py: an integer hash of an index, in [-1, 1].
func hashUnit(_ code: Int, _ i: Int) -> Double {
  let hash: Int = ((i + 1) * 2_654_435_761 + code * 97531) % 2001
  return Double(hash - 1000) / 1000
}

/// ‖a − b‖ / max(‖a‖, ‖b‖), the relative error of a whole gradient array.
func relativeError(_ a: [Double], _ b: [Double]) -> Double {
  func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
  let scale = max(norm(a), norm(b))
  return scale == 0 ? 0 : norm(zip(a, b).map(-)) / scale
}

func randomTensor(_ shape: [Int], seed: UInt64) -> Tensor<Double> {
  var generator = SeededGenerator(seed: seed)
  return Tensor(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in generator.nextGaussian() })
}

/// Finite-difference checks in double precision: each layer alone (on `f(x) = Σ layer(x) ⊙ r`
/// for a random `r`) and whole networks (on the training loss with an L2 penalty), for the input
/// and every parameter. Dropout draws the same mask for every evaluation (a fresh generator of
/// one seed). Central differences, step 1e-5; relative error of each array < 1e-6.
@Suite struct GradientCheckTests {
  static let step = 1e-5
  static let bound = 1e-6

  func context() -> ForwardContext { ForwardContext(training: true, threads: 2, generator: SeededGenerator(seed: 9)) }

  /// The relative error of the input gradient and of each parameter's gradient.
  func layerErrors(_ layer: any Layer<Double>, input: Tensor<Double>) -> [String: Double] {
    let output = layer.forward(input, context: context())
    let r = randomTensor(output.shape, seed: 4).values
    for parameter in layer.parameters { parameter.zeroGradient() }
    let inputGradient = layer.backward(Tensor(shape: output.shape, values: r), context: context()).values
    let parameterGradients = layer.parameters.map(\.gradient)
    var x = input
    func f() -> Double { zip(layer.forward(x, context: context()).values, r).reduce(0) { $0 + $1.0 * $1.1 } }
    func numeric(_ values: () -> [Double], _ set: ([Double]) -> Void) -> [Double] {
      let original = values()
      return original.indices.map { i in
        var shifted = original
        shifted[i] += Self.step
        set(shifted)
        let up = f()
        shifted[i] = original[i] - Self.step
        set(shifted)
        let down = f()
        set(original)
        return (up - down) / (2 * Self.step)
      }
    }
    var errors = ["input": relativeError(inputGradient, numeric({ x.values }, { x.values = $0 }))]
    for (parameter, analytic) in zip(layer.parameters, parameterGradients) {
      errors[parameter.name] = relativeError(analytic, numeric({ parameter.values }, { parameter.values = $0 }))
    }
    return errors
  }

  static let layers: [(String, any Layer<Double>, [Int])] = {
    var generator = SeededGenerator(seed: 3)
    return [
      ("Dense", Dense<Double>(inputs: 6, outputs: 4, name: "dense", generator: &generator), [3, 6]),
      ("Dense ReLU", Dense<Double>(inputs: 6, outputs: 4, activation: .relu, name: "dense", generator: &generator), [3, 6]),
      ("Conv2D", Conv2D<Double>(inChannels: 2, outChannels: 3, name: "conv", generator: &generator), [2, 2, 5, 6]),
      ("Conv2D ReLU", Conv2D<Double>(inChannels: 2, outChannels: 3, activation: .relu, name: "conv", generator: &generator), [2, 2, 5, 6]),
      ("MaxPool2D", MaxPool2D<Double>(), [2, 2, 5, 7]),
      ("BatchNorm", BatchNorm<Double>(channels: 2, name: "norm"), [3, 2, 4, 5]),
      ("Dropout", Dropout<Double>(rate: 0.4), [3, 10]),
      ("Flatten", Flatten<Double>(), [2, 3, 2, 2]),
    ]
  }()

  @Test(arguments: layers.indices)
  func layerGradientsMatchFiniteDifferences(index: Int) {
    let (name, layer, shape) = Self.layers[index]
    if let conv = layer as? Conv2D<Double> { for i in conv.bias.values.indices { conv.bias.values[i] = 0.1 * Double(i + 1) } }
    if let norm = layer as? BatchNorm<Double> { norm.weight.values = [1.5, 0.7]; norm.bias.values = [0.2, -0.3] }
    for (array, error) in layerErrors(layer, input: randomTensor(shape, seed: 5)) {
      #expect(error < Self.bound, "\(name) \(array): relative error \(error)")
    }
  }

  /// The whole loss (softmax cross-entropy, mean over the batch, plus l2·Σw²) of a small CNN and
  /// a small FNN built by `NetworkClassifier`, in training mode (batch statistics, dropout).
  @Test(arguments: NetworkClassifier.Architecture.allCases)
  func wholeNetworkGradientsMatchFiniteDifferences(architecture: NetworkClassifier.Architecture) throws {
    var settings = NetworkClassifier(architecture: architecture)
    settings.filters = [2, 3]
    settings.dense = architecture == .cnn ? [5] : [7, 5]
    var generator = SeededGenerator(seed: 11)
    let network: Sequential<Double> = try settings.network(bands: 8, frames: 10, classes: 3, generator: &generator)
    for parameter in network.parameters where parameter.name.hasSuffix("bias") {
      for i in parameter.values.indices { parameter.values[i] = 0.1 * hashUnit(7, i) }
    }
    let x = randomTensor([4, 1, 8, 10], seed: 6)
    let labels = [0, 2, 1, 2]
    func loss() -> Double { network.lossAndGradients(x, labels: labels, l2: 0.01, context: context()).loss }
    _ = loss()
    let analytic = network.parameters.map(\.gradient)
    for (parameter, gradient) in zip(network.parameters, analytic) {
      let original = parameter.values
      let numeric = original.indices.map { i -> Double in
        parameter.values[i] = original[i] + Self.step
        let up = loss()
        parameter.values[i] = original[i] - Self.step
        let down = loss()
        parameter.values[i] = original[i]
        return (up - down) / (2 * Self.step)
      }
      let error = relativeError(gradient, numeric)
      #expect(error < Self.bound, "\(architecture) \(parameter.name): relative error \(error)")
    }
  }
}

@Suite struct LayerBehaviourTests {
  /// In `Float` a CNN runs its first convolution, ReLU and pooling as one fused pass of direct
  /// kernels (`ConvolutionPooling`); its loss and every gradient equal those of the same network
  /// in `Double`, which runs the layers one by one, within single precision. Odd bands and
  /// frames: a dropped row and column, and rows not a multiple of the kernels' eight lanes.
  @Test func fusedConvolutionAndPoolingEqualTheLayersOneByOne() throws {
    var settings = NetworkClassifier(architecture: .cnn)
    settings.filters = [3, 4]
    settings.dense = [5]
    var generator = SeededGenerator(seed: 12)
    let fused: Sequential<Float> = try settings.network(bands: 11, frames: 21, classes: 3, generator: &generator)
    generator = SeededGenerator(seed: 12)
    let layered: Sequential<Double> = try settings.network(bands: 11, frames: 21, classes: 3, generator: &generator)
    #expect(fused.fusedStart != nil && layered.fusedStart == nil)
    for (f, d) in zip(fused.state, layered.state) {
      if fused.parameters.contains(where: { $0 === f }) {
        for i in f.values.indices { f.values[i] = Float(0.3 * hashUnit(i, f.values.count)) + (f.name.hasSuffix("bias") ? 0.05 : 0) }
      }
      d.values = f.values.map(Double.init)
    }
    let x = randomTensor([5, 1, 11, 21], seed: 13)
    let labels = [0, 2, 1, 2, 0]
    func context() -> ForwardContext { ForwardContext(training: true, threads: 2, generator: SeededGenerator(seed: 14)) }
    let floatLoss = fused.lossAndGradients(Tensor(shape: x.shape, values: x.values.map(Float.init)), labels: labels, l2: 0.01, context: context())
    let doubleLoss = layered.lossAndGradients(x, labels: labels, l2: 0.01, context: context())
    #expect(abs(floatLoss.loss - doubleLoss.loss) < 1e-5 * doubleLoss.loss)
    for (f, d) in zip(fused.parameters, layered.parameters) {
      let error = relativeError(f.gradient.map(Double.init), d.gradient)
      #expect(error < 1e-4, "\(f.name): relative error \(error)")
    }
    let inference = ForwardContext(training: false, threads: 1)
    let floatLogits = fused.logits(Tensor(shape: x.shape, values: x.values.map(Float.init)), context: inference).values.map(Double.init)
    #expect(relativeError(floatLogits, layered.logits(x, context: inference).values) < 1e-5)
  }

  /// The direct convolution (`genrekit_conv3x3_forward` and `_weight_gradient`; chosen on CPUs
  /// with AVX-512, forced here so that it runs on every machine) gives the output, input gradient
  /// and parameter gradients of im2col and BLAS (which `Double` uses), within single precision:
  /// output channels not a multiple of the kernels' block of eight, odd height and width.
  @Test func directConvolutionEqualsIm2colAndMatrixProducts() {
    var generator = SeededGenerator(seed: 15)
    let direct = Conv2D<Float>(inChannels: 3, outChannels: 10, activation: .relu, name: "conv", generator: &generator)
    let reference = Conv2D<Double>(inChannels: 3, outChannels: 10, activation: .relu, name: "conv", generator: &generator)
    direct.convolvesDirectly = true
    #expect(!reference.convolvesDirectly)
    direct.bias.values = (0..<10).map { Float(0.05 * hashUnit(3, $0)) }
    (reference.weight.values, reference.bias.values) = (direct.weight.values.map(Double.init), direct.bias.values.map(Double.init))
    let x = randomTensor([2, 3, 5, 7], seed: 16)
    let context = ForwardContext(training: true, threads: 2)
    let y = direct.forward(Tensor(shape: x.shape, values: x.values.map(Float.init)), context: context)
    let expected = reference.forward(x, context: context)
    #expect(relativeError(y.values.map(Double.init), expected.values) < 1e-6)
    let gradient = randomTensor(expected.shape, seed: 17)
    let dx = direct.backward(Tensor(shape: gradient.shape, values: gradient.values.map(Float.init)), context: context)
    let expectedDx = reference.backward(gradient, context: context)
    #expect(relativeError(dx.values.map(Double.init), expectedDx.values) < 1e-6)
    #expect(relativeError(direct.weight.gradient.map(Double.init), reference.weight.gradient) < 1e-6)
    #expect(relativeError(direct.bias.gradient.map(Double.init), reference.bias.gradient) < 1e-6)
  }

  /// Dropout draws value i's mask from the generator's i-th number in parallel blocks: the same
  /// mask as drawing in order, on any number of threads, and the generator ends where the
  /// sequential draws leave it.
  @Test func dropoutMaskIsTheSequentialDrawsOnAnyThreadCount() {
    let x = Tensor<Float>(shape: [7, 301], values: (0..<2107).map { Float($0 % 11) + 1 })
    var sequential = SeededGenerator(seed: 3)
    let expected = x.values.map { sequential.nextUnit() < 0.3 ? 0 : $0 * Float(1 / (1 - 0.3)) }
    for threads in [1, 2, 5] {
      let context = ForwardContext(training: true, threads: threads, generator: SeededGenerator(seed: 3))
      #expect(Dropout<Float>(rate: 0.3).forward(x, context: context).values == expected, "\(threads) threads")
      var after = sequential
      #expect(context.generator.next() == after.next())
    }
  }

  /// Training normalises with the batch's statistics and moves the running ones by momentum 0.99;
  /// inference applies the running statistics, whatever the batch.
  @Test func batchNormTrainingAndInferenceModes() {
    let norm = BatchNorm<Double>(channels: 2, name: "norm")
    norm.weight.values = [2, 0.5]
    norm.bias.values = [1, -1]
    // Channel 0 holds 1...8 (mean 4.5, biased variance 5.25), channel 1 ten times as much.
    let x = Tensor<Double>(shape: [2, 2, 2, 2], values: [1, 2, 3, 4, 10, 20, 30, 40, 5, 6, 7, 8, 50, 60, 70, 80])
    let trained = norm.forward(x, context: ForwardContext(training: true, threads: 1))
    let expected = x.values.enumerated().map { i, v -> Double in
      let c = (i / 4) % 2
      let (mean, variance) = c == 0 ? (4.5, 5.25) : (45.0, 525.0)
      return (v - mean) / (variance + 1e-3).squareRoot() * norm.weight.values[c] + norm.bias.values[c]
    }
    #expect(maxDifference(trained.values, expected) < 1e-12)
    #expect(maxDifference(norm.runningMean.values, [0.045, 0.45]) < 1e-12)
    #expect(maxDifference(norm.runningVariance.values, [0.99 + 0.0525, 0.99 + 5.25]) < 1e-12)
    let inferred = norm.forward(x, context: ForwardContext(training: false, threads: 1))
    let expectedInference = x.values.enumerated().map { i, v -> Double in
      let c = (i / 4) % 2
      return (v - norm.runningMean.values[c]) / (norm.runningVariance.values[c] + 1e-3).squareRoot() * norm.weight.values[c] + norm.bias.values[c]
    }
    #expect(maxDifference(inferred.values, expectedInference) < 1e-12)
    #expect(maxDifference(norm.runningMean.values, [0.045, 0.45]) < 1e-12, "inference leaves the running statistics")
  }

  /// Inverted dropout: in training a share `rate` of the values is zeroed and the rest scaled by
  /// 1/(1 − rate); at inference the layer is the identity.
  @Test func dropoutIsOffAtInference() {
    let dropout = Dropout<Double>(rate: 0.3)
    let x = Tensor<Double>(shape: [100, 100], values: (0..<10_000).map { 1 + Double($0 % 7) })
    #expect(dropout.forward(x, context: ForwardContext(training: false, threads: 1)) == x)
    let trained = dropout.forward(x, context: ForwardContext(training: true, threads: 1, generator: SeededGenerator(seed: 2)))
    let zeroed = trained.values.filter { $0 == 0 }.count
    #expect(abs(Double(zeroed) / 10_000 - 0.3) < 3 * (0.3 * 0.7 / 10_000).squareRoot() + 1e-9)
    #expect(zip(trained.values, x.values).allSatisfy { $0 == 0 || abs($0 - $1 / 0.7) < 1e-12 })
  }

  /// Float's vector max-pool gradient equals the scalar reference, ties (values of few levels)
  /// and a tail of windows included.
  @Test func vectorMaxPoolGradientEqualsTheReference() {
    var generator = SeededGenerator(seed: 8)
    let count = 8 * 5 + 3
    let top = (0..<(2 * count)).map { _ in Float(generator.next() % 4) }
    let bottom = (0..<(2 * count)).map { _ in Float(generator.next() % 4) }
    let pooled = (0..<count).map { j in max(max(top[2 * j], top[2 * j + 1]), max(bottom[2 * j], bottom[2 * j + 1])) }
    let gradient = (0..<count).map { _ in Float(generator.nextGaussian()) }
    var (vectorTop, vectorBottom) = ([Float](repeating: 9, count: 2 * count), [Float](repeating: 9, count: 2 * count))
    var (scalarTop, scalarBottom) = (vectorTop, vectorBottom)
    Float.maxPoolBackward(top: top, bottom: bottom, pooled: pooled, gradient: gradient, count, intoTop: &vectorTop, intoBottom: &vectorBottom)
    Kernels.maxPoolBackward(top: top, bottom: bottom, pooled: pooled, gradient: gradient, count, intoTop: &scalarTop, intoBottom: &scalarBottom)
    #expect(vectorTop == scalarTop && vectorBottom == scalarBottom)
    // Each window's gradient lands once, on its first maximum.
    for j in 0..<count {
      let window = [top[2 * j], top[2 * j + 1], bottom[2 * j], bottom[2 * j + 1]]
      let routed = [vectorTop[2 * j], vectorTop[2 * j + 1], vectorBottom[2 * j], vectorBottom[2 * j + 1]]
      let winner = window.firstIndex(of: pooled[j])!
      #expect(routed == (0..<4).map { $0 == winner ? gradient[j] : 0 })
    }
  }

  @Test func maxPoolDropsTheOddRowAndColumnAndRoutesTheGradientToTheMaximum() {
    let pool = MaxPool2D<Double>()
    let x = Tensor<Double>(shape: [1, 1, 3, 5], values: [1, 5, 2, 2, 9, 3, 4, 8, 1, 9, 9, 9, 9, 9, 9])
    let context = ForwardContext(training: true, threads: 1)
    #expect(pool.forward(x, context: context) == Tensor(shape: [1, 1, 1, 2], values: [5, 8]))
    #expect(pool.backward(Tensor(shape: [1, 1, 1, 2], values: [10, 20]), context: context).values == [0, 10, 0, 0, 0, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0])
  }
}

/// The default CNN (3 classes, 128 × 130) with every weight set by `hashUnit` in PyTorch's layout
/// gives Keras's logits and probabilities on the same two inputs, in inference mode
/// (Fixtures/generate_cnn.py, Keras 3 on TensorFlow), within 1e-5; its parameter count is
/// Keras's.
@Suite struct KerasParityTests {
  struct Reference: Decodable {
    var parameters: Int
    var logits: [[Double]]
    var probabilities: [[Double]]
    var block_sums: [[Double]]
  }

  @Test func defaultCNNForwardPassEqualsKeras() throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/cnn_reference.json")
    let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    var generator = SeededGenerator(seed: 0)
    let network: Sequential<Float> = try NetworkClassifier(architecture: .cnn).network(bands: 128, frames: 130, classes: 3, generator: &generator)
    #expect(network.state.reduce(0) { $0 + $1.values.count } == reference.parameters)
    func set(_ parameter: Parameter<Float>, code: Int, scale: Double, offset: Double = 0) {
      parameter.values = parameter.values.indices.map { Float(offset + scale * hashUnit(code, $0)) }
    }
    var block = 0
    var denseIndex = 0
    for layer in network.layers {
      if let conv = layer as? Conv2D<Float> {
        block += 1
        set(conv.weight, code: block, scale: (6 / Double((conv.inChannels + conv.outChannels) * 9)).squareRoot())
        set(conv.bias, code: block + 100, scale: 0.1)
      } else if let norm = layer as? BatchNorm<Float> {
        set(norm.weight, code: block + 10, scale: 0.2, offset: 1)
        set(norm.bias, code: block + 20, scale: 0.1)
        set(norm.runningMean, code: block + 30, scale: 0.2)
        set(norm.runningVariance, code: block + 40, scale: 0.5, offset: 1)
      } else if let dense = layer as? Dense<Float> {
        denseIndex += 1
        set(dense.weight, code: 4 + denseIndex, scale: (6 / Double(dense.inputs + dense.outputs)).squareRoot())
        set(dense.bias, code: 104 + denseIndex, scale: 0.1)
      }
    }
    let x = Tensor<Float>(shape: [2, 1, 128, 130], values: (0..<2).flatMap { n in (0..<(128 * 130)).map { Float(1.5 * hashUnit(1000 + n, $0)) } })
    let context = ForwardContext(training: false, threads: 2)
    var output = x
    var blockSums: [[Double]] = [[], []]
    for layer in network.layers {
      output = layer.forward(output, context: context)
      if layer is BatchNorm<Float> {
        for n in 0..<2 { blockSums[n].append(output.values[(n * output.exampleSize)..<((n + 1) * output.exampleSize)].reduce(0.0) { $0 + Double($1) }) }
      }
    }
    for n in 0..<2 {
      for (ours, keras) in zip(blockSums[n], reference.block_sums[n]) { #expect(abs(ours - keras) <= 1e-5 * abs(keras), "block sums \(ours) vs \(keras)") }
      #expect(maxDifference(output.values[(3 * n)..<(3 * n + 3)].map(Double.init), reference.logits[n]) < 1e-5)
    }
    let probabilities = network.probabilities(x, threads: 1)
    #expect(maxDifference(probabilities.values, reference.probabilities.flatMap { $0 }) < 1e-5)
  }
}

@Suite struct NetworkTrainingTests {
  /// 48 segments of 128 × 130 from 12 tracks of two classes, class 1 brighter in its upper bands.
  static let realSize: TrainingData = {
    var generator = SeededGenerator(seed: 21)
    var values: [Float] = []
    var labels: [Int] = []
    for segment in 0..<48 {
      let label = segment / 4 % 2
      for band in 0..<128 { for _ in 0..<130 { values.append(Float(generator.nextGaussian() + (label == 1 && band > 64 ? 0.8 : 0))) } }
      labels.append(label)
    }
    return TrainingData(
      input: .spectrograms(Spectrograms(bands: 128, frames: 130, values: values)), labels: labels, classCount: 2,
      groups: labels.indices.map { "track\($0 / 4)" })
  }()

  /// The default CNN at its real size (where a parallel BLAS would thread): the same weights,
  /// bit for bit, on one thread and on two.
  @Test func sameSeedSameWeightsForAnyThreadCountAtRealSize() throws {
    var settings = NetworkClassifier(architecture: .cnn, seed: 5)
    settings.epochs = 2
    settings.batchSize = 16
    settings.augment = [.flip, .noise, .shift]
    let one = try #require(try settings.fit(Self.realSize, threads: 1, progress: nil) as? NetworkClassifier.Fitted)
    let two = try #require(try settings.fit(Self.realSize, threads: 2, progress: nil) as? NetworkClassifier.Fitted)
    #expect(one.history.count == 2)
    #expect(one.state == two.state)
    #expect(one == two)
  }

  @Test func everyEpochIsRecordedAndTheBestWeightsAreKept() throws {
    var settings = NetworkClassifier(architecture: .fnn, seed: 1)
    settings.epochs = 12
    settings.patience = 2
    settings.minEpochs = 3
    let model = try #require(try settings.fit(separableData(for: .spectrograms), threads: 2, progress: nil) as? NetworkClassifier.Fitted)
    #expect(!model.history.isEmpty && model.history.map(\.epoch) == Array(1...model.history.count))
    #expect(model.history.allSatisfy { $0.validationLoss != nil && $0.validationAccuracy != nil && $0.trainingLoss.isFinite })
    let monitored = model.history.filter { $0.epoch >= 3 }
    let best = try #require(monitored.min { $0.validationLoss! < $1.validationLoss! })
    #expect(model.bestEpoch == best.epoch)
    if model.stoppedEarly { #expect(model.history.count == model.bestEpoch + 2) }
  }

  /// Early stopping waits for BatchNorm's running statistics: epoch 6 with Keras's anchor data
  /// (1,900 training segments, 60 batches an epoch), later with fewer batches; a network without
  /// BatchNorm always from epoch 6.
  @Test func earlyStoppingWaitsForBatchNormWarmUp() {
    let cnn = NetworkClassifier(architecture: .cnn)
    #expect(cnn.firstMonitoredEpoch(trainingExamples: 1900) == 6)
    #expect(cnn.firstMonitoredEpoch(trainingExamples: 766) == 10)  // 24 batches: 240 steps by epoch 10
    #expect(cnn.firstMonitoredEpoch(trainingExamples: 32) == 240)
    #expect(NetworkClassifier(architecture: .fnn).firstMonitoredEpoch(trainingExamples: 32) == 6)
  }

  @Test func nonFiniteInputIsRefused() throws {
    var data = separableData(for: .spectrograms)
    guard case .spectrograms(let s) = data.input else { return }
    var values = s.values
    values[17] = .nan
    data.input = .spectrograms(Spectrograms(bands: s.bands, frames: s.frames, values: values))
    let error = try #require(throws: LearningError.self) { _ = try NetworkClassifier(architecture: .cnn).fit(data, threads: 1, progress: nil) }
    #expect(error.description.contains("finite"))
  }

  @Test func aDivergingRunStopsWithAClearMessage() throws {
    var settings = NetworkClassifier(architecture: .fnn)
    settings.learningRate = 1e30
    let error = try #require(throws: LearningError.self) { _ = try settings.fit(separableData(for: .spectrograms), threads: 1, progress: nil) }
    #expect(error.description.contains("diverged"))
  }

  @Test func anotherShapeIsRefusedNamingBoth() throws {
    let model = try NetworkClassifier(architecture: .fnn).fit(separableData(for: .spectrograms), threads: 1, progress: nil)
    let error = try #require(throws: LearningError.self) {
      _ = try model.probabilities(.spectrograms(Spectrograms(bands: 8, frames: 13, values: [Float](repeating: 0, count: 104))), threads: 1)
    }
    #expect(error.description.contains("8 × 13") && error.description.contains("8 × 12"))
  }
}
