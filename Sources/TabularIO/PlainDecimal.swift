/// A table cell's number read straight from its bytes, for the common cell: a plain decimal such
/// as `-0.748`, `122.036`, `194754` or `6.1e-05`, optionally between spaces or tabs, with at most
/// 19 significant digits. Returns nil for anything else (and for decimals outside the exact range
/// below), which the caller then reads with `Double(String)`; so the result is always the one
/// `Double(String)` gives.
///
/// Exact by Clinger's fast path (as in fast_float and in strtod itself): when the digits form an
/// integer m ≤ 2^53 and the decimal exponent e is within ±22, both m and 10^|e| are exact doubles,
/// and one multiplication or division rounds m·10^e correctly.
public func plainDecimal(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
  var (i, end) = (0, bytes.count)
  func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
  while i < end && isBlank(bytes[i]) { i += 1 }
  while end > i && isBlank(bytes[end - 1]) { end -= 1 }
  guard i < end else { return nil }
  let negative = bytes[i] == UInt8(ascii: "-")
  if negative || bytes[i] == UInt8(ascii: "+") { i += 1 }
  var mantissa: UInt64 = 0
  var (digits, significant, exponent) = (0, 0, 0)
  var seenPoint = false
  while i < end {
    let byte = bytes[i]
    if byte == UInt8(ascii: ".") {
      guard !seenPoint else { return nil }
      seenPoint = true
    } else if byte &- UInt8(ascii: "0") < 10 {
      digits += 1
      if significant > 0 || byte != UInt8(ascii: "0") {
        significant += 1
        guard significant <= 19 else { return nil }
        mantissa = mantissa &* 10 &+ UInt64(byte &- UInt8(ascii: "0"))
      }
      if seenPoint { exponent -= 1 }
    } else {
      break
    }
    i += 1
  }
  guard digits > 0 else { return nil }
  if i < end {
    guard bytes[i] | 0x20 == UInt8(ascii: "e") else { return nil }
    i += 1
    guard i < end else { return nil }
    let negativeExponent = bytes[i] == UInt8(ascii: "-")
    if negativeExponent || bytes[i] == UInt8(ascii: "+") { i += 1 }
    var (written, exponentDigits) = (0, 0)
    while i < end, bytes[i] &- UInt8(ascii: "0") < 10 {
      written = written * 10 + Int(bytes[i] &- UInt8(ascii: "0"))
      exponentDigits += 1
      guard exponentDigits <= 4 else { return nil }
      i += 1
    }
    guard exponentDigits > 0, i == end else { return nil }
    exponent += negativeExponent ? -written : written
  }
  guard mantissa <= 1 << 53, (-22...22).contains(exponent) else { return nil }
  let magnitude = exponent < 0 ? Double(mantissa) / exactPowersOfTen[-exponent] : Double(mantissa) * exactPowersOfTen[exponent]
  return negative ? -magnitude : magnitude
}

/// 10^0 … 10^22, every one exact in a double.
private let exactPowersOfTen: [Double] = (0...22).map { (0..<$0).reduce(1.0) { value, _ in value * 10 } }
