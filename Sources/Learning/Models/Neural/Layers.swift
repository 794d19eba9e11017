import Foundation

/// How a forward pass runs: training (batch statistics, dropout) or inference, on how many
/// threads, and the random stream dropout draws from.
public final class ForwardContext: @unchecked Sendable {
  public let training: Bool
  public let threads: Int
  var generator: SeededGenerator

  public init(training: Bool, threads: Int, generator: SeededGenerator = SeededGenerator(seed: 0)) {
    self.training = training
    self.threads = threads
    self.generator = generator
  }
}

/// A layer with explicit forward and backward passes (Keras's and PyTorch's contract): `forward`
/// keeps what `backward` needs; `backward` takes the gradient of the loss with respect to the
/// output, adds the gradients of the layer's parameters to theirs, and returns the gradient with
/// respect to the input. Work is split over examples, and every sum over examples runs in example
/// order, so results do not depend on the number of threads.
public protocol Layer<T>: AnyObject, Sendable {
  associatedtype T: NetworkScalar
  /// One example's output shape for one example's input shape (or nil if the input does not fit).
  func outputShape(_ input: [Int]) -> [Int]?
  func forward(_ x: Tensor<T>, context: ForwardContext) -> Tensor<T>
  func backward(_ gradient: Tensor<T>, context: ForwardContext) -> Tensor<T>
  var parameters: [Parameter<T>] { get }
  /// Arrays that are saved but not trained (BatchNorm's running statistics).
  var buffers: [Parameter<T>] { get }
}

extension Layer {
  public var parameters: [Parameter<T>] { [] }
  public var buffers: [Parameter<T>] { [] }
}

/// Writes `body(example)` for every example of a batch on `threads` threads; each call writes only
/// its own example's values (`size` of them) into `out`.
func forEachExample<T: NetworkScalar>(
  _ batch: Int, size: Int, threads: Int, into out: inout [T], _ body: @Sendable (_ example: Int, _ out: UnsafeMutablePointer<T>) -> Void
) {
  out.withUnsafeMutableBufferPointer { buffer in
    nonisolated(unsafe) let base = buffer.baseAddress!
    _ = parallelMap(count: batch, threads: threads) { n in body(n, base + n * size) }
  }
}

// MARK: Dense

/// `y = x·Wᵀ + b` (Keras `Dense`, PyTorch `Linear`: weight out × in).
public final class Dense<T: NetworkScalar>: Layer, @unchecked Sendable {
  public let inputs: Int
  public let outputs: Int
  public let weight: Parameter<T>
  public let bias: Parameter<T>
  private var input: Tensor<T>?

  public init(inputs: Int, outputs: Int, name: String, generator: inout SeededGenerator) {
    self.inputs = inputs
    self.outputs = outputs
    let limit = (6 / Double(inputs + outputs)).squareRoot()  // Glorot uniform, Keras's default
    weight = Parameter(
      name: "\(name).weight", shape: [outputs, inputs],
      values: (0..<(inputs * outputs)).map { _ in T((2 * generator.nextUnit() - 1) * limit) }, penalised: true)
    bias = Parameter(name: "\(name).bias", shape: [outputs], values: [T](repeating: 0, count: outputs), penalised: false)
  }

  public var parameters: [Parameter<T>] { [weight, bias] }

  public func outputShape(_ input: [Int]) -> [Int]? { input.reduce(1, *) == inputs ? [outputs] : nil }

  /// Training multiplies the whole batch at once; inference one example at a time (in parallel),
  /// because BLAS rounds a row of a product differently by its place among the rows, and an
  /// example's prediction must not depend on the others predicted with it.
  public func forward(_ x: Tensor<T>, context: ForwardContext) -> Tensor<T> {
    input = context.training ? x : nil
    var y = [T](repeating: 0, count: x.batch * outputs)
    for n in 0..<x.batch { for o in 0..<outputs { y[n * outputs + o] = bias.values[o] } }
    let (inputs, outputs) = (inputs, outputs)
    let values = x.values
    let weights = weight.values
    if context.training {
      values.withUnsafeBufferPointer { x in
        weights.withUnsafeBufferPointer { w in
          y.withUnsafeMutableBufferPointer { y in
            T.gemm(transposeA: false, transposeB: true, m: x.count / inputs, n: outputs, k: inputs, x.baseAddress!, w.baseAddress!, beta: 1, y.baseAddress!)
          }
        }
      }
    } else {
      forEachExample(x.batch, size: outputs, threads: context.threads, into: &y) { n, y in
        values.withUnsafeBufferPointer { x in
          weights.withUnsafeBufferPointer { w in
            T.gemm(transposeA: false, transposeB: true, m: 1, n: outputs, k: inputs, x.baseAddress! + n * inputs, w.baseAddress!, beta: 1, y)
          }
        }
      }
    }
    return Tensor(shape: [x.batch, outputs], values: y)
  }

  public func backward(_ gradient: Tensor<T>, context: ForwardContext) -> Tensor<T> {
    let x = input!
    let batch = x.batch
    gradient.values.withUnsafeBufferPointer { dy in
      x.values.withUnsafeBufferPointer { x in
        weight.gradient.withUnsafeMutableBufferPointer { dw in
          T.gemm(transposeA: true, transposeB: false, m: outputs, n: inputs, k: batch, dy.baseAddress!, x.baseAddress!, beta: 1, dw.baseAddress!)
        }
      }
    }
    for n in 0..<batch { for o in 0..<outputs { bias.gradient[o] += gradient.values[n * outputs + o] } }
    var dx = [T](repeating: 0, count: batch * inputs)
    gradient.values.withUnsafeBufferPointer { dy in
      weight.values.withUnsafeBufferPointer { w in
        dx.withUnsafeMutableBufferPointer { dx in
          T.gemm(transposeA: false, transposeB: false, m: batch, n: inputs, k: outputs, dy.baseAddress!, w.baseAddress!, beta: 0, dx.baseAddress!)
        }
      }
    }
    return Tensor(shape: x.shape, values: dx)
  }
}

// MARK: Conv2D

/// A 3 × 3 convolution with "same" zero padding and stride 1 (Keras `Conv2D(f, 3, padding="same")`,
/// PyTorch `Conv2d(c, f, 3, padding=1)`: weight f × c × 3 × 3), by im2col and a matrix product
/// per example.
public final class Conv2D<T: NetworkScalar>: Layer, @unchecked Sendable {
  public let inChannels: Int
  public let outChannels: Int
  static var kernel: Int { 3 }
  public let weight: Parameter<T>
  public let bias: Parameter<T>
  private var columns: [[T]] = []
  private var inputShape: [Int] = []

  public init(inChannels: Int, outChannels: Int, name: String, generator: inout SeededGenerator) {
    self.inChannels = inChannels
    self.outChannels = outChannels
    let taps = 9
    let limit = (6 / Double((inChannels + outChannels) * taps)).squareRoot()
    weight = Parameter(
      name: "\(name).weight", shape: [outChannels, inChannels, 3, 3],
      values: (0..<(outChannels * inChannels * taps)).map { _ in T((2 * generator.nextUnit() - 1) * limit) }, penalised: true)
    bias = Parameter(name: "\(name).bias", shape: [outChannels], values: [T](repeating: 0, count: outChannels), penalised: false)
  }

  public var parameters: [Parameter<T>] { [weight, bias] }

  public func outputShape(_ input: [Int]) -> [Int]? {
    input.count == 3 && input[0] == inChannels ? [outChannels, input[1], input[2]] : nil
  }

  /// The 3 × 3 neighbourhoods of one example as columns: (c·9 + ky·3 + kx) × (y·W + x).
  static func im2col(_ x: UnsafePointer<T>, channels: Int, height h: Int, width w: Int) -> [T] {
    var col = [T](repeating: 0, count: channels * 9 * h * w)
    col.withUnsafeMutableBufferPointer { col in
      for c in 0..<channels {
        for ky in 0..<3 {
          for kx in 0..<3 {
            let row = col.baseAddress! + ((c * 3 + ky) * 3 + kx) * h * w
            for y in 0..<h {
              let sy = y + ky - 1
              guard sy >= 0 && sy < h else { continue }
              let source = x + (c * h + sy) * w
              for xx in max(0, 1 - kx)..<min(w, w + 1 - kx) { row[y * w + xx] = source[xx + kx - 1] }
            }
          }
        }
      }
    }
    return col
  }

  /// Adds the columns' gradients back onto the example's pixels (the transpose of `im2col`).
  static func col2im(_ col: UnsafePointer<T>, channels: Int, height h: Int, width w: Int, into x: UnsafeMutablePointer<T>) {
    for c in 0..<channels {
      for ky in 0..<3 {
        for kx in 0..<3 {
          let row = col + ((c * 3 + ky) * 3 + kx) * h * w
          for y in 0..<h {
            let sy = y + ky - 1
            guard sy >= 0 && sy < h else { continue }
            let target = x + (c * h + sy) * w
            for xx in max(0, 1 - kx)..<min(w, w + 1 - kx) { target[xx + kx - 1] += row[y * w + xx] }
          }
        }
      }
    }
  }

  public func forward(_ x: Tensor<T>, context: ForwardContext) -> Tensor<T> {
    let (h, w) = (x.shape[2], x.shape[3])
    let (inC, outC) = (inChannels, outChannels)
    let inSize = inC * h * w
    let outSize = outC * h * w
    let input = x.values
    let weights = weight.values
    let biases = bias.values
    var out = [T](repeating: 0, count: x.batch * outSize)
    let training = context.training
    let cols = parallelMap(count: x.batch, threads: context.threads) { n -> [T] in
      input.withUnsafeBufferPointer { Conv2D.im2col($0.baseAddress! + n * inSize, channels: inC, height: h, width: w) }
    }
    forEachExample(x.batch, size: outSize, threads: context.threads, into: &out) { n, y in
      for o in 0..<outC { for p in 0..<(h * w) { y[o * h * w + p] = biases[o] } }
      cols[n].withUnsafeBufferPointer { col in
        weights.withUnsafeBufferPointer { wt in
          T.gemm(transposeA: false, transposeB: false, m: outC, n: h * w, k: inC * 9, wt.baseAddress!, col.baseAddress!, beta: 1, y)
        }
      }
    }
    columns = training ? cols : []
    inputShape = x.shape
    return Tensor(shape: [x.batch, outC, h, w], values: out)
  }

  public func backward(_ gradient: Tensor<T>, context: ForwardContext) -> Tensor<T> {
    let (batch, h, w) = (inputShape[0], inputShape[2], inputShape[3])
    let (inC, outC) = (inChannels, outChannels)
    let outSize = outC * h * w
    let weights = weight.values
    let cols = columns
    let dy = gradient.values
    // Per example: its weight gradient (summed below in example order) and its input gradient.
    let parts = parallelMap(count: batch, threads: context.threads) { n -> (dw: [T], db: [T], dx: [T]) in
      var dw = [T](repeating: 0, count: outC * inC * 9)
      var dcol = [T](repeating: 0, count: inC * 9 * h * w)
      var dx = [T](repeating: 0, count: inC * h * w)
      var db = [T](repeating: 0, count: outC)
      dy.withUnsafeBufferPointer { dy in
        let g = dy.baseAddress! + n * outSize
        for o in 0..<outC { for p in 0..<(h * w) { db[o] += g[o * h * w + p] } }
        cols[n].withUnsafeBufferPointer { col in
          dw.withUnsafeMutableBufferPointer { dw in
            T.gemm(transposeA: false, transposeB: true, m: outC, n: inC * 9, k: h * w, g, col.baseAddress!, beta: 0, dw.baseAddress!)
          }
        }
        weights.withUnsafeBufferPointer { wt in
          dcol.withUnsafeMutableBufferPointer { dcol in
            T.gemm(transposeA: true, transposeB: false, m: inC * 9, n: h * w, k: outC, wt.baseAddress!, g, beta: 0, dcol.baseAddress!)
          }
        }
      }
      dcol.withUnsafeBufferPointer { dcol in
        dx.withUnsafeMutableBufferPointer { dx in Conv2D.col2im(dcol.baseAddress!, channels: inC, height: h, width: w, into: dx.baseAddress!) }
      }
      return (dw, db, dx)
    }
    for part in parts {
      for i in part.dw.indices { weight.gradient[i] += part.dw[i] }
      for o in 0..<outC { bias.gradient[o] += part.db[o] }
    }
    return Tensor(shape: inputShape, values: parts.flatMap(\.dx))
  }
}

// MARK: ReLU, MaxPool2D, Flatten, Dropout

public final class ReLU<T: NetworkScalar>: Layer, @unchecked Sendable {
  private var output: [T] = []

  public init() {}

  public func outputShape(_ input: [Int]) -> [Int]? { input }

  public func forward(_ x: Tensor<T>, context: ForwardContext) -> Tensor<T> {
    let y = Tensor(shape: x.shape, values: x.values.map { max(0, $0) })
    output = context.training ? y.values : []
    return y
  }

  public func backward(_ gradient: Tensor<T>, context: ForwardContext) -> Tensor<T> {
    Tensor(shape: gradient.shape, values: zip(gradient.values, output).map { $1 > 0 ? $0 : 0 })
  }
}

/// 2 × 2 max pooling, stride 2, the last odd row or column dropped (Keras `MaxPooling2D()`).
/// The gradient goes to the first maximum of each window in row-major order.
public final class MaxPool2D<T: NetworkScalar>: Layer, @unchecked Sendable {
  private var winners: [Int32] = []
  private var inputShape: [Int] = []

  public init() {}

  public func outputShape(_ input: [Int]) -> [Int]? {
    input.count == 3 && input[1] >= 2 && input[2] >= 2 ? [input[0], input[1] / 2, input[2] / 2] : nil
  }

  public func forward(_ x: Tensor<T>, context: ForwardContext) -> Tensor<T> {
    let (batch, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (oh, ow) = (h / 2, w / 2)
    var y = [T](repeating: 0, count: batch * c * oh * ow)
    var winners = [Int32](repeating: 0, count: y.count)
    for plane in 0..<(batch * c) {
      let source = plane * h * w
      for i in 0..<oh {
        for j in 0..<ow {
          var best = source + 2 * i * w + 2 * j
          for (dy, dx) in [(0, 1), (1, 0), (1, 1)] where x.values[source + (2 * i + dy) * w + 2 * j + dx] > x.values[best] {
            best = source + (2 * i + dy) * w + 2 * j + dx
          }
          let o = (plane * oh + i) * ow + j
          y[o] = x.values[best]
          winners[o] = Int32(best)
        }
      }
    }
    self.winners = context.training ? winners : []
    inputShape = x.shape
    return Tensor(shape: [batch, c, oh, ow], values: y)
  }

  public func backward(_ gradient: Tensor<T>, context: ForwardContext) -> Tensor<T> {
    var dx = [T](repeating: 0, count: inputShape.reduce(1, *))
    for (o, winner) in winners.enumerated() { dx[Int(winner)] += gradient.values[o] }
    return Tensor(shape: inputShape, values: dx)
  }
}

/// Examples' values as one row each (channels, then rows, then columns: PyTorch's order).
public final class Flatten<T: NetworkScalar>: Layer, @unchecked Sendable {
  private var inputShape: [Int] = []

  public init() {}

  public func outputShape(_ input: [Int]) -> [Int]? { [input.reduce(1, *)] }

  public func forward(_ x: Tensor<T>, context: ForwardContext) -> Tensor<T> {
    inputShape = x.shape
    return Tensor(shape: [x.batch, x.exampleSize], values: x.values)
  }

  public func backward(_ gradient: Tensor<T>, context: ForwardContext) -> Tensor<T> {
    Tensor(shape: inputShape, values: gradient.values)
  }
}

/// Inverted dropout: in training, each value is zeroed with probability `rate` and the others
/// scaled by 1/(1 − rate); at inference, the identity.
public final class Dropout<T: NetworkScalar>: Layer, @unchecked Sendable {
  public let rate: Double
  private var mask: [T] = []

  public init(rate: Double) { self.rate = rate }

  public func outputShape(_ input: [Int]) -> [Int]? { input }

  public func forward(_ x: Tensor<T>, context: ForwardContext) -> Tensor<T> {
    guard context.training, rate > 0 else {
      mask = []
      return x
    }
    let keep = T(1 / (1 - rate))
    mask = x.values.indices.map { _ in context.generator.nextUnit() < rate ? 0 : keep }
    return Tensor(shape: x.shape, values: zip(x.values, mask).map(*))
  }

  public func backward(_ gradient: Tensor<T>, context: ForwardContext) -> Tensor<T> {
    guard !mask.isEmpty else { return gradient }
    return Tensor(shape: gradient.shape, values: zip(gradient.values, mask).map(*))
  }
}

// MARK: BatchNorm

/// Batch normalisation of each channel of images (Keras `BatchNormalization()` after a convolution:
/// momentum 0.99, epsilon 1e-3; PyTorch `BatchNorm2d` names). Training normalises with the batch's
/// mean and (biased) variance over examples, rows and columns and moves the running statistics;
/// inference uses the running statistics.
public final class BatchNorm<T: NetworkScalar>: Layer, @unchecked Sendable {
  public let channels: Int
  public let momentum: Double
  public let epsilon: Double
  public let weight: Parameter<T>
  public let bias: Parameter<T>
  public let runningMean: Parameter<T>
  public let runningVariance: Parameter<T>
  private var normalised: [T] = []
  private var inverseDeviation: [T] = []
  private var inputShape: [Int] = []

  public init(channels: Int, name: String, momentum: Double = 0.99, epsilon: Double = 1e-3) {
    self.channels = channels
    self.momentum = momentum
    self.epsilon = epsilon
    weight = Parameter(name: "\(name).weight", shape: [channels], values: [T](repeating: 1, count: channels), penalised: false)
    bias = Parameter(name: "\(name).bias", shape: [channels], values: [T](repeating: 0, count: channels), penalised: false)
    runningMean = Parameter(name: "\(name).running_mean", shape: [channels], values: [T](repeating: 0, count: channels), penalised: false)
    runningVariance = Parameter(name: "\(name).running_var", shape: [channels], values: [T](repeating: 1, count: channels), penalised: false)
  }

  public var parameters: [Parameter<T>] { [weight, bias] }
  public var buffers: [Parameter<T>] { [runningMean, runningVariance] }

  public func outputShape(_ input: [Int]) -> [Int]? { input.count == 3 && input[0] == channels ? input : nil }

  public func forward(_ x: Tensor<T>, context: ForwardContext) -> Tensor<T> {
    let (batch, c, plane) = (x.shape[0], channels, x.shape[2] * x.shape[3])
    inputShape = x.shape
    var mean = runningMean.values
    var variance = runningVariance.values
    if context.training {
      // Sums per example, added in example order.
      let count = T(batch * plane)
      mean = [T](repeating: 0, count: c)
      for n in 0..<batch { for k in 0..<c { mean[k] += x.values[((n * c + k) * plane)..<((n * c + k + 1) * plane)].reduce(0, +) } }
      mean = mean.map { $0 / count }
      variance = [T](repeating: 0, count: c)
      for n in 0..<batch {
        for k in 0..<c {
          variance[k] += x.values[((n * c + k) * plane)..<((n * c + k + 1) * plane)].reduce(0) { $0 + ($1 - mean[k]) * ($1 - mean[k]) }
        }
      }
      variance = variance.map { $0 / count }
      let m = T(momentum)
      for k in 0..<c {
        runningMean.values[k] = runningMean.values[k] * m + mean[k] * (1 - m)
        runningVariance.values[k] = runningVariance.values[k] * m + variance[k] * (1 - m)
      }
    }
    let inverse = variance.map { 1 / ($0 + T(epsilon)).squareRoot() }
    var y = [T](repeating: 0, count: x.values.count)
    var xhat = [T](repeating: 0, count: context.training ? x.values.count : 0)
    for n in 0..<batch {
      for k in 0..<c {
        let start = (n * c + k) * plane
        for p in start..<(start + plane) {
          let value = (x.values[p] - mean[k]) * inverse[k]
          if context.training { xhat[p] = value }
          y[p] = value * weight.values[k] + bias.values[k]
        }
      }
    }
    normalised = xhat
    inverseDeviation = inverse
    return Tensor(shape: x.shape, values: y)
  }

  /// The training-mode gradient: dx = (γ / σ) · (dy − mean(dy) − x̂ · mean(dy · x̂)), per channel.
  public func backward(_ gradient: Tensor<T>, context: ForwardContext) -> Tensor<T> {
    let (batch, c, plane) = (inputShape[0], channels, inputShape[2] * inputShape[3])
    let count = T(batch * plane)
    var sumDy = [T](repeating: 0, count: c)
    var sumDyXhat = [T](repeating: 0, count: c)
    for n in 0..<batch {
      for k in 0..<c {
        let start = (n * c + k) * plane
        for p in start..<(start + plane) {
          sumDy[k] += gradient.values[p]
          sumDyXhat[k] += gradient.values[p] * normalised[p]
        }
      }
    }
    for k in 0..<c {
      weight.gradient[k] += sumDyXhat[k]
      bias.gradient[k] += sumDy[k]
    }
    var dx = [T](repeating: 0, count: gradient.values.count)
    for n in 0..<batch {
      for k in 0..<c {
        let scale = weight.values[k] * inverseDeviation[k]
        let (meanDy, meanDyXhat) = (sumDy[k] / count, sumDyXhat[k] / count)
        let start = (n * c + k) * plane
        for p in start..<(start + plane) { dx[p] = scale * (gradient.values[p] - meanDy - normalised[p] * meanDyXhat) }
      }
    }
    return Tensor(shape: inputShape, values: dx)
  }
}
