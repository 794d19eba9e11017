/// A table cell's number read straight from its bytes, for the common cell: a plain decimal such
/// as `-0.748`, `122.036`, `194754` or `6.1e-05`, optionally between spaces or tabs, with at most
/// 19 significant digits. Returns nil for anything else (and for decimals outside the exponent
/// range below), which the caller then reads with `Double(String)`; so the result is always the
/// one `Double(String)` gives: the correctly rounded double, ties to even.
///
/// Digits are read eight at a time where eight follow one another (fast_float's SWAR step). The
/// value m·10^e is then rounded by Clinger's exact fast path when m ≤ 2^53 and |e| ≤ 22 (both m
/// and 10^|e| exact doubles, one rounding), else by the Eisel–Lemire algorithm (`eiselLemire`).
public func plainDecimal(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
  guard let base = bytes.baseAddress else { return nil }
  var (i, end) = (0, bytes.count)
  func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
  while i < end && isBlank(base[i]) { i += 1 }
  while end > i && isBlank(base[end - 1]) { end -= 1 }
  guard i < end else { return nil }
  let negative = base[i] == UInt8(ascii: "-")
  if negative || base[i] == UInt8(ascii: "+") { i += 1 }
  let firstDigit = i
  // Every digit is accumulated (wrapping; exact while at most 19 are significant: leading zeros
  // add nothing).
  var mantissa: UInt64 = 0
  func digits() -> Int {
    let start = i
    while end - i >= 8 {
      let eight = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
      guard areEightDigits(eight) else { break }
      mantissa = mantissa &* 100_000_000 &+ valueOfEightDigits(eight)
      i += 8
    }
    while i < end, base[i] &- UInt8(ascii: "0") < 10 {
      mantissa = mantissa &* 10 &+ UInt64(base[i] &- UInt8(ascii: "0"))
      i += 1
    }
    return i - start
  }
  var digitCount = digits()
  var exponent = 0
  if i < end && base[i] == UInt8(ascii: ".") {
    i += 1
    let fractionDigits = digits()
    digitCount += fractionDigits
    exponent = -fractionDigits
  }
  guard digitCount > 0 else { return nil }
  if digitCount > 19 {
    var leadingZeros = 0
    for j in firstDigit..<i where base[j] != UInt8(ascii: ".") {
      guard base[j] == UInt8(ascii: "0") else { break }
      leadingZeros += 1
    }
    guard digitCount - leadingZeros <= 19 else { return nil }
  }
  if i < end {
    guard base[i] | 0x20 == UInt8(ascii: "e") else { return nil }
    i += 1
    guard i < end else { return nil }
    let negativeExponent = base[i] == UInt8(ascii: "-")
    if negativeExponent || base[i] == UInt8(ascii: "+") { i += 1 }
    var (written, exponentDigits) = (0, 0)
    while i < end, base[i] &- UInt8(ascii: "0") < 10 {
      written = written * 10 + Int(base[i] &- UInt8(ascii: "0"))
      exponentDigits += 1
      guard exponentDigits <= 4 else { return nil }
      i += 1
    }
    guard exponentDigits > 0, i == end else { return nil }
    exponent += negativeExponent ? -written : written
  }
  let magnitude: Double
  if mantissa <= 1 << 53, (-22...22).contains(exponent) {
    magnitude = exponent < 0 ? Double(mantissa) / exactPowersOfTen[-exponent] : Double(mantissa) * exactPowersOfTen[exponent]
  } else if mantissa != 0, PowersOfFive.exponents.contains(exponent) {
    magnitude = eiselLemire(mantissa, exponent)
  } else {
    return nil
  }
  return negative ? -magnitude : magnitude
}

/// Whether the eight bytes of `word` (little-endian) are all ASCII digits.
@inline(__always)
private func areEightDigits(_ word: UInt64) -> Bool {
  ((word &+ 0x4646_4646_4646_4646) | (word &- 0x3030_3030_3030_3030)) & 0x8080_8080_8080_8080 == 0
}

/// The value of eight ASCII digits (the first in the lowest byte): pairs, then fours, then all
/// eight combined by three multiplications.
@inline(__always)
private func valueOfEightDigits(_ word: UInt64) -> UInt64 {
  var value = word &- 0x3030_3030_3030_3030
  value = value &* 10 &+ (value >> 8)
  let mask: UInt64 = 0x0000_00FF_0000_00FF
  return ((value & mask) &* 0x000F_4240_0000_0064 &+ ((value >> 16) & mask) &* 0x0000_2710_0000_0001) >> 32
}

/// m·10^q correctly rounded, for 0 < m < 2^64 and q in `PowersOfFive.exponents` (Lemire, "Number
/// Parsing at a Gigabyte per Second", 2021, as fast_float implements it): m, normalised, times a
/// 128-bit truncation of 5^q gives the top bits of the product; within q ∈ [−27, 55] these
/// always decide the rounding, so there is no slow path. The result is normal (≥ 10^−27,
/// < 10^75), so subnormals and overflow cannot occur.
private func eiselLemire(_ mantissa: UInt64, _ q: Int) -> Double {
  let explicitBits = 52
  let leadingZeros = mantissa.leadingZeroBitCount
  let normalised = mantissa << leadingZeros
  let power = PowersOfFive.table[q - PowersOfFive.exponents.lowerBound]
  var (high, low) = normalised.multipliedFullWidth(by: power.high)
  // Only when the bits below the 55 kept ones are all ones can the lower word carry into them.
  let belowKept: UInt64 = .max >> (explicitBits + 3)
  if high & belowKept == belowKept {
    let carry = normalised.multipliedFullWidth(by: power.low).high
    let (sum, overflow) = low.addingReportingOverflow(carry)
    low = sum
    if overflow { high &+= 1 }
  }
  let upperBit = Int(high >> 63)
  let shift = upperBit + 64 - explicitBits - 3
  var significand = high >> shift
  // floor(log2(10^q)) + 63, and the IEEE exponent bias.
  var biasedExponent = (((152_170 + 65_536) * q) >> 16) + 63 + upperBit - leadingZeros + 1023
  // Exactly halfway between two doubles (possible only for these q): round to even.
  if low <= 1, (-4...23).contains(q), significand & 3 == 1, significand << shift == high {
    significand &= ~1
  }
  significand = (significand + (significand & 1)) >> 1
  if significand >= 2 << explicitBits {
    significand = 1 << explicitBits
    biasedExponent += 1
  }
  significand &= ~(1 << explicitBits)
  return Double(bitPattern: UInt64(biasedExponent) << explicitBits | significand)
}

/// 5^q for q in `exponents`, as the 128 bits (high, low) that fast_float's table holds: for
/// q ≥ 0, 5^q itself shifted up to 128 bits (exact: 5^55 < 2^128); for q < 0, ⌊2^b / 5^−q⌋ + 1
/// with b = 127 + the bit length of 5^−q (5^27 < 2^64, so one 128-by-64-bit division).
private enum PowersOfFive {
  static let exponents = -27...55

  static let table: [(high: UInt64, low: UInt64)] = exponents.map { q in
    if q >= 0 {
      var (high, low): (UInt64, UInt64) = (0, 1)
      for _ in 0..<q {
        let product = low.multipliedFullWidth(by: 5)
        (high, low) = (high &* 5 &+ product.high, product.low)
      }
      let shift = high == 0 ? 64 + low.leadingZeroBitCount : high.leadingZeroBitCount
      if shift >= 64 { return (low << (shift - 64), 0) }
      return shift == 0 ? (high, low) : (high << shift | low >> (64 - shift), low << shift)
    }
    let divisor = (0..<(-q)).reduce(UInt64(1)) { value, _ in value * 5 }
    // 2^b = 2^(bitLength − 1) · 2^128: the top word is below the divisor, so the quotient has
    // two words.
    let top = UInt64(1) << (63 - divisor.leadingZeroBitCount)
    let (high, remainder) = divisor.dividingFullWidth((top, 0))
    let low = divisor.dividingFullWidth((remainder, 0)).quotient
    return low == .max ? (high + 1, 0) : (high, low + 1)
  }
}

/// 10^0 … 10^22, every one exact in a double.
private let exactPowersOfTen: [Double] = (0...22).map { (0..<$0).reduce(1.0) { value, _ in value * 10 } }
