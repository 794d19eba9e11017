import Foundation

extension String {
  /// `trimmingCharacters(in: .whitespaces)`, without its cost for the common field that has no
  /// whitespace at either end: when the first and last bytes are ASCII and not a space or tab,
  /// the field is returned as it is (Foundation's trimming builds a new string every time, which
  /// was a third of reading a large table).
  public func trimmingWhitespace() -> String {
    guard let first = utf8.first, let last = utf8.last else { return self }
    func plain(_ byte: UInt8) -> Bool { byte < 0x80 && byte != UInt8(ascii: " ") && byte != UInt8(ascii: "\t") }
    return plain(first) && plain(last) ? self : trimmingCharacters(in: .whitespaces)
  }
}
