import ArgumentParser
import Foundation
import Learning

/// How to read a feature table: shared by compare, split, train, evaluate, predict and pca.
struct TableArguments: ParsableArguments {
  @Option(help: "The label column.")
  var label = "label"

  @Option(help: "Group column: rows sharing a value never straddle a split (default: the GTZAN track of 'filename').")
  var group: String?

  @Option(help: "Comma-separated feature columns (default: every numeric column but label, group, filename, length).")
  var features: String?

  @Option(help: "Comma-separated columns to leave out of the default feature set.")
  var exclude: String?

  @Option(help: "Field delimiter, ',' or ';' (default: detected).")
  var delimiter: String?

  @Option(help: "How to fill missing values: 'mean' of the training rows (default: missing values are an error).")
  var impute: String?

  func validate() throws {
    if features != nil && exclude != nil { throw ValidationError("use either --features or --exclude") }
    _ = try Self.delimiterByte(delimiter)
    if let impute, impute != "mean" { throw ValidationError("--impute supports 'mean'") }
  }

  var options: Learning.TableOptions {
    var options = Learning.TableOptions()
    options.labelColumn = label
    options.groupColumn = group
    options.featureColumns = features.map(Self.list)
    options.excludedColumns = exclude.map(Self.list) ?? []
    options.delimiter = try? Self.delimiterByte(delimiter)
    options.allowMissing = impute == "mean"
    return options
  }

  func read(_ path: String) throws -> Dataset { try TableReader.read(path: path, options: options) }

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
  func folds(of dataset: Dataset) throws -> [SplitFold] {
    let (folds, leftOut) = try Splitter.folds(of: dataset, strategy: strategy, seed: seed)
    if leftOut > 0 { log("genrekit: \(leftOut) of \(dataset.count) rows belong to no split set and were left out") }
    return folds
  }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case table, csv, json
}

extension ModelKind: ExpressibleByArgument {}
