import CCSV
import Foundation

/// One record of a CSV file and the line it starts on (1-based, counting physical lines).
public struct CSVRecord: Sendable, Equatable {
  public var line: Int
  public var fields: [String]

  public init(line: Int, fields: [String]) {
    self.line = line
    self.fields = fields
  }
}

/// A CSV file that could not be read; the description names the file and the line.
public struct CSVError: Error, Equatable, CustomStringConvertible {
  public var path: String
  public var line: Int?
  public var column: Int?
  public var reason: String

  public init(path: String, line: Int? = nil, column: Int? = nil, reason: String) {
    self.path = path
    self.line = line
    self.column = column
    self.reason = reason
  }

  public var description: String {
    var location = InputFile.displayName(path)
    if let line { location += ":\(line)" }
    if let column { location += ", column \(column)" }
    return "\(location): \(reason)"
  }
}

/// Parses CSV with libcsv in strict mode: RFC 4180 quoting (delimiters, quotes and newlines inside
/// quoted fields), CRLF or LF line ends, an optional UTF-8 byte-order mark, and `,` or `;` as the
/// delimiter (detected from the first line unless given). Blank lines are skipped. `-` reads
/// standard input.
public enum CSVReader {
  public static func read(path: String, delimiter: UInt8? = nil) throws(CSVError) -> [CSVRecord] {
    let bytes: [UInt8]
    do {
      bytes = try InputFile.bytes(of: path)
    } catch {
      throw CSVError(path: path, reason: error.reason)
    }
    return try parse(bytes, path: path, delimiter: delimiter)
  }

  public static func parse(_ bytes: [UInt8], path: String, delimiter: UInt8? = nil) throws(CSVError)
    -> [CSVRecord]
  {
    var body = bytes[...]
    if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
    let context = ParseContext()
    var parser = csv_parser()
    guard csv_init(&parser, UInt8(CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL)) == 0 else {
      throw CSVError(path: path, reason: "cannot initialise the CSV parser")
    }
    defer { csv_free(&parser) }
    csv_set_delim(&parser, delimiter ?? detectDelimiter(body))
    let opaque = Unmanaged.passUnretained(context).toOpaque()

    // Feed one physical line at a time so that callbacks know the current line number.
    var failure: CSVError?
    body.withUnsafeBufferPointer { buffer in
      guard let base = buffer.baseAddress else { return }
      var offset = 0
      while offset < buffer.count {
        var end = offset
        while end < buffer.count && buffer[end] != 0x0A { end += 1 }
        let length = min(end + 1, buffer.count) - offset
        context.currentLine += 1
        if csv_parse(&parser, base + offset, length, fieldCallback, recordCallback, opaque) != length {
          failure = CSVError(
            path: path, line: context.currentLine, column: context.fields.count + 1,
            reason: String(cString: csv_strerror(csv_error(&parser))))
          return
        }
        offset += length
      }
    }
    if let failure { throw failure }
    if csv_fini(&parser, fieldCallback, recordCallback, opaque) != 0 {
      throw CSVError(
        path: path, line: context.recordStartLine ?? context.currentLine,
        reason: "unterminated quoted field")
    }
    return context.records
  }

  /// `;` when the first line has more semicolons than commas outside quotes, else `,`.
  static func detectDelimiter(_ bytes: ArraySlice<UInt8>) -> UInt8 {
    var commas = 0
    var semicolons = 0
    var quoted = false
    for byte in bytes {
      if byte == 0x22 { quoted.toggle() }
      if quoted { continue }
      if byte == 0x0A || byte == 0x0D { break }
      if byte == 0x2C { commas += 1 }
      if byte == 0x3B { semicolons += 1 }
    }
    return semicolons > commas ? 0x3B : 0x2C
  }
}

private final class ParseContext {
  var records: [CSVRecord] = []
  var fields: [String] = []
  var currentLine = 0
  var recordStartLine: Int?
}

private func fieldCallback(_ data: UnsafeMutableRawPointer?, _ length: Int, _ context: UnsafeMutableRawPointer?) {
  let context = Unmanaged<ParseContext>.fromOpaque(context!).takeUnretainedValue()
  let bytes = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : length)
  let field = String(decoding: bytes, as: UTF8.self)
  if context.recordStartLine == nil {
    // A quoted first field may span lines: the record starts where the field started.
    context.recordStartLine = context.currentLine - bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
  }
  context.fields.append(field)
}

private func recordCallback(_ terminator: Int32, _ context: UnsafeMutableRawPointer?) {
  let context = Unmanaged<ParseContext>.fromOpaque(context!).takeUnretainedValue()
  context.records.append(
    CSVRecord(line: context.recordStartLine ?? context.currentLine, fields: context.fields))
  context.fields = []
  context.recordStartLine = nil
}
