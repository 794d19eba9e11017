import ArgumentParser
import Foundation
import Learning

struct Compare: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compare",
    abstract: "Train and score several models on one split of a feature table, side by side.",
    discussion: "Without a table, the GTZAN 30-s table bundled with GenreKit is used.")

  @Argument(help: "A feature table (CSV). Default: the bundled GTZAN features_30_sec.csv.")
  var table: String?

  @OptionGroup var tableArguments: TableArguments
  @OptionGroup var splitArguments: SplitArguments

  @Option(help: "Comma-separated models: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")).")
  var models = ModelKind.allCases.map(\.rawValue).joined(separator: ",")

  @Option(help: "Project on this many principal components before every model.")
  var pca: Int?

  @Option(help: "Threads for models that use them (default: all cores).")
  var jobs = ProcessInfo.processInfo.activeProcessorCount

  @Option(help: "table, csv or json.")
  var format = OutputFormat.table

  func validate() throws {
    guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    for name in TableArguments.list(models) where ModelKind(rawValue: name) == nil {
      throw ValidationError("unknown model '\(name)' (models: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")))")
    }
  }

  func run() throws {
    let path = table ?? EmbeddedTables.gtzan30Seconds
    let dataset = try tableArguments.read(path)
    let folds = try splitArguments.folds(of: dataset)
    let pipelines = TableArguments.list(models).map { name in
      let kind = ModelKind(rawValue: name)!
      return (name, PipelineSettings(model: .defaults(for: kind, seed: splitArguments.seed), pcaComponents: pca))
    }
    let scores = try Comparison.run(pipelines, on: dataset, folds: folds, threads: jobs)
    print(try render(scores, table: table ?? "bundled GTZAN features_30_sec.csv", dataset: dataset), terminator: "")
  }

  private func render(_ scores: [ModelScore], table: String, dataset: Dataset) throws -> String {
    switch format {
    case .csv:
      return (["model,accuracy,macro_f1,fit_seconds,predict_seconds"] + scores.map {
        "\($0.model),\($0.accuracy.mean),\($0.macroF1.mean),\($0.fitSeconds),\($0.predictSeconds)"
      }).joined(separator: "\n") + "\n"
    case .json:
      return try prettyJSON(scores) + "\n"
    case .table:
      var lines = [
        "\(table): \(dataset.count) rows, \(dataset.featureNames.count) features, \(dataset.classNames.count) classes",
        "split: \(splitArguments.description)" + (pca.map { "; PCA \($0) components" } ?? ""),
        "",
        "model    accuracy          macro-F1          fit s     predict s",
      ]
      for s in scores {
        lines.append(
          String(
            format: "%@ %.3f ± %.3f     %.3f ± %.3f     %8.3f  %8.3f", s.model.padding(toLength: 8, withPad: " ", startingAt: 0), s.accuracy.mean, s.accuracy.std,
            s.macroF1.mean, s.macroF1.std, s.fitSeconds, s.predictSeconds))
      }
      return lines.joined(separator: "\n") + "\n"
    }
  }
}
