import ArgumentParser
import Foundation
import Learning
import TabularIO

struct Compare: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compare",
    abstract: "Train and score several models on one split of a feature table, side by side.",
    discussion: """
      Without a table, the GTZAN 30-s table bundled with GenreKit is used. Every model is fitted \
      and scored on the same folds; rows of one group (a track, an artist) never straddle a fold's \
      training and test parts.

      Examples:
        genrekit compare
        genrekit compare features_3_sec.csv --folds 10 --models knn,forest
        genrekit compare spotify_songs.csv --label playlist_genre --group track_artist --test-size 0.2 --format csv
      """)

  @Argument(help: "A feature table (CSV; - for standard input). Default: the bundled GTZAN features_30_sec.csv.")
  var table: String?

  @OptionGroup var tableArguments: TableArguments
  @OptionGroup var splitArguments: SplitArguments

  @Option(help: "Comma-separated models: \(ModelRegistry.kinds(reading: .featureRows).map(\.name).joined(separator: ", ")).")
  var models = ModelRegistry.kinds(reading: .featureRows).map(\.name).joined(separator: ",")

  @Option(help: "Project on this many principal components before every model.")
  var pca: Int?

  @Option(help: "Threads (default: all cores); the results do not depend on it.")
  var jobs = ProcessInfo.processInfo.activeProcessorCount

  @Option(help: "table, csv or json.")
  var format = OutputFormat.table

  func validate() throws {
    guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    let names = TableArguments.list(models)
    let tableModels = ModelRegistry.kinds(reading: .featureRows).map(\.name)
    guard !names.isEmpty else { throw ValidationError("--models needs at least one of \(tableModels.joined(separator: ", "))") }
    for name in names where !tableModels.contains(name) {
      throw ValidationError("unknown model \(excerpt(name)) for a table (models: \(tableModels.joined(separator: ", ")))")
    }
  }

  func run() throws {
    let path = table ?? EmbeddedTables.gtzan30Seconds
    let table = try TableReader.read(path: path, options: tableArguments.options)
    let dataset = table.dataset
    let folds = try splitArguments.folds(of: dataset)
    let pipelines = try TableArguments.list(models).map { name in
      let kind = ModelRegistry.kind(named: name)!
      return (name, PipelineSettings(model: try kind.settings(seed: splitArguments.seed), pcaComponents: pca, imputation: tableArguments.impute))
    }
    var summary = table.summary
    if self.table == nil { summary.path = "bundled GTZAN features_30_sec.csv" }
    let header = summary.lines + ["split: \(splitArguments.description)" + (pca.map { "; PCA \($0) components" } ?? "")]
      + Self.partSizes(folds, of: dataset)
    // The table format is for people: how the table was read heads the output. Otherwise stderr.
    if format != .table { for line in header { log("genrekit: \(line)") } }
    let progress = Progress(unit: "fits")
    let scores = try Comparison.run(pipelines, on: dataset, folds: folds, threads: jobs) { done, total, model in
      progress.update(done: done, total: total, note: model)
    }
    progress.interrupt()
    for score in scores where score.unconvergedFolds > 0 {
      log("genrekit: warning: \(score.model) stopped at its iteration limit in \(score.unconvergedFolds) of \(folds.count) folds")
    }
    print(try render(scores, header: header, dataset: dataset, folds: folds), terminator: "")
  }

  /// Rows and groups in each part of each fold.
  static func partSizes(_ folds: [SplitFold], of dataset: Dataset) -> [String] {
    func part(_ rows: [Int]) -> String { "\(rows.count) rows (\(Set(rows.map { dataset.groups[$0] }).count) groups)" }
    return folds.enumerated().map { f, fold in
      "fold \(f + 1): train \(part(fold.trainingRows)), test \(part(fold.test))"
    }
  }

  private func render(_ scores: [ModelScore], header: [String], dataset: Dataset, folds: [SplitFold]) throws -> String {
    switch format {
    case .csv:
      let rows = scores.map {
        ["\($0.model)", "\($0.accuracy.mean)", "\($0.macroF1.mean)", "\($0.fitSeconds)", "\($0.predictSeconds)", "\($0.accuracy.std)", "\($0.macroF1.std)"]
      }
      return ([["model", "accuracy", "macro_f1", "fit_seconds", "predict_seconds", "accuracy_std", "macro_f1_std"]] + rows)
        .map { $0.joined(separator: ",") + "\n" }.joined()
    case .json:
      struct Output: Encodable {
        var table: [String]
        var split: String
        var classes: [String]
        var folds: [[String: Int]]
        var models: [ModelScore]
      }
      let sizes = folds.map { ["train": $0.trainingRows.count, "test": $0.test.count] }
      return try prettyJSON(Output(table: header, split: splitArguments.description, classes: dataset.classNames, folds: sizes, models: scores)) + "\n"
    case .table:
      let rows = scores.map { s in
        [s.model, String(format: "%.3f ± %.3f", s.accuracy.mean, s.accuracy.std), String(format: "%.3f ± %.3f", s.macroF1.mean, s.macroF1.std),
         String(format: "%.3f", s.fitSeconds), String(format: "%.3f", s.predictSeconds)]
      }
      let table = TextTable(header: ["model", "accuracy", "macro-F1", "fit s", "predict s"], rows: rows)
      return (header + [""] + table.lines).joined(separator: "\n") + "\n"
    }
  }
}
