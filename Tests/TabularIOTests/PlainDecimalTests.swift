import Testing
import TabularIO

@Suite struct PlainDecimalTests {
  func parsed(_ text: String) -> Double? {
    Array(text.utf8).withUnsafeBufferPointer(plainDecimal)
  }

  @Test func plainDecimalsAreReadAsDoubleReadsThem() {
    let plain = [
      "0.748", "-2.634", "122.036", "194754", "6.1e-05", " 3.5\t", "+5", "1.", ".5", "-0", "0.000", "0.1", "-7E+3",
      "9007199254740992", "1e22", "1e-22", "0.0000000000000000000001",
      // Beyond the fast path, by Eisel–Lemire: more than 2^53, 10^±23 and on, 17 to 19 digits.
      "9007199254740993", "1e23", "1e-23", "1e55", "1e-27", "0.8701033463404891", "494214.9901329928",
      "1234567890123456789e-22", "-9999999999999999999", "0.000000001234567890123456789",
      "1.7976931348623157e55", "2.2250738585072014e-11",
    ]
    for text in plain {
      let value = parsed(text)
      #expect(value != nil, "\(text)")
      #expect(value?.bitPattern == Double(text.trimmingWhitespace())?.bitPattern, "\(text)")
    }
  }

  /// Anything else is left to `Double(String)`: text, other spellings, more than 19 significant
  /// digits, and exponents outside 10^−27 … 10^55 (the range of the powers of five kept).
  @Test func anythingElseIsLeftToDoubleString() {
    let other = [
      "", " ", "abc", "1e", "1e+", "1.2.3", "nan", "inf", "-infinity", "0x1p3", "1e400", "1e56", "1e-28", "0e99",
      "12345678901234567890", "1.0000000000000000000", "1234567890123456789e-28", "1 2", "--1", "-", ".", "e5", "1,5", "5\r", "1e00001",
    ]
    for text in other { #expect(parsed(text) == nil, "\(text)") }
  }

  /// Decimals exactly halfway between two doubles round to the even one: integers between 2^53 and
  /// 10^19 (ties at odd multiples of half their spacing) and n + 0.5 for n in [2^52, 2^53).
  @Test func halfwayDecimalsRoundToEven() {
    var generator = SplitMix64()
    var texts = ["9007199254740993", "9007199254740995", "18014398509481986", "4503599627370496.5", "4503599627370497.5"]
    for _ in 0..<20_000 {
      let lower = Double(UInt64.random(in: (1 << 53)...9_000_000_000_000_000_000, using: &generator))
      texts.append(String(UInt64(lower) + UInt64(lower.ulp / 2)))
      texts.append("\(UInt64.random(in: (1 << 52)..<(1 << 53), using: &generator)).5")
    }
    for text in texts {
      let value = parsed(text)
      #expect(value != nil && value?.bitPattern == Double(text)?.bitPattern, "\(text)")
    }
  }

  /// Random decimals of 1 to 19 digits with exponents of −30…30, written in four ways: every
  /// value the fast path gives is `Double(String)`'s to the bit, and it takes most of them.
  @Test func randomDecimalsMatchDoubleStringToTheBit() {
    var generator = SplitMix64()
    func next() -> UInt64 { generator.next() }
    var taken = 0
    let count = 200_000
    for _ in 0..<count {
      let digitCount = Int(next() % 19) + 1
      let digits = String((0..<digitCount).map { _ in Character(String(next() % 10)) })
      let point = Int(next() % UInt64(digitCount + 1))
      let exponent = Int(next() % 61) - 30
      let sign = next() % 2 == 0 ? "" : "-"
      let decimal = digits.prefix(point) + "." + digits.dropFirst(point)
      let text: String
      switch next() % 4 {
      case 0: text = sign + digits
      case 1: text = sign + decimal
      case 2: text = sign + decimal + "e\(exponent)"
      default: text = sign + digits + "E+\(abs(exponent))"
      }
      guard let value = parsed(text) else { continue }
      taken += 1
      #expect(value.bitPattern == Double(text)?.bitPattern, "\(text)")
    }
    #expect(taken > count / 3)
  }
}

/// A seeded generator, so that a failing case is the same on every run.
struct SplitMix64: RandomNumberGenerator {
  private var state: UInt64 = 0x9E37_79B9_7F4A_7C15

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
