import Foundation

/// Whether the CPU has AVX2 and FMA: where glibc runs its FMA builds of exp and logf, the ones the
/// vector kernels reproduce to the bit (elsewhere glibc's last bits may differ).
public let cpuHasFusedMultiplyAdd: Bool = {
  guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
    let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
  else { return false }
  let set = Set(flags.split(separator: " ").map(String.init))
  return set.contains("fma") && set.contains("avx2")
}()
