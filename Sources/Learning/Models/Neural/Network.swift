import Foundation

/// Layers applied in order, ending in class scores, trained with softmax cross-entropy (Keras's
/// `Sequential` with `categorical_crossentropy` on a softmax output).
public final class Sequential<T: NetworkScalar>: @unchecked Sendable {
  public let layers: [any Layer<T>]

  /// The first layer with parameters: backward passes stop there (the layers before it have
  /// nothing to learn), and it computes no input gradient.
  let firstTrainable: Int
  /// The first trainable layer and the one after it as one fused pass, where they fuse.
  let fusedStart: ConvolutionPooling<T>?

  public init(_ layers: [any Layer<T>]) {
    self.layers = layers
    firstTrainable = layers.firstIndex { !$0.parameters.isEmpty } ?? layers.count
    if firstTrainable < layers.count {
      (layers[firstTrainable] as? Conv2D<T>)?.needsInputGradient = false
      (layers[firstTrainable] as? Dense<T>)?.needsInputGradient = false
    }
    fusedStart = firstTrainable + 1 < layers.count ? ConvolutionPooling(layers[firstTrainable], then: layers[firstTrainable + 1]) : nil
  }

  /// Where the layers' own passes resume after the fused start (or the first trainable layer).
  private var afterFusedStart: Int { fusedStart == nil ? firstTrainable : firstTrainable + 2 }

  public var parameters: [Parameter<T>] { layers.flatMap { $0.parameters } }
  /// Parameters and running statistics: everything a weights file holds.
  public var state: [Parameter<T>] { layers.flatMap { $0.parameters + $0.buffers } }

  /// Each example's output shape, or nil where a layer does not fit its input.
  public func outputShape(_ input: [Int]) -> [Int]? {
    var shape: [Int]? = input
    for layer in layers { shape = shape.flatMap(layer.outputShape) }
    return shape
  }

  public func logits(_ x: Tensor<T>, context: ForwardContext) -> Tensor<T> {
    var values = layers[..<firstTrainable].reduce(x) { $1.forward($0, context: context) }
    if let fusedStart { values = fusedStart.forward(values, context: context) }
    return layers[afterFusedStart...].reduce(values) { $1.forward($0, context: context) }
  }

  /// Softmax probabilities (examples × classes), in batches of `batch` examples (inference mode).
  public func probabilities(_ x: Tensor<T>, threads: Int, batch: Int = 64) -> Matrix {
    let context = ForwardContext(training: false, threads: threads)
    let parts = stride(from: 0, to: x.batch, by: batch).map { start in
      Self.softmax(logits(x.selecting(Array(start..<min(start + batch, x.batch))), context: context))
    }
    return Matrix(rows: x.batch, columns: parts.first?.columns ?? 0, values: parts.flatMap(\.values))
  }

  /// Row-wise softmax, in double precision.
  static func softmax(_ logits: Tensor<T>) -> Matrix {
    softmaxRows(Matrix(rows: logits.batch, columns: logits.exampleSize, values: logits.values.map(Double.init)))
  }

  /// One training step's forward and backward pass on a batch: the mean cross-entropy plus the L2
  /// penalty `l2 · Σ w²` of the weights (Keras's `kernel_regularizer=l2(l2)`); the gradients are
  /// left in the parameters (zeroed first). Also returns the batch's correct predictions.
  public func lossAndGradients(_ x: Tensor<T>, labels: [Int], l2: Double, context: ForwardContext) -> (loss: Double, correct: Int) {
    for parameter in parameters { parameter.zeroGradient() }
    let logits = self.logits(x, context: context)
    let probabilities = Self.softmax(logits)
    let (meanCrossEntropy, correct) = crossEntropy(probabilities, labels: labels)
    var loss = meanCrossEntropy
    // d(mean loss)/d(logits) = (p − onehot) / n.
    var gradient = probabilities
    for (i, label) in labels.enumerated() { gradient[i, label] -= 1 }
    let n = Double(x.batch)
    let startGradient = layers[afterFusedStart...].reversed().reduce(Tensor(shape: logits.shape, values: gradient.values.map { T($0 / n) })) {
      $1.backward($0, context: context)
    }
    fusedStart?.backward(startGradient, context: context)
    if l2 > 0 {
      for parameter in parameters where parameter.penalised {
        var squares = 0.0
        for i in parameter.values.indices {
          squares += Double(parameter.values[i] * parameter.values[i])
          parameter.gradient[i] += T(2 * l2) * parameter.values[i]
        }
        loss += l2 * squares
      }
    }
    return (loss, correct)
  }
}

/// The mean cross-entropy of `probabilities` (examples × classes) for `labels`, and how many
/// examples' most probable class (the first on ties) is their label.
func crossEntropy(_ probabilities: Matrix, labels: [Int]) -> (loss: Double, correct: Int) {
  probabilities.values.withUnsafeBufferPointer { p in
    labels.withUnsafeBufferPointer { crossEntropy(p, columns: probabilities.columns, labels: $0) }
  }
}

/// The same on the first `labels.count` rows of `columns` probabilities in `probabilities`.
func crossEntropy(
  _ probabilities: UnsafeBufferPointer<Double>, columns: Int, labels: UnsafeBufferPointer<Int>
) -> (loss: Double, correct: Int) {
  var loss = 0.0
  var correct = 0
  for (r, label) in labels.enumerated() {
    let base = r * columns
    // Selects, not branches: which class wins is a coin toss to the branch predictor.
    var (best, bestValue) = (0, probabilities[base])
    for c in 1..<max(1, columns) {
      let better = probabilities[base + c] > bestValue
      best = better ? c : best
      bestValue = better ? probabilities[base + c] : bestValue
    }
    if best == label { correct += 1 }
    loss -= Foundation.log(max(probabilities[base + label], 1e-300))
  }
  return (loss / Double(labels.count), correct)
}

/// Adam (Kingma & Ba) as scikit-learn and Keras apply it: the bias correction folded into the step
/// size, `lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ)`; epsilon 1e-8 (scikit-learn) or 1e-7 (Keras).
struct Adam<T: NetworkScalar> {
  let learningRate: Double
  let beta1 = 0.9
  let beta2 = 0.999
  let epsilon: Double
  private var t = 0
  private var rate = 0.0
  /// First and second moment estimates, one array per parameter array ("slot").
  private var m: [[T]]
  private var v: [[T]]

  init(shapes: [Int], learningRate: Double, epsilon: Double) {
    self.learningRate = learningRate
    self.epsilon = epsilon
    m = shapes.map { [T](repeating: 0, count: $0) }
    v = m
  }

  /// Starts a step: every slot is then updated once with `update`.
  mutating func advance() {
    t += 1
    rate = learningRate * (1 - pow(beta2, Double(t))).squareRoot() / (1 - pow(beta1, Double(t)))
  }

  /// Updates one slot's values, element by element (in parallel blocks on `threads` for large
  /// arrays: each element's update is its own, so the result does not depend on the blocks).
  mutating func update(_ parameters: inout [T], gradient: [T], slot: Int, threads: Int = 1) {
    gradient.withUnsafeBufferPointer { update(&parameters, gradient: $0, slot: slot, threads: threads) }
  }

  /// The same from a gradient in a buffer of as many values.
  mutating func update(_ parameters: inout [T], gradient: UnsafeBufferPointer<T>, slot: Int, threads: Int = 1) {
    precondition(gradient.count == parameters.count, "a gradient has one value per parameter")
    let (beta1, beta2, epsilon, rate) = (T(self.beta1), T(self.beta2), T(self.epsilon), T(self.rate))
    nonisolated(unsafe) let g = gradient.baseAddress
    parameters.withShared { p in
      m[slot].withShared { m in
        v[slot].withShared { v in
          forEachBlock(gradient.count, threads: gradient.count < 1 << 16 ? 1 : threads) { elements in
            guard let (p, g, m, v) = elements.isEmpty ? nil : (p.base!, g!, m.base!, v.base!) else { return }
            let start = elements.lowerBound
            T.adamUpdate(
              p + start, m: m + start, v: v + start, gradient: g + start, count: elements.count, beta1: beta1, beta2: beta2, epsilon: epsilon,
              rate: rate)
          }
        }
      }
    }
  }

  /// One step over every parameter of a network.
  mutating func step(_ parameters: [Parameter<T>], threads: Int) {
    advance()
    for (slot, parameter) in parameters.enumerated() { update(&parameter.values, gradient: parameter.gradient, slot: slot, threads: threads) }
  }
}

/// A network in training: Adam on its parameters, batches drawn from `inputs`, augmented as asked.
struct NetworkTrainee<T: NetworkScalar>: Trainee {
  let network: Sequential<T>
  let inputs: Tensor<T>
  let labels: [Int]
  let l2: Double
  let augment: Set<NetworkClassifier.Augmentation>
  let threads: Int
  var adam: Adam<T>

  init(
    network: Sequential<T>, inputs: Tensor<T>, labels: [Int], learningRate: Double, l2: Double, augment: Set<NetworkClassifier.Augmentation>,
    threads: Int
  ) {
    self.network = network
    self.inputs = inputs
    self.labels = labels
    self.l2 = l2
    self.augment = augment
    self.threads = threads
    adam = Adam(shapes: network.parameters.map(\.values.count), learningRate: learningRate, epsilon: 1e-7)
  }

  mutating func step(_ rows: [Int], generator: inout SeededGenerator) -> (loss: Double, correct: Int) {
    var batch = inputs.selecting(rows)
    if !augment.isEmpty { Self.augment(&batch, with: augment, generator: &generator) }
    let context = ForwardContext(training: true, threads: threads, generator: generator)
    let result = network.lossAndGradients(batch, labels: rows.map { labels[$0] }, l2: l2, context: context)
    generator = context.generator
    adam.step(network.parameters, threads: threads)
    return result
  }

  func evaluate(_ rows: [Int]) -> (loss: Double, accuracy: Double) {
    let (loss, correct) = crossEntropy(network.probabilities(inputs.selecting(rows), threads: threads), labels: rows.map { labels[$0] })
    return (loss, Double(correct) / Double(rows.count))
  }

  var snapshot: [[T]] { network.state.map(\.values) }

  mutating func restore(_ snapshot: [[T]]) {
    for (parameter, values) in zip(network.state, snapshot) { parameter.values = values }
  }

  /// Training-batch augmentation of examples of `channels × bands × frames`, per example in batch
  /// order: time flip (p = 0.5), white noise (std 0.05 of the standardised input), circular time
  /// shift (uniform over the frames).
  static func augment(_ batch: inout Tensor<T>, with augment: Set<NetworkClassifier.Augmentation>, generator: inout SeededGenerator) {
    let frames = batch.shape[batch.shape.count - 1]
    let rows = batch.exampleSize / frames
    for n in 0..<batch.batch {
      let flip = augment.contains(.flip) && generator.nextUnit() < 0.5
      let shift = augment.contains(.shift) ? Int(generator.next() % UInt64(frames)) : 0
      for r in 0..<rows {
        let start = (n * rows + r) * frames
        let row = Array(batch.values[start..<(start + frames)])
        for t in 0..<frames {
          let source = (flip ? frames - 1 - t : t) + frames - shift
          batch.values[start + t] = row[source % frames]
        }
        if augment.contains(.noise) {
          for t in 0..<frames { batch.values[start + t] += T(0.05 * generator.nextGaussian()) }
        }
      }
    }
  }
}
