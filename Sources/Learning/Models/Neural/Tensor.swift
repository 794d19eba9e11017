import CBLASLAPACK
import CNetworkKernels
import Foundation

/// The number types networks compute in: `Float` to train and predict, `Double` for gradient
/// checks. Matrix products go through single-threaded BLAS (parallelism is over examples, with
/// reductions in a fixed order, so results never depend on the thread count).
public protocol NetworkScalar: BinaryFloatingPoint, SIMDScalar, Sendable, Codable {
  /// `c = op(a)·op(b) + beta·c`, row-major, `op(a)` m × k, `op(b)` k × n, rows `lda`, `ldb`,
  /// `ldc` apart.
  static func gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, _ a: UnsafePointer<Self>, lda: Int, _ b: UnsafePointer<Self>, ldb: Int,
    beta: Self, _ c: UnsafeMutablePointer<Self>, ldc: Int)
  static func exponential(_ x: Self) -> Self
  static func logarithm(_ x: Self) -> Self
  /// `genrekit_adam_f32` / `_f64`: Adam's update of `count` parameters and their two moments.
  static func adamUpdate(
    _ parameters: UnsafeMutablePointer<Self>, m: UnsafeMutablePointer<Self>, v: UnsafeMutablePointer<Self>, gradient: UnsafePointer<Self>,
    count: Int, beta1: Self, beta2: Self, epsilon: Self, rate: Self)
  /// sums[c] += Σ over r, in order, of p[r·columns + c] (`genrekit_add_column_sums_f32` / `_f64`):
  /// a gradient's column sums.
  static func addColumnSums(_ p: UnsafePointer<Self>, rows: Int, columns: Int, into sums: UnsafeMutablePointer<Self>)
  /// `Kernels.maxPoolBackward`, which `Float` runs on vectors (comparisons of a generic
  /// `SIMD8<T>` compile lane by lane, and the scalar loop's branches mispredict).
  static func maxPoolBackward(
    top: UnsafePointer<Self>, bottom: UnsafePointer<Self>, pooled: UnsafePointer<Self>, gradient: UnsafePointer<Self>, _ count: Int,
    intoTop dTop: UnsafeMutablePointer<Self>, intoBottom dBottom: UnsafeMutablePointer<Self>)
  /// Whether `Conv2D` convolves directly by default (`Float` where the CPU has AVX-512, on which
  /// `genrekit_conv3x3_forward` is faster than im2col and BLAS) instead of by im2col and BLAS.
  static var convolvesDirectly: Bool { get }
  /// `genrekit_conv3x3_pack`.
  static func packedKernels(_ weights: [Self], outChannels: Int, inChannels: Int, transposeFlip: Bool) -> [Self]
  /// `genrekit_conv3x3_scratch`.
  static func directScratch(inChannels: Int, height: Int, width: Int) -> Int
  /// `genrekit_conv3x3_forward` on one example.
  static func convolve(
    _ input: UnsafePointer<Self>, inChannels: Int, height: Int, width: Int, packed: UnsafePointer<Self>, bias: UnsafePointer<Self>?,
    outChannels: Int, relu: Bool, scratch: UnsafeMutablePointer<Self>, into output: UnsafeMutablePointer<Self>)
  /// `genrekit_conv3x3_weight_gradient_scratch`.
  static func directWeightGradientScratch(inChannels: Int, outChannels: Int, height: Int, width: Int) -> Int
  /// `genrekit_conv3x3_weight_gradient` of one example.
  static func convolutionWeightGradient(
    _ input: UnsafePointer<Self>, inChannels: Int, height: Int, width: Int, gradient: UnsafePointer<Self>, outChannels: Int,
    scratch: UnsafeMutablePointer<Self>, into weightGradient: UnsafeMutablePointer<Self>)
  /// Whether this type has the fused one-channel convolution + ReLU + max-pooling kernels
  /// (`Float`, in C), which `Sequential` then runs in place of those layers' own passes.
  static var fusesConvolutionAndPooling: Bool { get }
  /// `genrekit_conv_pool_forward` on one image (codes nil at inference).
  static func convolveAndPool(
    _ image: UnsafePointer<Self>, height: Int, width: Int, weights: UnsafePointer<Self>, bias: UnsafePointer<Self>, channels: Int,
    scratch: UnsafeMutablePointer<Self>, pooled: UnsafeMutablePointer<Self>, codes: UnsafeMutablePointer<UInt8>?)
  /// `genrekit_conv_pool_weight_gradient` on one image.
  static func convolutionAndPoolingWeightGradient(
    _ image: UnsafePointer<Self>, height: Int, width: Int, pooledGradient: UnsafePointer<Self>, codes: UnsafePointer<UInt8>, channels: Int,
    scratch: UnsafeMutablePointer<Self>, weightGradient: UnsafeMutablePointer<Self>, biasGradient: UnsafeMutablePointer<Self>)
}

extension NetworkScalar {
  /// `gemm` of contiguous matrices.
  @inline(__always)
  static func gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, _ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>, beta: Self,
    _ c: UnsafeMutablePointer<Self>
  ) {
    gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, a, lda: transposeA ? m : k, b, ldb: transposeB ? k : n, beta: beta, c, ldc: n)
  }

  public static var convolvesDirectly: Bool { false }
  public static func packedKernels(_ weights: [Self], outChannels: Int, inChannels: Int, transposeFlip: Bool) -> [Self] {
    preconditionFailure("\(Self.self) has no direct convolution")
  }
  public static func directScratch(inChannels: Int, height: Int, width: Int) -> Int { preconditionFailure("\(Self.self) has no direct convolution") }
  public static func convolve(
    _ input: UnsafePointer<Self>, inChannels: Int, height: Int, width: Int, packed: UnsafePointer<Self>, bias: UnsafePointer<Self>?,
    outChannels: Int, relu: Bool, scratch: UnsafeMutablePointer<Self>, into output: UnsafeMutablePointer<Self>
  ) { preconditionFailure("\(Self.self) has no direct convolution") }
  public static func directWeightGradientScratch(inChannels: Int, outChannels: Int, height: Int, width: Int) -> Int {
    preconditionFailure("\(Self.self) has no direct convolution")
  }
  public static func convolutionWeightGradient(
    _ input: UnsafePointer<Self>, inChannels: Int, height: Int, width: Int, gradient: UnsafePointer<Self>, outChannels: Int,
    scratch: UnsafeMutablePointer<Self>, into weightGradient: UnsafeMutablePointer<Self>
  ) { preconditionFailure("\(Self.self) has no direct convolution") }

  public static var fusesConvolutionAndPooling: Bool { false }
  public static func convolveAndPool(
    _ image: UnsafePointer<Self>, height: Int, width: Int, weights: UnsafePointer<Self>, bias: UnsafePointer<Self>, channels: Int,
    scratch: UnsafeMutablePointer<Self>, pooled: UnsafeMutablePointer<Self>, codes: UnsafeMutablePointer<UInt8>?
  ) { preconditionFailure("\(Self.self) has no fused convolution and pooling") }
  public static func convolutionAndPoolingWeightGradient(
    _ image: UnsafePointer<Self>, height: Int, width: Int, pooledGradient: UnsafePointer<Self>, codes: UnsafePointer<UInt8>, channels: Int,
    scratch: UnsafeMutablePointer<Self>, weightGradient: UnsafeMutablePointer<Self>, biasGradient: UnsafeMutablePointer<Self>
  ) { preconditionFailure("\(Self.self) has no fused convolution and pooling") }

  public static func maxPoolBackward(
    top: UnsafePointer<Self>, bottom: UnsafePointer<Self>, pooled: UnsafePointer<Self>, gradient: UnsafePointer<Self>, _ count: Int,
    intoTop dTop: UnsafeMutablePointer<Self>, intoBottom dBottom: UnsafeMutablePointer<Self>
  ) {
    Kernels.maxPoolBackward(top: top, bottom: bottom, pooled: pooled, gradient: gradient, count, intoTop: dTop, intoBottom: dBottom)
  }
}

extension Float: NetworkScalar {
  public static func gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
    beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    guard m > 0, n > 0, k > 0 else { return }
    genrekit_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, Int32(m), Int32(n), Int32(k), a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }
  public static func exponential(_ x: Float) -> Float { Foundation.exp(x) }
  public static func logarithm(_ x: Float) -> Float { Foundation.log(x) }
  public static func adamUpdate(
    _ parameters: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>,
    count: Int, beta1: Float, beta2: Float, epsilon: Float, rate: Float
  ) {
    genrekit_adam_f32(parameters, m, v, gradient, count, beta1, beta2, epsilon, rate)
  }
  public static func addColumnSums(_ p: UnsafePointer<Float>, rows: Int, columns: Int, into sums: UnsafeMutablePointer<Float>) {
    genrekit_add_column_sums_f32(p, rows, columns, sums)
  }

  private static let hasWideVectors = genrekit_conv3x3_has_wide_vectors() != 0
  public static var convolvesDirectly: Bool { hasWideVectors }
  public static func packedKernels(_ weights: [Float], outChannels: Int, inChannels: Int, transposeFlip: Bool) -> [Float] {
    [Float](unsafeUninitializedCapacity: genrekit_conv3x3_packed_size(outChannels, inChannels, transposeFlip ? 1 : 0)) { packed, count in
      genrekit_conv3x3_pack(weights, outChannels, inChannels, transposeFlip ? 1 : 0, packed.baseAddress!)
      count = packed.count
    }
  }
  public static func directScratch(inChannels: Int, height: Int, width: Int) -> Int { genrekit_conv3x3_scratch(inChannels, height, width) }
  public static func convolve(
    _ input: UnsafePointer<Float>, inChannels: Int, height: Int, width: Int, packed: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
    outChannels: Int, relu: Bool, scratch: UnsafeMutablePointer<Float>, into output: UnsafeMutablePointer<Float>
  ) {
    genrekit_conv3x3_forward(input, inChannels, height, width, packed, bias, outChannels, relu ? 1 : 0, scratch, output)
  }
  public static func directWeightGradientScratch(inChannels: Int, outChannels: Int, height: Int, width: Int) -> Int {
    genrekit_conv3x3_weight_gradient_scratch(inChannels, outChannels, height, width)
  }
  public static func convolutionWeightGradient(
    _ input: UnsafePointer<Float>, inChannels: Int, height: Int, width: Int, gradient: UnsafePointer<Float>, outChannels: Int,
    scratch: UnsafeMutablePointer<Float>, into weightGradient: UnsafeMutablePointer<Float>
  ) {
    genrekit_conv3x3_weight_gradient(input, inChannels, height, width, gradient, outChannels, scratch, weightGradient)
  }

  public static var fusesConvolutionAndPooling: Bool { true }
  public static func convolveAndPool(
    _ image: UnsafePointer<Float>, height: Int, width: Int, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>, channels: Int,
    scratch: UnsafeMutablePointer<Float>, pooled: UnsafeMutablePointer<Float>, codes: UnsafeMutablePointer<UInt8>?
  ) {
    genrekit_conv_pool_forward(image, height, width, weights, bias, channels, scratch, pooled, codes)
  }
  public static func convolutionAndPoolingWeightGradient(
    _ image: UnsafePointer<Float>, height: Int, width: Int, pooledGradient: UnsafePointer<Float>, codes: UnsafePointer<UInt8>, channels: Int,
    scratch: UnsafeMutablePointer<Float>, weightGradient: UnsafeMutablePointer<Float>, biasGradient: UnsafeMutablePointer<Float>
  ) {
    genrekit_conv_pool_weight_gradient(image, height, width, pooledGradient, codes, channels, scratch, weightGradient, biasGradient)
  }

  /// Eight windows at a time: the gradient goes to the first input `>=` the maximum, and what
  /// is left (the gradient, or exactly 0) on to the next.
  public static func maxPoolBackward(
    top: UnsafePointer<Float>, bottom: UnsafePointer<Float>, pooled: UnsafePointer<Float>, gradient: UnsafePointer<Float>, _ count: Int,
    intoTop dTop: UnsafeMutablePointer<Float>, intoBottom dBottom: UnsafeMutablePointer<Float>
  ) {
    var j = 0
    while j + 8 <= count {
      let t = UnsafeRawPointer(top + 2 * j).loadUnaligned(as: SIMD16<Float>.self)
      let b = UnsafeRawPointer(bottom + 2 * j).loadUnaligned(as: SIMD16<Float>.self)
      let m = UnsafeRawPointer(pooled + j).loadUnaligned(as: SIMD8<Float>.self)
      let g = UnsafeRawPointer(gradient + j).loadUnaligned(as: SIMD8<Float>.self)
      let zero = SIMD8<Float>()
      let first = zero.replacing(with: g, where: t.evenHalf .>= m)
      let second = zero.replacing(with: g - first, where: t.oddHalf .>= m)
      let third = zero.replacing(with: g - first - second, where: b.evenHalf .>= m)
      var (dt, db) = (SIMD16<Float>(), SIMD16<Float>())
      (dt.evenHalf, dt.oddHalf) = (first, second)
      (db.evenHalf, db.oddHalf) = (third, g - first - second - third)
      UnsafeMutableRawPointer(dTop + 2 * j).storeBytes(of: dt, as: SIMD16<Float>.self)
      UnsafeMutableRawPointer(dBottom + 2 * j).storeBytes(of: db, as: SIMD16<Float>.self)
      j += 8
    }
    Kernels.maxPoolBackward(
      top: top + 2 * j, bottom: bottom + 2 * j, pooled: pooled + j, gradient: gradient + j, count - j, intoTop: dTop + 2 * j,
      intoBottom: dBottom + 2 * j)
  }
}

extension Double: NetworkScalar {
  public static func gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, _ a: UnsafePointer<Double>, lda: Int, _ b: UnsafePointer<Double>, ldb: Int,
    beta: Double, _ c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    guard m > 0, n > 0, k > 0 else { return }
    genrekit_dgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, Int32(m), Int32(n), Int32(k), a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }
  public static func exponential(_ x: Double) -> Double { Foundation.exp(x) }
  public static func logarithm(_ x: Double) -> Double { Foundation.log(x) }
  public static func adamUpdate(
    _ parameters: UnsafeMutablePointer<Double>, m: UnsafeMutablePointer<Double>, v: UnsafeMutablePointer<Double>,
    gradient: UnsafePointer<Double>, count: Int, beta1: Double, beta2: Double, epsilon: Double, rate: Double
  ) {
    genrekit_adam_f64(parameters, m, v, gradient, count, beta1, beta2, epsilon, rate)
  }
  public static func addColumnSums(_ p: UnsafePointer<Double>, rows: Int, columns: Int, into sums: UnsafeMutablePointer<Double>) {
    genrekit_add_column_sums_f64(p, rows, columns, sums)
  }
}

/// A batch of examples: `shape[0]` examples of `shape[1...]` values each (channels × height × width
/// for images, features for rows), row-major (PyTorch's NCHW).
public struct Tensor<T: NetworkScalar>: Sendable, Equatable {
  public var shape: [Int]
  public var values: [T]

  public init(shape: [Int], values: [T]) {
    precondition(shape.reduce(1, *) == values.count, "tensor values must fill the shape \(shape)")
    self.shape = shape
    self.values = values
  }

  public init(zeros shape: [Int]) {
    self.init(shape: shape, values: [T](repeating: 0, count: shape.reduce(1, *)))
  }

  public var batch: Int { shape[0] }
  /// Values per example.
  public var exampleSize: Int { shape.dropFirst().reduce(1, *) }

  /// The examples at `indices`.
  public func selecting(_ indices: [Int]) -> Tensor {
    let size = exampleSize
    var out = [T]()
    out.reserveCapacity(indices.count * size)
    for i in indices { out += values[(i * size)..<((i + 1) * size)] }
    return Tensor(shape: [indices.count] + shape.dropFirst(), values: out)
  }
}

/// A trainable array of a layer and its gradient, named as PyTorch names it
/// (`features.0.weight`), so that the weights file loads into a PyTorch model of the same layout.
public final class Parameter<T: NetworkScalar>: @unchecked Sendable {
  public let name: String
  public let shape: [Int]
  public var values: [T]
  public var gradient: [T]
  /// Whether the L2 penalty applies (weights, not biases or BatchNorm's scale and shift).
  public let penalised: Bool

  init(name: String, shape: [Int], values: [T], penalised: Bool) {
    precondition(shape.reduce(1, *) == values.count, "parameter \(name) must fill its shape")
    self.name = name
    self.shape = shape
    self.values = values
    self.gradient = [T](repeating: 0, count: values.count)
    self.penalised = penalised
  }

  func zeroGradient() {
    for i in gradient.indices { gradient[i] = 0 }
  }
}
