import ArgumentParser
import Foundation
import Learning

/// How to read a feature table: shared by compare, split, train, evaluate and pca.
struct TableArguments: ParsableArguments {
  @Option(help: "The label column (default: label, or the model's for evaluate).")
  var label: String?

  var labelColumn: String { label ?? "label" }

  @Option(help: "Group column: rows sharing a value never straddle a split; 'row': every row its own group (default: the GTZAN track of 'filename').")
  var group: String?

  @Option(help: "Comma-separated feature columns (default: every numeric column but label, group, id, filename, length).")
  var features: String?

  @Option(help: "Comma-separated columns to leave out of the default feature set.")
  var exclude: String?

  @Option(help: "Comma-separated text columns to one-hot encode (categories learned on the training part).")
  var categorical: String?

  @Option(help: "The column that names rows in outputs (default: filename, else the row number).")
  var id: String?

  @Option(help: "Field delimiter, ',' or ';' (default: detected).")
  var delimiter: String?

  @Option(help: "Comma-separated values that mean 'missing' (default: pandas' na_values and '?'; '' for the empty field).")
  var naValues: String?

  @Option(help: "Fill missing values from the training part: mean, median or most-frequent (default: missing values are an error).")
  var impute: Imputer.Strategy?

  @Flag(help: "Skip rows with an empty label (they are counted) instead of refusing the table.")
  var dropUnlabelled = false

  func validate() throws {
    if features != nil && exclude != nil { throw ValidationError("use either --features or --exclude") }
    _ = try Self.delimiterByte(delimiter)
    for (flag, value) in [("--features", features), ("--exclude", exclude), ("--categorical", categorical)] {
      if let value, Self.list(value).isEmpty { throw ValidationError("\(flag) needs at least one column name") }
    }
  }

  var options: Learning.TableOptions {
    var options = Learning.TableOptions()
    options.labelColumn = labelColumn
    options.grouping = group.map { $0 == "row" ? .row : .column($0) } ?? .automatic
    options.featureColumns = features.map(Self.list)
    options.excludedColumns = exclude.map(Self.list) ?? []
    options.categoricalColumns = categorical.map(Self.list) ?? []
    options.idColumn = id
    options.delimiter = try? Self.delimiterByte(delimiter)
    if let naValues { options.missingMarkers = Self.markers(naValues) }
    options.allowMissing = impute != nil
    options.dropUnlabelled = dropUnlabelled
    return options
  }

  /// Reads the table and says on stderr how it was read (rows, features, what was left out, the
  /// grouping).
  func read(_ path: String) throws -> LoadedTable { try Self.read(path, options: options) }

  static func read(_ path: String, options: Learning.TableOptions) throws -> LoadedTable {
    let table = try TableReader.read(path: path, options: options)
    for line in table.summary.lines { log("genrekit: \(line)") }
    return table
  }

  /// The table at `path`, or without one the bundled GTZAN 30-s table (named so, not by where
  /// the build put it).
  func readOrBundled(_ path: String?) throws -> LoadedTable {
    guard path == nil else { return try read(path!) }
    var table = try TableReader.read(path: EmbeddedTables.gtzan30Seconds, options: options)
    table.summary.path = EmbeddedTables.gtzan30SecondsName
    for line in table.summary.lines { log("genrekit: \(line)") }
    return table
  }

  /// `--na-values a,b,`: the markers, the empty field included where an entry is empty.
  static func markers(_ text: String) -> Set<String> {
    Set(text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) })
  }

  /// `--delimiter`: ',' or ';', or nil to detect it from the header.
  static func delimiterByte(_ text: String?) throws -> UInt8? {
    guard let text else { return nil }
    guard text == "," || text == ";" else { throw ValidationError("--delimiter must be ',' or ';'") }
    return UInt8(ascii: text.unicodeScalars.first!)
  }

  static func list(_ text: String) -> [String] {
    text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
  }
}

extension Imputer.Strategy: ExpressibleByArgument {}

/// How to split a table: one logic for every model.
struct SplitArguments: ParsableArguments {
  @Option(help: "A split file: CSV 'id,fold' or 'id,set' (set = train, valid or test), id = group.")
  var split: String?

  @Option(help: "Three list files train,valid,test of track paths (e.g. the GTZAN fault-filtered lists).")
  var splitLists: String?

  @Option(help: "Stratified group k-fold with this many folds (default: 5).")
  var folds: Int?

  @Option(help: "One stratified group holdout with this fraction of rows in the test part.")
  var testSize: Double?

  @Option(help: "Seed of every random choice.")
  var seed: UInt64 = 0

  func validate() throws {
    let given = [split != nil, splitLists != nil, folds != nil, testSize != nil].filter { $0 }.count
    if given > 1 { throw ValidationError("give one of --split, --split-lists, --folds and --test-size") }
    if let folds, folds < 2 { throw ValidationError("--folds must be at least 2") }
    if let testSize, !(testSize > 0 && testSize < 1) { throw ValidationError("--test-size must be between 0 and 1") }
    if let splitLists, TableArguments.list(splitLists).count != 3 {
      throw ValidationError("--split-lists takes three files: train,valid,test")
    }
  }

  var strategy: SplitStrategy {
    get throws {
      if let split { return .assignment(try SplitFiles.read(path: split)) }
      if let splitLists {
        let files = TableArguments.list(splitLists)
        return .assignment(try SplitFiles.readLists(train: files[0], valid: files[1], test: files[2]))
      }
      if let testSize { return .holdout(testFraction: testSize) }
      return .folds(folds ?? 5)
    }
  }

  /// The files the split options read.
  var files: [String] { [split].compactMap { $0 } + (splitLists.map(TableArguments.list) ?? []) }

  /// Whether any split option was given (train and evaluate then use the first fold).
  var isGiven: Bool { split != nil || splitLists != nil || folds != nil || testSize != nil }

  var description: String {
    if let split { return "split file \(split)" }
    if let splitLists { return "split lists \(splitLists)" }
    if let testSize { return "stratified group holdout, test \(testSize), seed \(seed)" }
    return "stratified group \(folds ?? 5)-fold, seed \(seed)"
  }

  /// The folds, with a note on stderr when rows were left out.
  func folds(of dataset: some GroupedExamples) throws -> [SplitFold] {
    let (folds, leftOut) = try Splitter.folds(of: dataset, strategy: strategy, seed: seed)
    if leftOut > 0 { log("genrekit: \(leftOut) of \(dataset.count) rows belong to no split set and were left out") }
    return folds
  }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case table, csv, json
}

