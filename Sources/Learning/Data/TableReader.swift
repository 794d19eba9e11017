import Foundation
import TabularIO

/// Which columns of a table are the label, the group and the features.
public struct TableOptions: Sendable {
  public var labelColumn = "label"
  /// Rows sharing a value never straddle a split. Default: the GTZAN track of `filename` when the
  /// table has one, else every row is its own group.
  public var groupColumn: String?
  /// Feature columns; default: every numeric column except label, group and, in GTZAN tables,
  /// `filename` and `length`.
  public var featureColumns: [String]?
  public var excludedColumns: [String] = []
  /// `,` or `;`; detected from the header when nil.
  public var delimiter: UInt8?
  /// Read a table without the label column (to predict it): every row gets the class "?".
  public var labelOptional = false
  /// Keep missing or non-finite feature values (as NaN, for a train-fold mean imputer) instead of
  /// refusing the table.
  public var allowMissing = false

  public init() {}
}

/// Reads a feature table (the GTZAN tables `genrekit extract` writes, or any export such as
/// Spotify's) into a `Dataset`. Errors name the file, line and column.
public enum TableReader {
  static let missingMarkers: Set<String> = ["", "na", "nan", "null", "none", "?"]

  public static func read(path: String, options: TableOptions = TableOptions()) throws -> Dataset {
    try read(records: CSVReader.read(path: path, delimiter: options.delimiter), path: path, options: options)
  }

  public static func read(records: [CSVRecord], path: String, options: TableOptions) throws -> Dataset {
    guard let header = records.first else { throw CSVError(path: path, reason: "the table is empty") }
    let rows = Array(records.dropFirst())
    guard !rows.isEmpty else { throw CSVError(path: path, line: header.line, reason: "the table has a header but no rows") }
    let columns = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
    for row in rows where row.fields.count != columns.count {
      throw CSVError(
        path: path, line: row.line,
        reason: "expected \(columns.count) fields as in the header, found \(row.fields.count)")
    }
    func index(of name: String, role: String) throws -> Int {
      guard let i = columns.firstIndex(of: name) else {
        throw CSVError(path: path, line: header.line, reason: "no \(role) column \(excerpt(name)) (columns: \(excerpt(columns.joined(separator: ", "), limit: 400)))")
      }
      return i
    }
    let labelIndex: Int? =
      options.labelOptional && !columns.contains(options.labelColumn)
      ? nil : try index(of: options.labelColumn, role: "label")
    let groupIndex = try options.groupColumn.map { try index(of: $0, role: "group") }
    let filenameIndex = columns.firstIndex(of: "filename")

    let featureIndices: [Int]
    if let requested = options.featureColumns {
      featureIndices = try requested.map { try index(of: $0, role: "feature") }
    } else {
      var skipped = Set((labelIndex.map { [$0] } ?? []) + (groupIndex.map { [$0] } ?? []))
      if let filenameIndex {
        skipped.insert(filenameIndex)
        if let length = columns.firstIndex(of: "length") { skipped.insert(length) }
      }
      for name in options.excludedColumns { skipped.insert(try index(of: name, role: "excluded")) }
      featureIndices = columns.indices.filter { c in
        !skipped.contains(c) && isNumericColumn(rows.map { $0.fields[c] })
      }
    }
    guard !featureIndices.isEmpty else { throw CSVError(path: path, reason: "no numeric feature columns") }

    var values = [Double]()
    values.reserveCapacity(rows.count * featureIndices.count)
    for row in rows {
      for c in featureIndices {
        let field = row.fields[c].trimmingCharacters(in: .whitespaces)
        let value = Double(field)
        if value == nil && !missingMarkers.contains(field.lowercased()) {
          throw CSVError(path: path, line: row.line, column: c + 1, reason: "\(excerpt(field)) in column \(excerpt(columns[c])) is not a number")
        }
        if !(value?.isFinite ?? false) && !options.allowMissing {
          throw CSVError(
            path: path, line: row.line, column: c + 1,
            reason: "missing or non-finite value \(excerpt(field)) in column \(excerpt(columns[c])) (use --impute mean)")
        }
        values.append(value.flatMap { $0.isFinite ? $0 : nil } ?? .nan)
      }
    }

    let labelTexts = rows.map { row in labelIndex.map { row.fields[$0] } ?? "?" }
    if let labelIndex, let blank = rows.firstIndex(where: { $0.fields[labelIndex].isEmpty }) {
      throw CSVError(path: path, line: rows[blank].line, column: labelIndex + 1, reason: "empty label")
    }
    let classNames = Array(Set(labelTexts)).sorted()
    let classIndex = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($1, $0) })
    let rowNames = rows.enumerated().map { i, row in filenameIndex.map { row.fields[$0] } ?? String(i + 1) }
    let groups: [String] = rows.enumerated().map { i, row in
      if let groupIndex { return row.fields[groupIndex] }
      if let filenameIndex { return trackIdentifier(ofFileName: row.fields[filenameIndex]) }
      return "row \(i + 1)"
    }
    return Dataset(
      features: Matrix(rows: rows.count, columns: featureIndices.count, values: values),
      labels: labelTexts.map { classIndex[$0]! }, classNames: classNames,
      featureNames: featureIndices.map { columns[$0] }, groups: groups, rowNames: rowNames)
  }

  /// A column is numeric when most values present parse as numbers (a stray word in a numeric
  /// column is then reported as an error, while a text column with a few number-like titles stays
  /// text).
  static func isNumericColumn(_ fields: [String]) -> Bool {
    var numbers = 0
    var texts = 0
    for field in fields {
      let trimmed = field.trimmingCharacters(in: .whitespaces)
      if Double(trimmed) != nil {
        numbers += 1
      } else if !missingMarkers.contains(trimmed.lowercased()) {
        texts += 1
      }
    }
    return numbers > texts
  }
}

/// The GTZAN track of a row name: `blues.00000` for `blues.00000.wav`, `blues.00000.au`,
/// `blues.00000.3.wav` (segment 3) and `blues/blues.00000.wav` (split lists).
public func trackIdentifier(ofFileName name: String) -> String {
  var parts = PathName.lastComponent(of: name).split(separator: ".", omittingEmptySubsequences: false)
  if parts.count > 1, let last = parts.last, Double(last) == nil { parts.removeLast() }  // extension
  if parts.count > 2, let last = parts.last, last.allSatisfy(\.isNumber) { parts.removeLast() }  // segment
  return parts.joined(separator: ".")
}
