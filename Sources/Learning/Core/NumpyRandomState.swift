/// numpy's legacy `RandomState(seed)` (the Mersenne Twister MT19937), as far as scikit-learn
/// uses it here: `shuffle` of an index array and `uniform`. With it, GenreKit's stratified group
/// k-fold assigns the same groups to the same folds as scikit-learn's
/// `StratifiedGroupKFold(shuffle=True, random_state=seed)`, and the MLP starts from the weights and
/// visits the rows in the order of `MLPClassifier(random_state=seed)`.
struct NumpyRandomState: Sendable {
  private var state = [UInt32](repeating: 0, count: 624)
  private var index = 624

  /// `RandomState(seed)` for a seed in 0 ... 2³² − 1 (numpy's `init_genrand`).
  init(seed: UInt32) {
    state[0] = seed
    for i in 1..<624 { state[i] = 1_812_433_253 &* (state[i - 1] ^ (state[i - 1] >> 30)) &+ UInt32(i) }
  }

  mutating func nextUInt32() -> UInt32 {
    if index >= 624 { twist() }
    var y = state[index]
    index += 1
    y ^= y >> 11
    y ^= (y << 7) & 0x9D2C_5680
    y ^= (y << 15) & 0xEFC6_0000
    return y ^ (y >> 18)
  }

  /// The next 624 words: word i from words i, i + 1 and i + 397 (mod 624), in order of i, so
  /// that the later words read the ones already renewed.
  private mutating func twist() {
    state.withUnsafeMutableBufferPointer { words in
      func renew(_ i: Int, next: Int, far: Int) {
        let y = (words[i] & 0x8000_0000) | (words[next] & 0x7FFF_FFFF)
        words[i] = words[far] ^ (y >> 1) ^ (y & 1 == 0 ? 0 : 0x9908_B0DF)
      }
      for i in 0..<227 { renew(i, next: i + 1, far: i + 397) }
      for i in 227..<623 { renew(i, next: i + 1, far: i - 227) }
      renew(623, next: 0, far: 396)
    }
    index = 0
  }

  /// `random_sample()`: a double in [0, 1) from two draws (27 and 26 bits).
  mutating func nextDouble() -> Double {
    let (a, b) = (nextUInt32() >> 5, nextUInt32() >> 6)
    return (Double(a) * 67_108_864 + Double(b)) / 9_007_199_254_740_992
  }

  /// `uniform(low, high)`.
  mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * nextDouble() }

  /// A uniform integer in 0 ... max by masked rejection (numpy's `random_interval`).
  mutating func interval(_ max: UInt32) -> UInt32 {
    guard max > 0 else { return 0 }
    let mask = UInt32.max >> max.leadingZeroBitCount  // the smallest 2ᵏ − 1 ≥ max
    while true {
      let value = nextUInt32() & mask
      if value <= max { return value }
    }
  }

  /// numpy's in-place Fisher–Yates `shuffle`, from the last element down.
  mutating func shuffle<T>(_ values: inout [T]) {
    guard values.count > 1 else { return }
    values.withUnsafeMutableBufferPointer { values in
      for i in stride(from: values.count - 1, through: 1, by: -1) {
        values.swapAt(i, Int(interval(UInt32(i))))
      }
    }
  }
}
