import ArgumentParser
import AudioBridge
import AudioFeatures
import Foundation
import Learning
import TabularIO
import TensorIO

struct Compare: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compare",
    abstract: "Train and score several models on one split of a feature table, side by side.",
    discussion: """
      Without a table, the GTZAN 30-s table bundled with GenreKit is used. Every model is fitted \
      and scored on the same folds; rows of one group (a track, an artist) never straddle a fold's \
      training and test parts.

      With --audio, the inputs are audio files or folders (labels: the parent folder): every model \
      on its own input (the table models on 30-s and on 3-s rows, the HMMs on 13-MFCC frames and \
      the networks cnn and fnn on 128-band log-mel spectrograms of the same 3-s segments), all on \
      one split of the tracks, scored per segment and per track.

      Examples:
        genrekit compare
        genrekit compare features_3_sec.csv --folds 10 --models knn,forest
        genrekit compare spotify_songs.csv --label playlist_genre \\
          --group track_artist --test-size 0.2 --format csv
        genrekit compare --audio genres/ --cache .genrekit-cache \\
          --save-split split.csv
      """)

  @Argument(help: "A feature table (CSV; - for standard input; default: the bundled GTZAN features_30_sec.csv), or with --audio audio files and folders.")
  var inputs: [String] = []

  @Flag(help: "Compare every model from audio inputs, on one split of the tracks.")
  var audio = false

  @Option(help: "--audio: keep each file's features here (keyed by its content and the settings); a second run decodes nothing.")
  var cache: String?

  @Option(help: "--audio: write the split of the tracks here (id,fold or id,set).")
  var saveSplit: String?

  @OptionGroup var tableArguments: TableArguments
  @OptionGroup var splitArguments: SplitArguments

  @Option(help: "Comma-separated models (default: every one the input suits: \(ModelRegistry.names) from audio).")
  var models: String?

  @Option(help: "Project on this many principal components before every model.")
  var pca: Int?

  @Option(help: "Threads; the results do not depend on it.")
  var jobs = Parallelism.allCores

  @Option(help: "table, csv or json.")
  var format = OutputFormat.table

  @Flag(help: "No progress on stderr.")
  var quiet = false

  @Option(help: "Also write the results as JSON (what --format json prints, for 'genrekit plot') to this file.")
  var saveResults: String?

  /// The models this input suits: table models, and from audio every model.
  var available: [String] { ModelRegistry.kinds.filter { audio || $0.input == .featureRows }.map(\.name) }

  var modelNames: [String] { models.map(TableArguments.list) ?? available }

  func validate() throws {
    guard !modelNames.isEmpty else { throw ValidationError("--models needs at least one of \(available.joined(separator: ", "))") }
    for name in modelNames where !available.contains(name) {
      throw ValidationError("unknown model \(excerpt(name)) for \(audio ? "audio" : "a table") (models: \(available.joined(separator: ", ")))")
    }
    if audio {
      guard !inputs.isEmpty else { throw ValidationError("--audio needs audio files or folders") }
      if tableArguments.group != nil { throw ValidationError("--group does not apply to --audio: the groups are the tracks") }
    } else {
      if inputs.count > 1 { throw ValidationError("give one table (or --audio with audio inputs)") }
      if cache != nil || saveSplit != nil { throw ValidationError("--cache and --save-split go with --audio") }
    }
  }

  func run() throws {
    useTheCPUsBLASKernels()
    if audio { return try compareAudio() }
    let path = inputs.first ?? EmbeddedTables.gtzan30Seconds
    if let saveResults { try OutputSafety.check(outputs: [("--save-results", saveResults)], inputs: [path] + splitArguments.files) }
    let table = try TableReader.read(path: path, options: tableArguments.options)
    let dataset = table.dataset
    let folds = try splitArguments.folds(of: dataset)
    let pipelines = try modelNames.map { name in
      let kind = ModelRegistry.kind(named: name)!
      return (name, PipelineSettings(model: try kind.settings(seed: splitArguments.seed), pcaComponents: pca, imputation: tableArguments.impute))
    }
    var summary = table.summary
    if inputs.isEmpty { summary.path = EmbeddedTables.gtzan30SecondsName }
    let header = summary.lines + ["split: \(splitArguments.description)" + (pca.map { "; PCA \($0) components" } ?? "")]
      + Self.partSizes(folds, of: dataset)
    // The table format is for people: how the table was read heads the output. Otherwise stderr.
    if format != .table { for line in header { log("genrekit: \(line)") } }
    let progress = Progress(unit: "fits", quiet: quiet)
    let scores = try Comparison.run(pipelines, on: dataset, folds: folds, threads: jobs.count) { done, total, model in
      progress.update(done: done, total: total, note: model)
    }
    progress.interrupt()
    for score in scores where score.unconvergedFolds > 0 {
      log("genrekit: warning: \(score.model) stopped at its iteration limit in \(score.unconvergedFolds) of \(folds.count) folds")
    }
    print(try render(scores, header: header, dataset: dataset, folds: folds, as: format), terminator: "")
    try save { try render(scores, header: header, dataset: dataset, folds: folds, as: .json) }
  }

  /// Writes `--save-results`, if given.
  func save(_ json: () throws -> String) throws {
    guard let saveResults else { return }
    let writer = try AtomicFileWriter(destination: saveResults)
    writer.write(try json())
    try writer.commit()
  }

  /// Rows and groups in each part of each fold.
  static func partSizes(_ folds: [SplitFold], of dataset: Dataset) -> [String] {
    func part(_ rows: [Int]) -> String { "\(rows.count) rows (\(Set(rows.map { dataset.groups[$0] }).count) groups)" }
    return folds.enumerated().map { f, fold in
      "fold \(f + 1): train \(part(fold.trainingRows)), test \(part(fold.test))"
    }
  }

  private func render(_ scores: [ModelScore], header: [String], dataset: Dataset, folds: [SplitFold], as format: OutputFormat) throws -> String {
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
