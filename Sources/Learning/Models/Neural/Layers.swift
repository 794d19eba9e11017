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

/// Runs `body` on up to `threads` contiguous blocks of `0 ..< count` at once; a block handles its
/// indices in order, so it may reuse scratch space from one to the next.
func forEachBlock(_ count: Int, threads: Int, _ body: @Sendable (Range<Int>) -> Void) {
  let blocks = max(1, min(threads, count))
  guard blocks > 1 else { return body(0..<count) }
  DispatchQueue.concurrentPerform(iterations: blocks) { b in body((b * count / blocks)..<((b + 1) * count / blocks)) }
}

/// The values of an array that parallel blocks write (each its own part) or read; nil for an
/// empty array.
struct SharedValues<T>: @unchecked Sendable {
  let base: UnsafeMutablePointer<T>?
}

extension Array {
  /// `body` with the array's storage as `SharedValues` (for `forEachBlock`).
  mutating func withShared<R>(_ body: (SharedValues<Element>) throws -> R) rethrows -> R {
    try withUnsafeMutableBufferPointer { try body(SharedValues(base: $0.baseAddress)) }
  }
}

// MARK: Activation

/// The activation a `Dense` or `Conv2D` applies to its output (Keras's `activation=`): fused into
/// the layer's own parallel loop rather than a pass of its own.
public enum Activation: String, Sendable, Codable {
  case linear, relu

  /// Applies the activation to `count` values in place.
  @inline(__always)
  func apply<T: NetworkScalar>(_ values: UnsafeMutablePointer<T>, _ count: Int) {
    if self == .relu { Kernels.relu(values, count) }
  }

  /// `gradient` (of the activation's output, `count` values) times the activation's derivative
  /// at `output`, written to `into`: ReLU passes it where the output is positive.
  @inline(__always)
  func backward<T: NetworkScalar>(_ gradient: UnsafePointer<T>, output: UnsafePointer<T>, _ count: Int, into: UnsafeMutablePointer<T>) {
    switch self {
    case .linear: into.update(from: gradient, count: count)
    case .relu: Kernels.reluBackward(gradient, output: output, count, into: into)
    }
  }
}

// MARK: Dense

/// `y = activation(x·Wᵀ + b)` (Keras `Dense`, PyTorch `Linear`: weight out × in).
public final class Dense<T: NetworkScalar>: Layer, @unchecked Sendable {
  public let inputs: Int
  public let outputs: Int
  public let activation: Activation
  public let weight: Parameter<T>
  public let bias: Parameter<T>
  /// Off for a network's first layer, whose input gradient nothing uses.
  public var needsInputGradient = true
  private var input: Tensor<T>?
  private var output: [T] = []

  public init(inputs: Int, outputs: Int, activation: Activation = .linear, name: String, generator: inout SeededGenerator) {
    self.inputs = inputs
    self.outputs = outputs
    self.activation = activation
    let limit = (6 / Double(inputs + outputs)).squareRoot()  // Glorot uniform, Keras's default
    weight = Parameter(
      name: "\(name).weight", shape: [outputs, inputs],
      values: (0..<(inputs * outputs)).map { _ in T((2 * generator.nextUnit() - 1) * limit) }, penalised: true)
    bias = Parameter(name: "\(name).bias", shape: [outputs], values: [T](repeating: 0, count: outputs), penalised: false)
  }

  public var parameters: [Parameter<T>] { [weight, bias] }

  public func outputShape(_ input: [Int]) -> [Int]? { input.reduce(1, *) == inputs ? [outputs] : nil }

  /// Training multiplies the whole batch at once, in parallel blocks of the outputs' columns
  /// (`forEachColumnBlock`); inference one example at a time (in parallel), because BLAS rounds a row
  /// of a product differently by its place among the rows, and an example's prediction must not
  /// depend on the others predicted with it.
  @_specialize(where T == Float)
  public func forward(_ x: Tensor<T>, context: ForwardContext) -> Tensor<T> {
    input = context.training ? x : nil
    let (batch, inputs, outputs) = (x.batch, inputs, outputs)
    var y = [T](repeating: 0, count: batch * outputs)
    let weights = weight.values
    let biases = bias.values
    x.values.withUnsafeBufferPointer { xBuffer in
      nonisolated(unsafe) let x = xBuffer.baseAddress!
      y.withShared { y in
        for n in 0..<batch { (y.base! + n * outputs).update(from: biases, count: outputs) }
        weights.withUnsafeBufferPointer { w in
          nonisolated(unsafe) let w = w.baseAddress!
          if context.training {
            Dense.forEachColumnBlock(outputs, width: 32, threads: context.threads) { columns in
              T.gemm(
                transposeA: false, transposeB: true, m: batch, n: columns.count, k: inputs, x, lda: inputs, w + columns.lowerBound * inputs,
                ldb: inputs, beta: 1, y.base! + columns.lowerBound, ldc: outputs)
            }
          } else {
            forEachBlock(batch, threads: context.threads) { examples in
              for n in examples {
                T.gemm(transposeA: false, transposeB: true, m: 1, n: outputs, k: inputs, x + n * inputs, w, beta: 1, y.base! + n * outputs)
              }
            }
          }
        }
        activation.apply(y.base!, batch * outputs)
      }
    }
    output = context.training ? y : []
    return Tensor(shape: [batch, outputs], values: y)
  }

  @_specialize(where T == Float)
  public func backward(_ gradient: Tensor<T>, context: ForwardContext) -> Tensor<T> {
    let x = input!
    let (batch, inputs, outputs) = (x.batch, inputs, outputs)
    var gradient = gradient
    if activation != .linear {
      let dy = gradient.values
      gradient.values.withUnsafeMutableBufferPointer { dz in
        dy.withUnsafeBufferPointer { dy in
          output.withUnsafeBufferPointer { y in activation.backward(dy.baseAddress!, output: y.baseAddress!, dy.count, into: dz.baseAddress!) }
        }
      }
    }
    // Both products in parallel blocks of the inputs' columns.
    let blockWidth = 4096
    gradient.values.withUnsafeBufferPointer { dyBuffer in
      nonisolated(unsafe) let dy = dyBuffer.baseAddress!
      x.values.withUnsafeBufferPointer { xBuffer in
        nonisolated(unsafe) let x = xBuffer.baseAddress!
        weight.gradient.withShared { dw in
          Dense.forEachColumnBlock(inputs, width: blockWidth, threads: context.threads) { columns in
            T.gemm(
              transposeA: true, transposeB: false, m: outputs, n: columns.count, k: batch, dy, lda: outputs, x + columns.lowerBound, ldb: inputs,
              beta: 1, dw.base! + columns.lowerBound, ldc: inputs)
          }
        }
      }
      bias.gradient.withUnsafeMutableBufferPointer { db in
        T.addColumnSums(dy, rows: batch, columns: outputs, into: db.baseAddress!)
      }
    }
    guard needsInputGradient else { return Tensor(shape: [0], values: []) }
    var dx = [T](repeating: 0, count: batch * inputs)
    gradient.values.withUnsafeBufferPointer { dyBuffer in
      nonisolated(unsafe) let dy = dyBuffer.baseAddress!
      weight.values.withUnsafeBufferPointer { wBuffer in
        nonisolated(unsafe) let w = wBuffer.baseAddress!
        dx.withShared { dx in
          Dense.forEachColumnBlock(inputs, width: blockWidth, threads: context.threads) { columns in
            T.gemm(
              transposeA: false, transposeB: false, m: batch, n: columns.count, k: outputs, dy, lda: outputs, w + columns.lowerBound, ldb: inputs,
              beta: 0, dx.base! + columns.lowerBound, ldc: inputs)
          }
        }
      }
    }
    return Tensor(shape: x.shape, values: dx)
  }

  /// Runs `body` on the blocks of `width` columns of `0 ..< count` (the last one shorter), the
  /// blocks in parallel on `threads`: each block is always the same product, so results do not
  /// depend on the number of threads.
  static func forEachColumnBlock(_ count: Int, width: Int, threads: Int, _ body: @Sendable (Range<Int>) -> Void) {
    let blocks = (count + width - 1) / width
    forEachBlock(blocks, threads: threads) { indices in
      for b in indices { body((b * width)..<min(count, (b + 1) * width)) }
    }
  }
}

// MARK: Conv2D

/// A 3 × 3 convolution with "same" zero padding and stride 1, then the activation (Keras
/// `Conv2D(f, 3, padding="same", activation=…)`, PyTorch `Conv2d(c, f, 3, padding=1)`: weight
/// f × c × 3 × 3), per example: by direct convolutions where the number type has them and they
/// are fast on this CPU (`NetworkScalar.convolvesDirectly`), else by im2col and matrix products.
/// Examples run in parallel blocks, and the weight gradient is summed over examples in example
/// order.
public final class Conv2D<T: NetworkScalar>: Layer, @unchecked Sendable {
  public let inChannels: Int
  public let outChannels: Int
  public let activation: Activation
  public let weight: Parameter<T>
  public let bias: Parameter<T>
  /// Off for a network's first layer, whose input gradient nothing uses.
  public var needsInputGradient = true
  /// Whether the passes use the direct convolutions (set by the tests where the CPU would not
  /// choose them: they run everywhere, more slowly).
  var convolvesDirectly = T.convolvesDirectly
  /// In training, the input and output (the weight gradient rebuilds each example's columns:
  /// built in cache, they cost less than a batch of them kept in memory).
  private var input: [T] = []
  private var output: [T] = []
  private var inputShape: [Int] = []

  public init(inChannels: Int, outChannels: Int, activation: Activation = .linear, name: String, generator: inout SeededGenerator) {
    self.inChannels = inChannels
    self.outChannels = outChannels
    self.activation = activation
    let limit = (6 / Double((inChannels + outChannels) * 9)).squareRoot()
    weight = Parameter(
      name: "\(name).weight", shape: [outChannels, inChannels, 3, 3],
      values: (0..<(outChannels * inChannels * 9)).map { _ in T((2 * generator.nextUnit() - 1) * limit) }, penalised: true)
    bias = Parameter(name: "\(name).bias", shape: [outChannels], values: [T](repeating: 0, count: outChannels), penalised: false)
  }

  public var parameters: [Parameter<T>] { [weight, bias] }

  public func outputShape(_ input: [Int]) -> [Int]? {
    input.count == 3 && input[0] == inChannels ? [outChannels, input[1], input[2]] : nil
  }

  /// For tap column `kx`, output column `xx` reads input column `xx + kx − 1`: the output
  /// columns with an input column, and the shift.
  @inline(__always)
  static func tapColumns(_ kx: Int, width w: Int) -> (Range<Int>, shift: Int) { (max(0, 1 - kx)..<min(w, w + 1 - kx), kx - 1) }

  /// One example's 3 × 3 neighbourhoods as columns, (c·9 + ky·3 + kx) × (y·W + x), zero outside.
  @_specialize(where T == Float)
  static func im2col(_ x: UnsafePointer<T>, channels: Int, height h: Int, width w: Int, into col: UnsafeMutablePointer<T>) {
    for c in 0..<channels {
      for ky in 0..<3 {
        for kx in 0..<3 {
          let row = col + ((c * 3 + ky) * 3 + kx) * h * w
          let (inside, shift) = tapColumns(kx, width: w)
          for y in 0..<h {
            let out = row + y * w
            let sy = y + ky - 1
            guard sy >= 0 && sy < h else {
              out.update(repeating: 0, count: w)
              continue
            }
            let source = x + (c * h + sy) * w + shift
            if inside.lowerBound > 0 { out[0] = 0 }
            if inside.upperBound < w { out[w - 1] = 0 }
            (out + inside.lowerBound).update(from: source + inside.lowerBound, count: inside.count)
          }
        }
      }
    }
  }

  /// Adds the columns' gradients back onto the example's pixels (the transpose of `im2col`).
  @_specialize(where T == Float)
  static func col2im(_ col: UnsafePointer<T>, channels: Int, height h: Int, width w: Int, into x: UnsafeMutablePointer<T>) {
    for c in 0..<channels {
      for ky in 0..<3 {
        for kx in 0..<3 {
          let row = col + ((c * 3 + ky) * 3 + kx) * h * w
          let (inside, shift) = tapColumns(kx, width: w)
          for y in 0..<h {
            let sy = y + ky - 1
            guard sy >= 0 && sy < h else { continue }
            let target = x + (c * h + sy) * w + shift
            let source = row + y * w
            Kernels.add(source + inside.lowerBound, into: target + inside.lowerBound, inside.count)
          }
        }
      }
    }
  }

  @_specialize(where T == Float)
  public func forward(_ x: Tensor<T>, context: ForwardContext) -> Tensor<T> {
    let (batch, h, w) = (x.shape[0], x.shape[2], x.shape[3])
    let (inC, outC) = (inChannels, outChannels)
    let (inSize, outSize, columnSize) = (inC * h * w, outC * h * w, inC * 9 * h * w)
    inputShape = x.shape
    var out = [T](unsafeUninitializedCapacity: batch * outSize) { _, count in count = batch * outSize }
    let (weights, biases, activation, direct) = (weight.values, bias.values, activation, convolvesDirectly)
    let packed = direct ? T.packedKernels(weights, outChannels: outC, inChannels: inC, transposeFlip: false) : []
    x.values.withUnsafeBufferPointer { xBuffer in
      nonisolated(unsafe) let input = xBuffer.baseAddress!
      out.withShared { out in
        forEachBlock(batch, threads: context.threads) { examples in
          // The padded planes, or the im2col columns.
          let scratch = UnsafeMutablePointer<T>.allocate(capacity: direct ? T.directScratch(inChannels: inC, height: h, width: w) : columnSize)
          defer { scratch.deallocate() }
          for n in examples {
            if direct {
              T.convolve(
                input + n * inSize, inChannels: inC, height: h, width: w, packed: packed, bias: biases, outChannels: outC,
                relu: activation == .relu, scratch: scratch, into: out.base! + n * outSize)
              continue
            }
            Conv2D.im2col(input + n * inSize, channels: inC, height: h, width: w, into: scratch)
            let y = out.base! + n * outSize
            for o in 0..<outC { (y + o * h * w).update(repeating: biases[o], count: h * w) }
            weights.withUnsafeBufferPointer { wt in
              T.gemm(transposeA: false, transposeB: false, m: outC, n: h * w, k: inC * 9, wt.baseAddress!, scratch, beta: 1, y)
            }
            activation.apply(y, outSize)
          }
        }
      }
    }
    input = context.training ? x.values : []
    output = context.training ? out : []
    return Tensor(shape: [batch, outC, h, w], values: out)
  }

  @_specialize(where T == Float)
  public func backward(_ gradient: Tensor<T>, context: ForwardContext) -> Tensor<T> {
    let (batch, h, w) = (inputShape[0], inputShape[2], inputShape[3])
    let (inC, outC) = (inChannels, outChannels)
    let (inSize, outSize, columnSize, kernelSize) = (inC * h * w, outC * h * w, inC * 9 * h * w, outC * inC * 9)
    let (needsInputGradient, direct) = (needsInputGradient, convolvesDirectly)
    // Each example's weight and bias gradients, summed below in example order.
    var weightParts = [T](repeating: 0, count: batch * kernelSize)
    var biasParts = [T](repeating: 0, count: batch * outC)
    var dx = [T](unsafeUninitializedCapacity: needsInputGradient ? batch * inSize : 0) { _, count in count = needsInputGradient ? batch * inSize : 0 }
    let (weights, activation) = (weight.values, activation)
    // The input gradient is the convolution of the output's gradient with the kernels
    // transposed and flipped.
    let packed = direct && needsInputGradient ? T.packedKernels(weights, outChannels: outC, inChannels: inC, transposeFlip: true) : []
    gradient.values.withUnsafeBufferPointer { dyBuffer in
      nonisolated(unsafe) let dy = dyBuffer.baseAddress!
      // Read only: the output's storage is shared with the next layer's input.
      output.withUnsafeBufferPointer { outputBuffer in
      input.withUnsafeBufferPointer { inputBuffer in
        nonisolated(unsafe) let (outputs, x) = (outputBuffer.baseAddress!, inputBuffer.baseAddress!)
        weightParts.withShared { dw in
          biasParts.withShared { db in
            dx.withShared { dx in
              weights.withUnsafeBufferPointer { wt in
                nonisolated(unsafe) let wt = wt.baseAddress!
                forEachBlock(batch, threads: context.threads) { examples in
                  // For the weight gradient and the input gradient: padded planes, or im2col columns.
                  let weightScratch = UnsafeMutablePointer<T>.allocate(
                    capacity: direct ? T.directWeightGradientScratch(inChannels: inC, outChannels: outC, height: h, width: w) : columnSize)
                  let inputScratch =
                    needsInputGradient
                    ? UnsafeMutablePointer<T>.allocate(capacity: direct ? T.directScratch(inChannels: outC, height: h, width: w) : columnSize) : nil
                  let g = UnsafeMutablePointer<T>.allocate(capacity: outSize)
                  defer {
                    weightScratch.deallocate()
                    inputScratch?.deallocate()
                    g.deallocate()
                  }
                  for n in examples {
                    // The gradient before the activation.
                    activation.backward(dy + n * outSize, output: outputs + n * outSize, outSize, into: g)
                    for o in 0..<outC { db.base![n * outC + o] = Kernels.sum(g + o * h * w, h * w) }
                    if direct {
                      T.convolutionWeightGradient(
                        x + n * inSize, inChannels: inC, height: h, width: w, gradient: g, outChannels: outC, scratch: weightScratch,
                        into: dw.base! + n * kernelSize)
                    } else {
                      Conv2D.im2col(x + n * inSize, channels: inC, height: h, width: w, into: weightScratch)
                      T.gemm(
                        transposeA: false, transposeB: true, m: outC, n: inC * 9, k: h * w, g, weightScratch, beta: 0, dw.base! + n * kernelSize)
                    }
                    if let inputScratch, direct {
                      T.convolve(
                        g, inChannels: outC, height: h, width: w, packed: packed, bias: nil, outChannels: inC, relu: false,
                        scratch: inputScratch, into: dx.base! + n * inSize)
                    } else if let dcol = inputScratch {
                      T.gemm(transposeA: true, transposeB: false, m: inC * 9, n: h * w, k: outC, wt, g, beta: 0, dcol)
                      (dx.base! + n * inSize).update(repeating: 0, count: inSize)
                      Conv2D.col2im(dcol, channels: inC, height: h, width: w, into: dx.base! + n * inSize)
                    }
                  }
                }
              }
            }
          }
        }
      }
      }
    }
    addExampleGradients(weightParts, biasParts, batch: batch)
    return needsInputGradient ? Tensor(shape: inputShape, values: dx) : Tensor(shape: [0], values: [])
  }

  /// Adds each example's weight and bias gradients (`batch` of each, one after the other) to the
  /// parameters', in example order.
  func addExampleGradients(_ weightParts: [T], _ biasParts: [T], batch: Int) {
    let (kernelSize, outC) = (weight.values.count, outChannels)
    weight.gradient.withUnsafeMutableBufferPointer { total in
      for n in 0..<batch { for i in 0..<kernelSize { total[i] += weightParts[n * kernelSize + i] } }
    }
    for n in 0..<batch { for o in 0..<outC { bias.gradient[o] += biasParts[n * outC + o] } }
  }
}

// MARK: MaxPool2D, Flatten, Dropout

/// 2 × 2 max pooling, stride 2, the last odd row or column dropped (Keras `MaxPooling2D()`).
/// The gradient goes to the first maximum of each window in row-major order.
public final class MaxPool2D<T: NetworkScalar>: Layer, @unchecked Sendable {
  /// In training, the input and output (the backward pass finds each window's maximum again).
  private var input: [T] = []
  private var output: [T] = []
  private var inputShape: [Int] = []

  public init() {}

  public func outputShape(_ input: [Int]) -> [Int]? {
    input.count == 3 && input[1] >= 2 && input[2] >= 2 ? [input[0], input[1] / 2, input[2] / 2] : nil
  }

  @_specialize(where T == Float)
  public func forward(_ x: Tensor<T>, context: ForwardContext) -> Tensor<T> {
    let (batch, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (oh, ow) = (h / 2, w / 2)
    let outSize = c * oh * ow
    var y = [T](unsafeUninitializedCapacity: batch * outSize) { _, count in count = batch * outSize }
    x.values.withUnsafeBufferPointer { xBuffer in
      nonisolated(unsafe) let x = xBuffer.baseAddress!
      y.withShared { y in
        forEachBlock(batch, threads: context.threads) { examples in
          for plane in (examples.lowerBound * c)..<(examples.upperBound * c) {
            for i in 0..<oh {
              let top = x + plane * h * w + 2 * i * w
              Kernels.maxPool(top: top, bottom: top + w, ow, into: y.base! + (plane * oh + i) * ow)
            }
          }
        }
      }
    }
    (input, output) = context.training ? (x.values, y) : ([], [])
    inputShape = x.shape
    return Tensor(shape: [batch, c, oh, ow], values: y)
  }

  @_specialize(where T == Float)
  public func backward(_ gradient: Tensor<T>, context: ForwardContext) -> Tensor<T> {
    let (batch, c, h, w) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
    let (oh, ow) = (h / 2, w / 2)
    // Every window's inputs are written below; the odd last row or column (dropped) gets zeros.
    var dx = [T](repeating: 0, count: batch * c * h * w)
    input.withUnsafeBufferPointer { xBuffer in
      output.withUnsafeBufferPointer { yBuffer in
        gradient.values.withUnsafeBufferPointer { dyBuffer in
          nonisolated(unsafe) let (x, y, dy) = (xBuffer.baseAddress!, yBuffer.baseAddress!, dyBuffer.baseAddress!)
          dx.withShared { dx in
            forEachBlock(batch, threads: context.threads) { examples in
              for plane in (examples.lowerBound * c)..<(examples.upperBound * c) {
                for i in 0..<oh {
                  let (row, pooled) = (plane * h * w + 2 * i * w, (plane * oh + i) * ow)
                  T.maxPoolBackward(
                    top: x + row, bottom: x + row + w, pooled: y + pooled, gradient: dy + pooled, ow, intoTop: dx.base! + row,
                    intoBottom: dx.base! + row + w)
                }
              }
            }
          }
        }
      }
    }
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

  @_specialize(where T == Float)
  public func forward(_ x: Tensor<T>, context: ForwardContext) -> Tensor<T> {
    guard context.training, rate > 0 else {
      mask = []
      return x
    }
    let (keep, count) = (T(1 / (1 - rate)), x.values.count)
    // Value i draws the generator's i-th number, in parallel blocks that skip to their start.
    // nextUnit() < rate, in integers: u·2⁻⁵³ < rate exactly when u < ⌈rate·2⁵³⌉.
    let threshold = UInt64((rate * 0x1p53).rounded(.up))
    let stream = context.generator
    context.generator.advance(by: count)
    mask = [T](unsafeUninitializedCapacity: count) { _, initialised in initialised = count }
    mask.withShared { mask in
      forEachBlock(count, threads: context.threads) { values in
        var generator = stream
        generator.advance(by: values.lowerBound)
        for i in values { mask.base![i] = generator.next() >> 11 < threshold ? 0 : keep }
      }
    }
    return Tensor(shape: x.shape, values: Self.scaled(x.values, by: mask))
  }

  @_specialize(where T == Float)
  public func backward(_ gradient: Tensor<T>, context: ForwardContext) -> Tensor<T> {
    guard !mask.isEmpty else { return gradient }
    return Tensor(shape: gradient.shape, values: Self.scaled(gradient.values, by: mask))
  }

  @inline(__always)
  static func scaled(_ values: [T], by mask: [T]) -> [T] {
    var out = values
    out.withUnsafeMutableBufferPointer { out in
      mask.withUnsafeBufferPointer { mask in for i in out.indices { out[i] *= mask[i] } }
    }
    return out
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

  /// Channels run in parallel blocks; each channel's sums run over examples in order.
  @_specialize(where T == Float)
  public func forward(_ x: Tensor<T>, context: ForwardContext) -> Tensor<T> {
    let (batch, c, plane) = (x.shape[0], channels, x.shape[2] * x.shape[3])
    inputShape = x.shape
    let training = context.training
    var mean = runningMean.values
    var variance = runningVariance.values
    if training {
      let count = T(batch * plane)
      x.values.withUnsafeBufferPointer { xBuffer in
        nonisolated(unsafe) let x = xBuffer.baseAddress!
        mean.withShared { mean in
          variance.withShared { variance in
            forEachBlock(c, threads: context.threads) { channels in
              for k in channels {
                var sum = T.zero
                for n in 0..<batch {
                  let p = x + (n * c + k) * plane
                  sum += Kernels.sum(p, plane)
                }
                let m = sum / count
                var squares = T.zero
                for n in 0..<batch {
                  let p = x + (n * c + k) * plane
                  squares += Kernels.squaredDeviations(p, plane, from: m)
                }
                mean.base![k] = m
                variance.base![k] = squares / count
              }
            }
          }
        }
      }
      let momentum = T(self.momentum)
      for k in 0..<c {
        runningMean.values[k] = runningMean.values[k] * momentum + mean[k] * (1 - momentum)
        runningVariance.values[k] = runningVariance.values[k] * momentum + variance[k] * (1 - momentum)
      }
    }
    let inverse = variance.map { 1 / ($0 + T(epsilon)).squareRoot() }
    let (gamma, beta, batchMean) = (weight.values, bias.values, mean)
    var y = [T](unsafeUninitializedCapacity: x.values.count) { _, count in count = x.values.count }
    var xhat = [T](unsafeUninitializedCapacity: training ? x.values.count : 0) { _, count in count = training ? x.values.count : 0 }
    x.values.withUnsafeBufferPointer { xBuffer in
      nonisolated(unsafe) let x = xBuffer.baseAddress!
      y.withShared { y in
        xhat.withShared { xhat in
          forEachBlock(batch, threads: context.threads) { examples in
            for n in examples {
              for k in 0..<c {
                let start = (n * c + k) * plane
                Kernels.normalise(
                  x + start, plane, mean: batchMean[k], scale: inverse[k], gamma: gamma[k], beta: beta[k],
                  xhat: training ? xhat.base! + start : nil, y: y.base! + start)
              }
            }
          }
        }
      }
    }
    inverseDeviation = inverse
    normalised = xhat
    return Tensor(shape: x.shape, values: y)
  }

  /// The training-mode gradient: dx = (γ / σ) · (dy − mean(dy) − x̂ · mean(dy · x̂)), per channel.
  @_specialize(where T == Float)
  public func backward(_ gradient: Tensor<T>, context: ForwardContext) -> Tensor<T> {
    let (batch, c, plane) = (inputShape[0], channels, inputShape[2] * inputShape[3])
    let count = T(batch * plane)
    var sumDy = [T](repeating: 0, count: c)
    var sumDyXhat = [T](repeating: 0, count: c)
    var dx = [T](unsafeUninitializedCapacity: gradient.values.count) { _, count in count = gradient.values.count }
    let (gamma, inverse) = (weight.values, inverseDeviation)
    gradient.values.withUnsafeBufferPointer { dyBuffer in
      normalised.withUnsafeBufferPointer { xhatBuffer in
        nonisolated(unsafe) let (dy, xhat) = (dyBuffer.baseAddress!, xhatBuffer.baseAddress!)
        sumDy.withShared { sumDy in
          sumDyXhat.withShared { sumDyXhat in
            dx.withShared { dx in
              forEachBlock(c, threads: context.threads) { channels in
                for k in channels {
                  var (s, sx) = (T.zero, T.zero)
                  for n in 0..<batch {
                    let (g, z) = (dy + (n * c + k) * plane, xhat + (n * c + k) * plane)
                    s += Kernels.sum(g, plane)
                    sx += Kernels.dot(g, z, plane)
                  }
                  sumDy.base![k] = s
                  sumDyXhat.base![k] = sx
                  let scale = gamma[k] * inverse[k]
                  let (meanDy, meanDyXhat) = (s / count, sx / count)
                  for n in 0..<batch {
                    let start = (n * c + k) * plane
                    Kernels.normaliseBackward(
                      dy + start, xhat: xhat + start, plane, scale: scale, meanDy: meanDy, meanDyXhat: meanDyXhat, into: dx.base! + start)
                  }
                }
              }
            }
          }
        }
      }
    }
    for k in 0..<c {
      weight.gradient[k] += sumDyXhat[k]
      bias.gradient[k] += sumDy[k]
    }
    return Tensor(shape: inputShape, values: dx)
  }
}
