import Foundation
import TabularIO
import TensorIO

/// Which columns of a table are the label, the group and the features, and how to read its cells.
public struct TableOptions: Sendable {
  /// How rows are grouped for splits (rows of one group never straddle training and test).
  public enum Grouping: Sendable, Equatable {
    /// The GTZAN track of `filename` when the table has one; otherwise every row is its own
    /// group, unless the rows look like segments of tracks, which is refused (they would leak).
    case automatic
    case column(String)
    /// Every row its own group, asked for explicitly.
    case row
  }

  /// pandas' default `na_values`, and `?`.
  public static let defaultMissingMarkers: Set<String> = [
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA",
    "NULL", "NaN", "None", "n/a", "nan", "null", "?",
  ]

  public var labelColumn = "label"
  public var grouping = Grouping.automatic
  /// Feature columns; default: every numeric column except label, group, id and, in GTZAN
  /// tables, `filename` and `length`; id-like columns are left out too.
  public var featureColumns: [String]?
  public var excludedColumns: [String] = []
  /// Text columns kept as categories for one-hot encoding.
  public var categoricalColumns: [String] = []
  /// The column that names rows in predictions (default: `filename`, else the row number).
  public var idColumn: String?
  /// `,` or `;`; detected from the header when nil.
  public var delimiter: UInt8?
  /// Read a table without the label column (to predict it): every row gets the class "?".
  public var labelOptional = false
  /// Skip rows whose label is empty (they are counted) instead of refusing the table.
  public var dropUnlabelled = false
  /// Cell values that mean "missing", compared exactly after trimming spaces.
  public var missingMarkers = TableOptions.defaultMissingMarkers
  /// Keep missing feature values (as NaN, for an imputer) instead of refusing the table.
  public var allowMissing = false

  public init() {}
}

/// What a user can do about a refused table; the command line words it as its own options.
public enum TableRemedy: Sendable, Equatable {
  case impute
  case dropUnlabelled
  case chooseGrouping
}

/// A table that could not be used as asked; the description names the file, line and column.
public struct TableError: Error, Equatable, CustomStringConvertible {
  public var location: CSVError
  public var remedy: TableRemedy?

  init(path: String, line: Int? = nil, column: Int? = nil, reason: String, remedy: TableRemedy? = nil) {
    location = CSVError(path: path, line: line, column: column, reason: reason)
    self.remedy = remedy
  }

  public var description: String { location.description }
}

/// How a table was read, for the first lines of a command's output: nothing is left out or
/// assumed without a word.
public struct TableSummary: Sendable, Equatable {
  public var path: String
  /// XXH64 of the file's bytes: tells whether a table is the one a model was trained on.
  public var fingerprint = ""
  public var rows: Int
  public var skippedEmptyRecords = 0
  public var droppedUnlabelled = 0
  public var featureColumns: [String] = []
  public var categoricalColumns: [String] = []
  public struct LeftOutColumn: Sendable, Equatable {
    public var column: String
    public var reason: String
  }

  /// Columns not used as features, with the reason.
  public var leftOut: [LeftOutColumn] = []
  public var grouping: String = ""
  public var groupCount = 0
  public var warnings: [String] = []
  /// The median of a GTZAN `length` column (samples at 22,050 Hz), which tells how the rows were
  /// cut from audio: whole clips, or segments of one length.
  public var medianLength: Int?

  public init(path: String, rows: Int) {
    self.path = path
    self.rows = rows
  }

  /// One line each: the rows, the features, what was left out, the grouping, and warnings.
  public var lines: [String] {
    var rowsLine = "\(InputFile.displayName(path)): \(rows) rows"
    if skippedEmptyRecords > 0 { rowsLine += "; \(skippedEmptyRecords) empty records skipped" }
    if droppedUnlabelled > 0 { rowsLine += "; \(droppedUnlabelled) unlabelled rows dropped" }
    var lines = [rowsLine]
    var features = "features: \(featureColumns.count) numeric columns (\(Self.list(featureColumns)))"
    if !categoricalColumns.isEmpty { features += ", one-hot: \(categoricalColumns.joined(separator: ", "))" }
    lines.append(features)
    if !leftOut.isEmpty {
      lines.append("left out: " + leftOut.map { "\($0.column) (\($0.reason))" }.joined(separator: ", "))
    }
    lines.append("groups: \(grouping), \(groupCount) groups")
    return lines + warnings.map { "warning: \($0)" }
  }

  private static func list(_ names: [String]) -> String {
    names.count <= 12 ? names.joined(separator: ", ") : names.prefix(10).joined(separator: ", ") + ", … \(names.last!)"
  }
}

/// A table read into a dataset, and how it was read.
public struct LoadedTable: Sendable {
  public var dataset: Dataset
  public var summary: TableSummary
  /// Whether the table has its label column (a table to predict may not).
  public var hasLabels: Bool

  public init(dataset: Dataset, summary: TableSummary, hasLabels: Bool) {
    self.dataset = dataset
    self.summary = summary
    self.hasLabels = hasLabels
  }
}

/// Reads a feature table (the GTZAN tables `genrekit extract` writes, or any export such as
/// Spotify's) into a `Dataset`, as a pandas user expects: missing-value markers, empty records
/// skipped, text columns left out (or one-hot encoded), id columns never features. Errors name
/// the file, line and column.
public enum TableReader {
  public static func read(path: String, options: TableOptions = TableOptions()) throws -> LoadedTable {
    let (parsed, fingerprint) = try parse(path: path, delimiter: options.delimiter)
    var table = try read(table: parsed, path: path, options: options)
    table.summary.fingerprint = fingerprint
    return table
  }

  /// The parsed file and its fingerprint; its bytes are gone on return (a quarter of the peak
  /// memory of a large table).
  private static func parse(path: String, delimiter: UInt8?) throws(CSVError) -> (CSVTable, String) {
    let bytes: [UInt8]
    do {
      bytes = try InputFile.bytes(of: path)
    } catch {
      throw CSVError(path: path, reason: error.reason)
    }
    return (try CSVReader.table(bytes, path: path, delimiter: delimiter), fingerprint(bytes))
  }

  /// A table from bytes already in memory; `path` names them in errors.
  public static func read(bytes: [UInt8], path: String, options: TableOptions = TableOptions()) throws -> LoadedTable {
    var table = try read(table: CSVReader.table(bytes, path: path, delimiter: options.delimiter), path: path, options: options)
    table.summary.fingerprint = fingerprint(bytes)
    return table
  }

  /// `TableSummary.fingerprint` of a file's bytes.
  static func fingerprint(_ bytes: [UInt8]) -> String { "xxh64:" + String(xxHash64(bytes), radix: 16) }

  public static func read(records: [CSVRecord], path: String, options: TableOptions) throws -> LoadedTable {
    try read(table: CSVTable(records: records), path: path, options: options)
  }

  /// Reads the parsed file by record and column: only the values the dataset keeps become
  /// numbers or strings (no string per field, no copy of a column).
  public static func read(table: CSVTable, path: String, options: TableOptions) throws -> LoadedTable {
    var layout = try Layout(table: table, path: path, options: options)
    let (rows, features) = try layout.rowsAndValues()
    let labelTexts = rows.map { row in layout.label.map { table.field(row, $0) } ?? "?" }
    let classNames = Array(Set(labelTexts)).sorted()
    let classIndex = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($1, $0) })
    let groups = try layout.groups(of: rows)
    layout.summary.rows = rows.count
    layout.summary.groupCount = Set(groups).count
    layout.summary.warnings += caseCollisions(classNames).map { "labels \($0.map { excerpt($0) }.joined(separator: " and ")) differ only by case; they are different classes" }
    let dataset = Dataset(
      features: Matrix(rows: rows.count, columns: layout.featureIndices.count, values: features),
      labels: labelTexts.map { classIndex[$0]! }, classNames: classNames,
      featureNames: layout.featureIndices.map { layout.columns[$0] },
      categorical: layout.categoricalIndices.map { c in
        CategoricalColumn(name: layout.columns[c], values: rows.map { layout.isMissing(layout.text($0, c)) ? nil : layout.text($0, c) })
      },
      groups: groups, sources: layout.sources(rows), rowNames: layout.rowNames(rows))
    return LoadedTable(dataset: dataset, summary: layout.summary, hasLabels: layout.label != nil)
  }

  /// Groups of class names equal but for case (`BLUES`, `blues`).
  static func caseCollisions(_ names: [String]) -> [[String]] {
    Dictionary(grouping: names) { $0.lowercased() }.values.filter { $0.count > 1 }.map { $0.sorted() }.sorted { $0[0] < $1[0] }
  }

  /// The table's header, its data records (by index in the parsed file) and the role of each
  /// column.
  private struct Layout {
    let path: String
    let options: TableOptions
    let table: CSVTable
    let columns: [String]
    /// The data records kept (not empty), by index in `table`.
    let records: [Int]
    /// The 1-based number of each data record of `table` (empty ones counted), by index.
    let recordNumbers: [Int]
    let headerLine: Int
    let label: Int?
    let filename: Int?
    let id: Int?
    var featureIndices: [Int] = []
    var categoricalIndices: [Int] = []
    var summary: TableSummary

    init(table: CSVTable, path: String, options: TableOptions) throws {
      self.path = path
      self.options = options
      self.table = table
      guard table.count > 0 else { throw TableError(path: path, reason: "the table is empty") }
      headerLine = table.lines[0]
      columns = (0..<table.fieldCount(0)).map { table.field(0, $0).trimmingWhitespace() }
      var firstPosition: [String: Int] = [:]
      for (position, name) in columns.enumerated() {
        if let first = firstPosition[name] {
          throw TableError(
            path: path, line: headerLine, column: position + 1,
            reason: "column \(excerpt(name)) appears twice, in columns \(first + 1) and \(position + 1); rename one")
        }
        firstPosition[name] = position
      }
      var summary = TableSummary(path: path, rows: 0)
      var kept: [Int] = []
      kept.reserveCapacity(table.count - 1)
      var numbers = [0]
      numbers.reserveCapacity(table.count)
      for record in 1..<table.count {
        numbers.append(record)
        let fields = table.fieldCount(record)
        if (0..<fields).allSatisfy({ Self.isBlank(table, record, $0) }) {
          summary.skippedEmptyRecords += 1
          continue
        }
        guard fields == columns.count else {
          throw TableError(path: path, line: table.lines[record], reason: "expected \(columns.count) fields as in the header, found \(fields)")
        }
        kept.append(record)
      }
      guard !kept.isEmpty else { throw TableError(path: path, line: headerLine, reason: "the table has a header but no rows") }
      records = kept
      recordNumbers = numbers
      let names = columns
      let headerLine = headerLine
      func index(of name: String, role: String) throws -> Int {
        guard let i = firstPosition[name] else {
          throw TableError(
            path: path, line: headerLine,
            reason: "no \(role) column \(excerpt(name)) (columns: \(excerpt(names.joined(separator: ", "), limit: 400)))")
        }
        return i
      }
      label = options.labelOptional && firstPosition[options.labelColumn] == nil ? nil : try index(of: options.labelColumn, role: "label")
      filename = firstPosition["filename"]
      id = try options.idColumn.map { try index(of: $0, role: "id") }
      let group: Int?
      if case .column(let name) = options.grouping { group = try index(of: name, role: "group") } else { group = nil }
      categoricalIndices = try options.categoricalColumns.map { try index(of: $0, role: "categorical") }
      if let label, categoricalIndices.contains(label) {
        throw TableError(path: path, line: headerLine, reason: "the label column \(excerpt(columns[label])) cannot also be a categorical feature")
      }
      summary.categoricalColumns = categoricalIndices.map { names[$0] }
      self.summary = summary
      if let requested = options.featureColumns {
        featureIndices = try requested.map { try index(of: $0, role: "feature") }
      } else {
        var roles: [Int: String] = [:]
        for (c, role) in [(label, "label"), (group, "group"), (id, "id"), (filename, "row name")] { if let c { roles[c] = role } }
        if filename != nil, let length = firstPosition["length"] { roles[length] = "GTZAN clip length" }
        for name in options.excludedColumns { roles[try index(of: name, role: "excluded")] = "excluded" }
        for c in categoricalIndices { roles[c] = "categorical" }
        for c in columns.indices where roles[c] == nil {
          if !isNumeric(column: c) {
            self.summary.leftOut.append(.init(column: columns[c], reason: "text"))
          } else if isIdentifier(column: c) {
            self.summary.leftOut.append(.init(column: columns[c], reason: "id-like: a different integer in every row"))
          } else {
            featureIndices.append(c)
          }
        }
      }
      guard !featureIndices.isEmpty || !categoricalIndices.isEmpty else {
        throw TableError(path: path, line: headerLine, reason: "no numeric feature columns")
      }
      self.summary.featureColumns = featureIndices.map { names[$0] }
      if let length = firstPosition["length"] {
        let lengths = kept.compactMap { Int(text($0, length)) }.sorted()
        if !lengths.isEmpty { self.summary.medianLength = lengths[lengths.count / 2] }
      }
    }

    /// Whether a field is empty or whitespace (checked on its bytes when the first is plain).
    static func isBlank(_ table: CSVTable, _ record: Int, _ column: Int) -> Bool {
      let plain = table.withField(record, column) { bytes in
        bytes.first.map { $0 < 0x80 && $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
      }
      if plain == true { return false }
      return plain == nil || table.field(record, column).trimmingWhitespace().isEmpty
    }

    /// Field `column` of `record`, trimmed.
    func text(_ record: Int, _ column: Int) -> String { table.field(record, column).trimmingWhitespace() }

    /// Field `column` of `record` as a number, if it is one: a plain decimal straight from its
    /// bytes, anything else through a string.
    func number(_ record: Int, _ column: Int) -> Double? {
      table.plainDecimalValue(record, column) ?? Double(text(record, column))
    }

    func isMissing(_ field: String) -> Bool { options.missingMarkers.contains(field.trimmingWhitespace()) }

    /// The records to use and their row-major feature values (NaN for missing ones, when they
    /// are allowed). Rows are checked in file order, so the first problem is the one reported;
    /// unlabelled rows are dropped (and counted) or refused.
    mutating func rowsAndValues() throws -> ([Int], [Double]) {
      var rows: [Int] = []
      rows.reserveCapacity(records.count)
      var values = [Double]()
      values.reserveCapacity(records.count * featureIndices.count)
      for row in records {
        if let label, !options.labelOptional, Self.isBlank(table, row, label) {
          guard options.dropUnlabelled else {
            throw TableError(path: path, line: table.lines[row], column: label + 1, reason: "empty label", remedy: .dropUnlabelled)
          }
          summary.droppedUnlabelled += 1
          continue
        }
        rows.append(row)
        for c in featureIndices {
          if let value = number(row, c), value.isFinite {
            values.append(value)
            continue
          }
          let field = text(row, c)
          guard isMissing(field) || Double(field) != nil else {
            throw TableError(
              path: path, line: table.lines[row], column: c + 1, reason: "\(excerpt(field)) in column \(excerpt(columns[c])) is not a number")
          }
          guard options.allowMissing else {
            throw TableError(
              path: path, line: table.lines[row], column: c + 1,
              reason: "missing or non-finite value \(excerpt(field)) in column \(excerpt(columns[c]))", remedy: .impute)
          }
          values.append(.nan)
        }
      }
      guard !rows.isEmpty else { throw TableError(path: path, reason: "every row is unlabelled") }
      return (rows, values)
    }

    mutating func groups(of rows: [Int]) throws -> [String] {
      switch options.grouping {
      case .column(let name):
        let c = columns.firstIndex(of: name)!
        summary.grouping = "column \(name)"
        return rows.map { table.field($0, c) }
      case .row:
        summary.grouping = "each row its own group"
        return rows.indices.map { "row \($0 + 1)" }
      case .automatic:
        if let filename {
          summary.grouping = "the GTZAN track of filename"
          return rows.map { trackIdentifier(ofFileName: table.field($0, filename)) }
        }
        if let evidence = segmentEvidence(rows) {
          throw TableError(
            path: path, line: headerLine,
            reason: "the rows look like segments of tracks (\(evidence)) but no group is known, so segments of one track would straddle training and test",
            remedy: .chooseGrouping)
        }
        summary.grouping = "each row its own group (no filename column)"
        return rows.indices.map { "row \($0 + 1)" }
      }
    }

    /// Why rows look like segments of tracks, if they do: a text column of segment names
    /// (`name.3.wav`) whose tracks repeat, or a GTZAN `length` column of one segment length.
    func segmentEvidence(_ rows: [Int]) -> String? {
      for c in columns.indices where c != label {
        let names = rows.map { SegmentName(parsing: table.field($0, c)) }
        let tracks = names.filter { $0.segment != nil }.map(\.track)
        if tracks.count * 2 > rows.count, Set(tracks).count < tracks.count {
          return "column \(columns[c]) holds segment names such as \(excerpt(table.field(rows[names.firstIndex { $0.segment != nil }!], c)))"
        }
      }
      if let length = columns.firstIndex(of: "length") {
        let lengths = Set(rows.map { text($0, length) })
        // A segment of s seconds holds s·22050 − 1 samples under the Kaggle rule.
        if lengths.count == 1, let value = Int(lengths.first!), value > 0, (value + 1) % 22050 == 0 {
          return "column length is \(value) in every row, one segment's length"
        }
      }
      return nil
    }

    /// The GTZAN track of `filename` when there is one, else the row itself.
    func sources(_ rows: [Int]) -> [String] {
      if let filename { return rows.map { SegmentName(parsing: table.field($0, filename)).track } }
      return rows.map { "row \(recordNumbers[$0])" }
    }

    func rowNames(_ rows: [Int]) -> [String] {
      if let name = id ?? filename { return rows.map { table.field($0, name) } }
      return rows.map { String(recordNumbers[$0]) }
    }

    /// A column is numeric when most values present parse as numbers (a stray word in a numeric
    /// column is then reported as an error, while a text column with a few number-like titles
    /// stays text). Stops once either side has the majority.
    func isNumeric(column c: Int) -> Bool {
      var numbers = 0
      var texts = 0
      for row in records {
        if number(row, c) != nil {
          numbers += 1
        } else if !options.missingMarkers.contains(text(row, c)) {
          texts += 1
        }
        if 2 * numbers > records.count { return true }
        if 2 * texts >= records.count { return false }
      }
      return numbers > texts
    }

    /// An identifier, not a measurement: whole numbers, a different one in every row, and either
    /// an id-like name (`id`, `track_id`, `index`, pandas' `Unnamed: 0`) or, in 10 rows or more,
    /// the row number itself (0, 1, 2, … or 1, 2, 3, … in file order), so that a measured column
    /// such as a duration is never taken for one. Stops at the first value that rules it out.
    func isIdentifier(column c: Int) -> Bool {
      let name = columns[c]
      let lower = name.lowercased()
      let idName = lower == "id" || lower.hasSuffix("_id") || lower.hasSuffix(" id") || name.hasSuffix("Id") || name.hasSuffix("ID")
        || lower == "index" || lower.hasPrefix("unnamed:") || lower.isEmpty
      guard records.count >= 2 else { return false }
      var seen = Set<Double>()
      var previous: Double?
      var counting = records.count >= 10
      for row in records {
        guard let value = number(row, c), value == value.rounded(), abs(value) < 1e15 else { return false }
        if counting, let previous { counting = value == previous + 1 } else if counting { counting = value == 0 || value == 1 }
        previous = value
        // Row numbers are different by construction; an id-like name needs the check.
        if !counting {
          guard idName else { return false }
          guard seen.insert(value).inserted else { return false }
        } else if idName {
          seen.insert(value)
        }
      }
      return true
    }
  }
}

/// The GTZAN track of a row name (`SegmentName`'s rule): `blues.00000` for `blues.00000.wav`,
/// `blues.00000.au`, `blues.00000.3.wav` (segment 3) and `blues/blues.00000.wav` (split lists).
public func trackIdentifier(ofFileName name: String) -> String { SegmentName(parsing: name).track }
