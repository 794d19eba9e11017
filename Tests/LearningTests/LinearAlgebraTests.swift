import Learning
import Testing

@Suite struct LinearAlgebraTests {
  /// The row-by-row product is BLAS's up to rounding, and each of its rows is that row's product
  /// alone, to the bit.
  @Test func rowwiseProductIsTheProductAndEachRowItsOwn() {
    var state: UInt64 = 12345
    func next() -> Double {  // an LCG's top bits in [-1, 1)
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / Double(1 << 52) - 1
    }
    let a = Matrix(rows: 37, columns: 13, values: (0..<(37 * 13)).map { _ in next() })
    let b = Matrix(rows: 13, columns: 7, values: (0..<(13 * 7)).map { _ in next() })
    let product = a.rowwiseMultiplied(by: b)
    let reference = a.multiplied(by: b)
    #expect(zip(product.values, reference.values).allSatisfy { abs($0 - $1) <= 1e-13 })
    #expect(a.rowwiseMultiplied(by: b.transposed(), transposingOther: true) == product)
    for row in [0, 5, 36] {
      #expect(a.selecting(rows: [row]).rowwiseMultiplied(by: b).values == Array(product.row(row)))
    }
  }

  /// OpenBLAS's SSE3 fallback on a CPU it does not know gives way to the kernels of the CPU's
  /// vector extensions; any other choice of its own is kept.
  @Test func onlyTheSSE3FallbackIsReplaced() {
    let avx512: Set<String> = ["sse2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl"]
    #expect(LinearAlgebra.betterKernels(than: "Prescott", cpuFlags: avx512) == "SkylakeX")
    #expect(LinearAlgebra.betterKernels(than: "Prescott", cpuFlags: ["avx", "avx2", "fma", "avx512f"]) == "Haswell")
    #expect(LinearAlgebra.betterKernels(than: "Prescott", cpuFlags: ["sse2", "avx", "avx2"]) == nil)
    #expect(LinearAlgebra.betterKernels(than: "Cooperlake", cpuFlags: avx512) == nil)
    #expect(LinearAlgebra.betterKernels(than: "Zen", cpuFlags: ["avx2", "fma"]) == nil)
  }
}
