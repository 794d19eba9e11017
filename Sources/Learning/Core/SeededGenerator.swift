import Foundation

/// A small, fast, seedable generator (SplitMix64). Every random step in GenreKit takes one, so a
/// seed fixes the result whatever the number of threads.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
  private var state: UInt64

  public init(seed: UInt64) { state = seed }

  /// An independent stream for sub-task `index` (a tree, a fold): the same seed and index always
  /// give the same stream, whichever thread runs the task.
  public init(seed: UInt64, stream index: Int) {
    var mixer = SeededGenerator(seed: seed ^ (0x9E37_79B9_7F4A_7C15 &* UInt64(index + 1)))
    state = mixer.next()
  }

  /// SplitMix64's step: the n-th output mixes the seed plus n steps, so a stream can be cut
  /// into parts drawn in parallel (`advance(by:)`) that give exactly the sequential draws.
  private static let step: UInt64 = 0x9E37_79B9_7F4A_7C15

  public mutating func next() -> UInt64 {
    state &+= Self.step
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Skips `count` draws of `next()`.
  public mutating func advance(by count: Int) { state &+= Self.step &* UInt64(count) }

  /// Uniform in [0, 1).
  public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1p-53 }

  /// Standard normal (Box–Muller).
  public mutating func nextGaussian() -> Double {
    let u = max(nextUnit(), 0x1p-53)
    let v = nextUnit()
    return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
  }
}
