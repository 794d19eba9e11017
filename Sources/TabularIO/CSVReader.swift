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

/// A parsed CSV file held as its fields' bytes end to end, not a string per field: a table of
/// millions of fields costs its bytes and one offset per field. Records and fields are read by
/// index, as strings or as bytes.
public struct CSVTable: Sendable {
  /// The fields' unescaped bytes, one after the other.
  private var bytes: [UInt8] = []
  /// Where each field ends in `bytes` (it starts where the one before it ends).
  private var fieldEnds: [Int] = []
  /// Each record's first field in `fieldEnds`, and one past the last record's last field.
  private var recordStarts: [Int] = [0]
  /// Each record's line (1-based, counting physical lines, where the record starts).
  public private(set) var lines: [Int] = []

  public init() {}

  public init(records: [CSVRecord]) {
    for record in records {
      for field in record.fields { append(field: Array(field.utf8)) }
      endRecord(line: record.line)
    }
  }

  /// The number of records.
  public var count: Int { lines.count }

  public func fieldCount(_ record: Int) -> Int { recordStarts[record + 1] - recordStarts[record] }

  /// The bytes of field `column` of `record`.
  public func withField<R>(_ record: Int, _ column: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
    let index = recordStarts[record] + column
    let start = index == 0 ? 0 : fieldEnds[index - 1]
    return try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[start..<fieldEnds[index]])) }
  }

  public func field(_ record: Int, _ column: Int) -> String { withField(record, column) { String(decoding: $0, as: UTF8.self) } }

  /// Field `column` of `record` as `plainDecimal` reads it (nil when it is not a plain decimal).
  /// The hot path of reading a table's numbers: no closure to call, unlike `withField`.
  public func plainDecimalValue(_ record: Int, _ column: Int) -> Double? {
    let index = recordStarts[record] + column
    let (start, end) = (index == 0 ? 0 : fieldEnds[index - 1], fieldEnds[index])
    return bytes.withUnsafeBufferPointer { plainDecimal(UnsafeBufferPointer(rebasing: $0[start..<end])) }
  }

  public func record(_ index: Int) -> CSVRecord {
    CSVRecord(line: lines[index], fields: (0..<fieldCount(index)).map { field(index, $0) })
  }

  public var records: [CSVRecord] { (0..<count).map(record) }

  /// Fields as a parse wrote them (see `ParseContext`).
  fileprivate init(bytes: [UInt8], fieldEnds: [Int], recordStarts: [Int], lines: [Int]) {
    (self.bytes, self.fieldEnds, self.recordStarts, self.lines) = (bytes, fieldEnds, recordStarts, lines)
  }

  mutating func append(field: [UInt8]) {
    bytes.append(contentsOf: field)
    fieldEnds.append(bytes.count)
  }

  mutating func endRecord(line: Int) {
    recordStarts.append(fieldEnds.count)
    lines.append(line)
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

  public static func parse(_ bytes: [UInt8], path: String, delimiter: UInt8? = nil) throws(CSVError) -> [CSVRecord] {
    try table(bytes, path: path, delimiter: delimiter).records
  }

  /// The file as a `CSVTable` (for large tables: no string per field).
  public static func table(_ bytes: [UInt8], path: String, delimiter: UInt8? = nil) throws(CSVError) -> CSVTable {
    var body = bytes[...]
    if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
    var parser = csv_parser()
    guard csv_init(&parser, UInt8(CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL)) == 0 else {
      throw CSVError(path: path, reason: "cannot initialise the CSV parser")
    }
    defer { csv_free(&parser) }
    let delimiter = delimiter ?? detectDelimiter(body)
    csv_set_delim(&parser, delimiter)
    var context = ParseContext()
    var failure: CSVError?
    var fieldEnds: [Int] = []
    // The fields are written straight into the table's two arrays, sized for the most the file
    // can hold: unescaped fields are never longer than the file, and every field but the last
    // ends at a delimiter or a line end.
    let fieldBytes = body.withUnsafeBufferPointer { buffer in
      [UInt8](unsafeUninitializedCapacity: max(1, buffer.count)) { fieldBytes, byteCount in
        fieldEnds = [Int](unsafeUninitializedCapacity: fieldCapacity(buffer, delimiter: delimiter)) { ends, fieldCount in
          context.output = (fieldBytes.baseAddress!, fieldBytes.count, ends.baseAddress!, ends.count)
          // The callbacks reach the context through a plain pointer (a class instance would be
          // retained and released once per field).
          failure = withUnsafeMutablePointer(to: &context) { parse(buffer, with: &parser, context: $0, path: path) }
          fieldCount = context.fieldCount
        }
        byteCount = context.byteCount
      }
    }
    if let failure { throw failure }
    return CSVTable(bytes: fieldBytes, fieldEnds: fieldEnds, recordStarts: context.recordStarts, lines: context.lines)
  }

  /// Feeds libcsv one physical line at a time, so that callbacks know the current line number.
  private static func parse(
    _ buffer: UnsafeBufferPointer<UInt8>, with parser: inout csv_parser, context: UnsafeMutablePointer<ParseContext>,
    path: String
  ) -> CSVError? {
    let opaque = UnsafeMutableRawPointer(context)
    if let base = buffer.baseAddress {
      var offset = 0
      while offset < buffer.count {
        let lineEnd = memchr(base + offset, 0x0A, buffer.count - offset).map { UnsafeRawPointer(base).distance(to: $0) }
        let length = (lineEnd.map { $0 + 1 } ?? buffer.count) - offset
        context.pointee.currentLine += 1
        if csv_parse(&parser, base + offset, length, fieldCallback, recordCallback, opaque) != length {
          return CSVError(
            path: path, line: context.pointee.currentLine, column: context.pointee.fieldsInRecord + 1,
            reason: String(cString: csv_strerror(csv_error(&parser))))
        }
        offset += length
      }
    }
    if csv_fini(&parser, fieldCallback, recordCallback, opaque) != 0 {
      return CSVError(path: path, line: context.pointee.recordStartLine ?? context.pointee.currentLine, reason: "unterminated quoted field")
    }
    return nil
  }

  /// The most fields a file can hold: one more than its delimiters and line ends (CR or LF).
  private static func fieldCapacity(_ buffer: UnsafeBufferPointer<UInt8>, delimiter: UInt8) -> Int {
    var ends = 1
    var i = 0
    // Sixteen bytes per step (the byte loop does not vectorise by itself), then the rest.
    if let base = buffer.baseAddress {
      let (delimiters, lineFeeds, carriageReturns) = (SIMD16<UInt8>(repeating: delimiter), SIMD16<UInt8>(repeating: 0x0A), SIMD16<UInt8>(repeating: 0x0D))
      while i + 16 <= buffer.count {
        let bytes = UnsafeRawPointer(base + i).loadUnaligned(as: SIMD16<UInt8>.self)
        let isEnd = bytes .== delimiters .| bytes .== lineFeeds .| bytes .== carriageReturns
        ends &+= Int(SIMD16<UInt8>().replacing(with: 1, where: isEnd).wrappedSum())
        i += 16
      }
    }
    for byte in buffer[i...] where byte == delimiter || byte == 0x0A || byte == 0x0D { ends += 1 }
    return ends
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

/// What the callbacks write: field bytes and ends into the table's arrays, as they are built.
private struct ParseContext {
  var output: (bytes: UnsafeMutablePointer<UInt8>, byteCapacity: Int, fieldEnds: UnsafeMutablePointer<Int>, fieldCapacity: Int)?
  var byteCount = 0
  var fieldCount = 0
  var recordStarts = [0]
  var lines: [Int] = []
  var fieldsInRecord = 0
  var currentLine = 0
  var recordStartLine: Int?
}

private func fieldCallback(_ data: UnsafeMutableRawPointer?, _ length: Int, _ opaque: UnsafeMutableRawPointer?) {
  let context = opaque!.assumingMemoryBound(to: ParseContext.self)
  let bytes = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : length)
  if context.pointee.recordStartLine == nil {
    // A quoted first field may span lines: the record starts where the field started.
    context.pointee.recordStartLine = context.pointee.currentLine - bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
  }
  let output = context.pointee.output!
  let (byteCount, fieldCount) = (context.pointee.byteCount, context.pointee.fieldCount)
  precondition(fieldCount < output.fieldCapacity && byteCount + bytes.count <= output.byteCapacity, "fields beyond the file's size")
  if let data { (output.bytes + byteCount).update(from: data.assumingMemoryBound(to: UInt8.self), count: length) }
  output.fieldEnds[fieldCount] = byteCount + bytes.count
  context.pointee.byteCount = byteCount + bytes.count
  context.pointee.fieldCount = fieldCount + 1
  context.pointee.fieldsInRecord += 1
}

private func recordCallback(_ terminator: Int32, _ opaque: UnsafeMutableRawPointer?) {
  let context = opaque!.assumingMemoryBound(to: ParseContext.self)
  context.pointee.recordStarts.append(context.pointee.fieldCount)
  context.pointee.lines.append(context.pointee.recordStartLine ?? context.pointee.currentLine)
  context.pointee.fieldsInRecord = 0
  context.pointee.recordStartLine = nil
}
