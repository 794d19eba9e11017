import Learning
import Testing

@Suite struct LinearAlgebraTests {
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
