import CAffineKernels
import Foundation
import TestSupport
import Testing

/// The vector exp against glibc's own, and the softmax rows against the loop they replaced, to
/// the bit. glibc runs its FMA build of exp where the CPU has AVX2 and FMA; elsewhere it runs
/// another build, whose last bits may differ, so the comparison with glibc needs those.
@Suite struct SoftmaxKernelTests {
  /// Doubles from an LCG: uniform in [low, high).
  struct Uniform {
    var state: UInt64
    mutating func next(_ low: Double, _ high: Double) -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return low + (high - low) * Double(state >> 11) / Double(1 << 53)
    }
  }

  static func kernelExp(_ x: [Double]) -> [Double] {
    var out = [Double](repeating: 0, count: x.count)
    genrekit_exp(x, x.count, &out)
    return out
  }

  static func differing(_ a: [Double], _ b: [Double]) -> [Int] {
    a.indices.filter { !(a[$0].bitPattern == b[$0].bitPattern || (a[$0].isNaN && b[$0].isNaN)) }
  }

  @Test(.enabled(if: cpuHasFusedMultiplyAdd, "glibc runs its FMA build of exp only with AVX2 and FMA"))
  func expIsGlibcsToTheBit() {
    var uniform = Uniform(state: 7)
    // Softmax's range, all of exp's finite range, every table slot, small and special values.
    var x = (0..<400_000).map { _ in uniform.next(-40, 0) } + (0..<400_000).map { _ in uniform.next(-746, 710) }
    x += (0..<128).flatMap { k in [-1, 0, 1].map { Double(k) * log(2.0) / 128 + Double($0) * 1e-12 } }
    x += [0, -0.0, 1e-300, -1e-300, 0x1p-54, -0x1p-54, 0x1p-55, 511.9, -511.9, 512, -512, 709.78, 709.79, -708.4, -745.1, -745.2, 1024, -1024]
    x += [.infinity, -.infinity, .nan, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
    let wrong = Self.differing(Self.kernelExp(x), x.map { Foundation.exp($0) })
    #expect(wrong.isEmpty, "\(wrong.count) values differ, first at x = \(wrong.first.map { x[$0] } ?? 0)")
  }

  /// The loop softmaxRows ran before, with libm's exp.
  static func plainSoftmax(_ values: [Double], columns: Int) -> [Double] {
    var values = values
    for base in stride(from: 0, to: values.count, by: columns) {
      var peak = -Double.infinity
      for c in 0..<columns { peak = max(peak, values[base + c]) }
      var total = 0.0
      for c in 0..<columns {
        values[base + c] = Foundation.exp(values[base + c] - peak)
        total += values[base + c]
      }
      for c in 0..<columns { values[base + c] /= total }
    }
    return values
  }

  @Test(.enabled(if: cpuHasFusedMultiplyAdd, "glibc runs its FMA build of exp only with AVX2 and FMA"), arguments: [1, 2, 6, 8, 10, 17])
  func softmaxRowsAreTheLoopTheyReplaced(columns: Int) {
    var uniform = Uniform(state: UInt64(columns))
    var values = (0..<(200 * columns)).map { _ in uniform.next(-30, 30) }
    // A row with −∞ and NaN, one with a huge spread, one of equal values.
    for c in 0..<columns {
      values[c] = c % 3 == 0 ? -.infinity : c % 3 == 1 ? .nan : 1
      values[columns + c] = Double(c) * 300 - 2_000
      values[2 * columns + c] = 4
    }
    var kernel = values
    genrekit_softmax_rows(&kernel, 200, columns)
    let wrong = Self.differing(kernel, Self.plainSoftmax(values, columns: columns))
    #expect(wrong.isEmpty, "\(wrong.count) values differ, first at \(wrong.first ?? 0)")
  }
}
