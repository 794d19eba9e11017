import ArgumentParser
import AudioBridge
import AudioFeatures
import Foundation
import Learning
import TabularIO

/// Hyperparameters on the command line; defaults are the library's (scikit-learn's). Each model
/// kind takes the options its registration lists; another one is an error naming those.
struct HyperparameterArguments: ParsableArguments {
  @Option(help: "knn: neighbours (default 5).") var k: Int?
  @Option(help: "knn: uniform or distance (default uniform).") var weights: String?
  @Option(help: "forest: trees (default 100).") var trees: Int?
  @Option(help: "forest: maximum depth (default unlimited).") var maxDepth: Int?
  @Option(help: "logreg: inverse regularisation C (default 1).") var c: Double?
  @Option(help: "logreg/mlp: maximum iterations or epochs (default 1000 / 500).") var maxIter: Int?
  @Option(help: "mlp: hidden layer sizes, comma-separated (default 100).") var hidden: String?
  @Option(help: "mlp: L2 penalty alpha (default 1e-4).") var alpha: Double?
  @Option(help: "mlp/cnn/fnn: Adam learning rate (default 1e-3).") var learningRate: Double?
  @Option(help: "mlp/cnn/fnn: dropout rate (default 0 / 0.3 / 0.3).") var dropout: Double?
  @Option(help: "mlp/cnn/fnn: the fraction of the training tracks held out for early stopping (default off / 0.2 / 0.2).")
  var validationFraction: Double?
  @Option(help: "cnn: filters of each convolution block, comma-separated (default 16,32,64).") var filters: String?
  @Option(help: "cnn/fnn: units of the hidden dense layers, comma-separated (default 64 / 256,64).") var dense: String?
  @Option(help: "cnn/fnn: epochs at most (default 30).") var epochs: Int?
  @Option(help: "cnn/fnn: examples per batch (default 32).") var batchSize: Int?
  @Option(help: "cnn/fnn: epochs without a lower validation loss before stopping (default 5).") var patience: Int?
  @Option(help: "cnn/fnn: L2 penalty on the kernels, l2·Σw² (default 0).") var l2: Double?
  @Option(help: "cnn/fnn: training-batch augmentation: none, or flip, noise, shift, comma-separated (default none).") var augment: String?
  @Option(help: "hmm: hidden states per class (default 4).") var states: Int?
  @Option(help: "hmm: covariance, diag or full (default diag).") var covariance: String?
  @Option(help: "hmm: EM iterations at most (default 20).") var iterations: Int?
  @Option(help: "hmm: EM stops when the log-likelihood gains less than this (default 0.01).") var tolerance: Double?
  @Option(help: "Standardise features: true or false (default: true except for forest).") var scale: Bool?
  @Option(help: "Project on this many principal components first.") var pca: Int?

  /// The model options given, by their registered names.
  var given: [String: String] {
    let options: [String: CustomStringConvertible?] = [
      "k": k, "weights": weights, "trees": trees, "max-depth": maxDepth, "c": c, "max-iter": maxIter, "hidden": hidden,
      "alpha": alpha, "learning-rate": learningRate, "dropout": dropout, "validation-fraction": validationFraction,
      "states": states, "covariance": covariance, "iterations": iterations, "tolerance": tolerance, "filters": filters, "dense": dense,
      "epochs": epochs, "batch-size": batchSize, "patience": patience, "l2": l2, "augment": augment,
    ]
    return options.compactMapValues { $0?.description }
  }

  func pipeline(for kind: ModelKind, seed: UInt64, imputation: Imputer.Strategy?) throws -> PipelineSettings {
    PipelineSettings(model: try kind.settings(seed: seed, options: given), scale: scale, pcaComponents: pca, imputation: imputation)
  }
}

extension ModelKind: ExpressibleByArgument {
  public init?(argument: String) {
    guard let kind = ModelRegistry.kind(named: argument) else { return nil }
    self = kind
  }

  public static var allValueStrings: [String] { ModelRegistry.kinds.map(\.name) }
}

struct Split: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "split", abstract: "Write a group-aware split file (id,fold or id,set).",
    discussion: """
      Examples:
        genrekit split features_3_sec.csv --folds 5 --output folds.csv
        genrekit split spotify_songs.csv --label playlist_genre \\
          --group track_artist --test-size 0.2 --output holdout.csv
      """)

  @Argument(help: "A feature table (CSV; - for standard input).") var table: String
  @OptionGroup var tableArguments: TableArguments
  @Option(help: "Stratified group k-fold with this many folds.") var folds: Int?
  @Option(help: "One stratified group holdout with this test fraction.") var testSize: Double?
  @Option(help: "Seed of every random choice.") var seed: UInt64 = 0
  @Option(help: "The split file to write (- for standard output).") var output: String

  func validate() throws {
    guard (folds == nil) != (testSize == nil) else { throw ValidationError("give exactly one of --folds and --test-size") }
  }

  func run() throws {
    try OutputSafety.check(outputs: [("--output", output)], inputs: [table])
    let dataset = try tableArguments.read(table).dataset
    let strategy: SplitStrategy = folds.map { .folds($0) } ?? .holdout(testFraction: testSize!)
    let (splitFolds, _) = try Splitter.folds(of: dataset, strategy: strategy, seed: seed)
    let writer = try AtomicFileWriter(destination: output)
    writer.write(SplitFiles.csv(folds: splitFolds, of: dataset))
    try writer.commit()
  }
}

struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "train",
    abstract: "Train one model and write it as a model file (JSON and a safetensors file beside it).",
    discussion: """
      With a split option, trains on the training part (and validation set) of the first fold and \
      records the test part in the model file, which 'genrekit evaluate' then scores; otherwise \
      trains on every row.

      A dataset directory from 'genrekit dataset' trains a model of its representation (hmm on MFCC \
      frames), split by track.

      Examples:
        genrekit train features_30_sec.csv --model forest --trees 200 \\
          --test-size 0.2 --output forest.json
        genrekit train spotify_songs.csv --label playlist_genre \\
          --group track_artist --categorical key,mode --impute median \\
          --model logreg --output logreg.json
        genrekit train mfcc13-3s --model hmm --covariance full --test-size 0.2 \\
          --output hmm.json
      """)

  @Argument(help: "A feature table (CSV; - for standard input), a dataset directory, or audio (a folder of genre folders).") var table: String
  @Option(help: "The model: \(ModelRegistry.names).") var model: ModelKind
  @Option(help: "Audio inputs: the segment length in seconds (the Kaggle rule).") var segmentSeconds = 3.0
  @Option(help: "Audio inputs, hmm: MFCC coefficients per frame.") var mfccCount = 13
  @OptionGroup var tableArguments: TableArguments
  @OptionGroup var splitArguments: SplitArguments
  @OptionGroup var hyperparameters: HyperparameterArguments
  @Option(help: "Threads; the model does not depend on it.") var jobs = Parallelism.allCores
  @Flag(help: "No progress on stderr.") var quiet = false
  @Option(help: "The model file to write (- for standard output, tensors embedded).") var output: String

  func validate() throws {
    guard Segmentation(segmentSeconds: segmentSeconds) != nil else { throw ValidationError("--segment-seconds must be a positive number of seconds") }
    guard (1...128).contains(mfccCount) else { throw ValidationError("--mfcc-count must be between 1 and 128") }
    // Options the model does not take, or bad values, before any work.
    do {
      _ = try model.settings(seed: splitArguments.seed, options: hyperparameters.given)
    } catch {
      throw ValidationError("\(error)")
    }
  }

  func run() throws {
    useTheCPUsBLASKernels()
    try OutputSafety.check(
      outputs: [("--output", output)] + (output == "-" ? [] : [("the tensor file", ModelFile.tensorFilePath(for: output))]),
      inputs: ExampleSource.files(of: table) + splitArguments.files)
    let audio = ExampleSource.AudioRequest(
      kind: model.input, settings: AudioExamples.Settings(segmentSeconds: segmentSeconds, mfccCount: mfccCount), jobs: jobs.count)
    switch try ExampleSource.read(table, options: tableArguments.options, audio: audio) {
    case .table(let table, let input): try train(on: table, input: input)
    case .dataset(let dataset): try train(on: dataset)
    }
  }

  private func progress() -> Progress {
    Progress(unit: [RandomForest.registration: "trees", HMMClassifier.registration: "EM iterations"][model] ?? "batches", quiet: quiet)
  }

  private func train(on dataset: SegmentDataset) throws {
    guard model.input == dataset.description.kind else {
      throw CLIFailure.usage("\(model.name) reads \(model.input.rawValue) from \(model.input.source); \(table) holds \(dataset.description.summary)")
    }
    // A network's training step allocates and frees arrays of tens of MB (~700 MB at most for
    // the default CNN).
    prepareHeap(reserve: 768 << 20)
    let data = dataset.trainingData
    let fold = splitArguments.isGiven ? try splitArguments.folds(of: data)[0] : nil
    let training = data.subset(fold?.trainingRows ?? Array(0..<data.count))
    let settings = try model.settings(seed: splitArguments.seed, options: hyperparameters.given)
    let progress = progress()
    let clock = ContinuousClock()
    let fitStart = clock.now
    let fitted = try settings.fit(training, threads: jobs.count) { done, total, note in progress.update(done: done, total: total, note: note) }
    let fitDuration = clock.now - fitStart
    progress.interrupt()
    if let warning = fitted.convergenceWarning { log("genrekit: warning: \(warning)") }
    let record = TrainingRecord(
      table: table, tableFingerprint: dataset.fingerprint, grouping: .automatic, split: fold == nil ? nil : splitArguments.description,
      rows: training.count, trainingGroups: training.groups, testGroups: fold.map { $0.test.map { data.groups[$0] } })
    let pipeline = FittedPipeline(model: fitted)
    let file = ModelFile(
      pipeline: pipeline, hyperparameters: settings.summary, classNames: dataset.classNames, labelColumn: "label", training: record,
      input: dataset.description)
    try file.write(to: output)
    logTrained(rows: training.count, groups: Set(training.groups).count, unit: "segments", fold: fold, took: fitDuration)
  }

  private func logTrained(rows: Int, groups: Int, unit: String, fold: SplitFold?, took: Duration) {
    let heldOut = fold.map { "; its test part (\($0.test.count) \(unit)) is recorded for 'genrekit evaluate'" } ?? ""
    log("genrekit: trained \(model.name) on \(rows) \(unit) of \(groups) groups\(heldOut); wrote \(output); fitting took \(took.seconds) s")
  }

  /// `input`: how the rows were made from audio, when they were made here.
  private func train(on table: LoadedTable, input audioInput: InputDescription?) throws {
    guard model.input == .featureRows else {
      throw CLIFailure.usage("\(model.name) reads \(model.input.rawValue); give a dataset directory from 'genrekit dataset'")
    }
    let dataset = table.dataset
    let fold = splitArguments.isGiven ? try splitArguments.folds(of: dataset)[0] : nil
    let training = dataset.subset(fold?.trainingRows ?? Array(0..<dataset.count))
    let settings = try hyperparameters.pipeline(for: model, seed: splitArguments.seed, imputation: tableArguments.impute)
    let progress = progress()
    let clock = ContinuousClock()
    let fitStart = clock.now
    let fitted = try settings.fit(training, threads: jobs.count) { done, total, note in progress.update(done: done, total: total, note: note) }
    let fitDuration = clock.now - fitStart
    progress.interrupt()
    if let warning = fitted.model.convergenceWarning { log("genrekit: warning: \(warning)") }
    let record = TrainingRecord(
      table: self.table, tableFingerprint: table.summary.fingerprint, grouping: tableArguments.options.grouping,
      split: fold == nil ? nil : splitArguments.description, rows: training.count, trainingGroups: training.groups,
      testGroups: fold.map { $0.test.map { dataset.groups[$0] } })
    let input = audioInput ?? InputDescription.features(
      ofTable: self.table, summary: table.summary, columns: fitted.inputColumns + (fitted.encoder?.columns.map(\.name) ?? []))
    let file = ModelFile(
      pipeline: fitted, hyperparameters: settings.summary, classNames: dataset.classNames,
      labelColumn: tableArguments.labelColumn, training: record, input: input)
    try file.write(to: output)
    if let input { log("genrekit: 'genrekit predict' reads songs for this model as \(input.summary)") }
    logTrained(rows: training.count, groups: Set(training.groups).count, unit: "rows", fold: fold, took: fitDuration)
  }
}

struct Evaluate: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "evaluate",
    abstract: "Score a model file on a labelled table: by default on the rows it was not trained on.",
    discussion: """
      On the table the model was trained on, the test part recorded in the model file is scored \
      (a model trained on every row is refused: give a split or --all-rows). On another table, \
      the rows of groups the model was not trained on are scored. A split option scores its first \
      fold's test part instead; --all-rows scores every row. The output says which rows were scored.

      Examples:
        genrekit evaluate forest.json features_30_sec.csv
        genrekit evaluate forest.json new_tracks.csv --format json
      """)

  @Argument(help: "A model file from 'genrekit train' (- for standard input).") var model: String
  @Argument(help: "A labelled feature table (CSV; - for standard input).") var table: String
  @OptionGroup var tableArguments: TableArguments
  @OptionGroup var splitArguments: SplitArguments
  @Flag(help: "Score every row, training rows included.") var allRows = false
  @Option(help: "table, csv or json.") var format = OutputFormat.table

  func validate() throws {
    guard model != "-" || table != "-" else { throw ValidationError("the model and the table cannot both be standard input") }
    if allRows && splitArguments.isGiven { throw ValidationError("give either --all-rows or a split option") }
  }

  func run() throws {
    let file = try ModelFile.read(path: model)
    var options = tableArguments.options
    options.labelColumn = tableArguments.label ?? file.labelColumn
    if tableArguments.group == nil, let grouping = file.training?.grouping { options.grouping = grouping }
    options.featureColumns = options.featureColumns ?? file.featureNames
    options.categoricalColumns = file.pipeline.encoder?.columns.map(\.name) ?? []
    options.allowMissing = file.pipeline.imputer != nil
    let source = try ExampleSource.read(table, options: options, audio: try audioRequest(for: file))
    let (groups, fingerprint, classNames): ([String], String, [String])
    let labels: [Int]
    switch source {
    case .table(let table, _): (groups, fingerprint, classNames, labels) = (table.dataset.groups, table.summary.fingerprint, table.dataset.classNames, table.dataset.labels)
    case .dataset(let dataset):
      guard dataset.description.kind == file.kind.input else {
        throw CLIFailure.usage("\(model) reads \(file.kind.input.rawValue) from \(file.kind.input.source); \(table) holds \(dataset.description.summary)")
      }
      (groups, fingerprint, classNames, labels) = (dataset.tracks, dataset.fingerprint, dataset.classNames, dataset.labels)
    }
    struct Examples: GroupedExamples { var labels: [Int]; var classCount: Int; var groups: [String]; var count: Int { labels.count } }
    let examples = Examples(labels: labels, classCount: classNames.count, groups: groups)
    let split = try splitArguments.isGiven ? (splitArguments.folds(of: examples)[0], splitArguments.description) : nil
    let scope: EvaluationScope
    do {
      scope = try EvaluationScope.choose(record: file.training, groups: groups, fingerprint: fingerprint, split: split, allRows: allRows)
    } catch .trainedOnEveryRow {
      throw CLIFailure.usage(
        "\(model) was trained on every row of \(InputFile.displayName(self.table)): scoring them says nothing about new data (give a split option, another table, or --all-rows)")
    } catch .noUnseenRows {
      throw CLIFailure.usage("every row of \(InputFile.displayName(self.table)) belongs to a group \(model) was trained on (give --all-rows to score them anyway)")
    }
    log("genrekit: scored: \(scope.description)")
    for warning in scope.warnings { log("genrekit: warning: \(warning)") }
    let truth = scope.rows.map { classNames[labels[$0]] }
    let predicted: [Int]
    var tracks: (accuracy: Double, count: Int)?
    switch source {
    case .table(let table, _): predicted = try file.pipeline.predict(table.dataset.subset(scope.rows))
    case .dataset(let dataset):
      let input = dataset.input.selecting(scope.rows)
      predicted = try file.pipeline.model.predict(input)
      let verdicts = TrackVerdicts(
        tracks: scope.rows.map { dataset.tracks[$0] }, predictions: predicted, scores: try file.pipeline.model.segmentScores(input, threads: 1))
      let correct = zip(verdicts.classes, verdicts.segments).filter { file.classNames[$0] == truth[$1[0]] }.count
      tracks = (Double(correct) / Double(verdicts.tracks.count), verdicts.tracks.count)
    }
    let evaluation = ClassEvaluation(truth: truth, predicted: predicted.map { file.classNames[$0] }, modelClasses: file.classNames)
    for warning in evaluation.warnings { log("genrekit: warning: \(warning)") }
    if let tracks {
      log(String(format: "genrekit: per track (%d tracks; %@): accuracy %.3f", tracks.count, TrackVerdicts.rule, tracks.accuracy))
    }
    print(try render(evaluation, scope: scope), terminator: "")
  }

  /// Audio inputs are made into the model's input as its model file records.
  private func audioRequest(for file: ModelFile) throws -> ExampleSource.AudioRequest {
    let kind = file.kind.input
    guard ExampleSource.isAudio(table) else { return ExampleSource.AudioRequest(kind: kind, settings: .init(), jobs: 1) }
    guard let input = file.input, let compat = CompatibilityMode(rawValue: input.compat) else {
      throw CLIFailure.usage("\(model) does not record how its input is made from audio: give it a table or dataset directory")
    }
    let settings = AudioExamples.Settings(
      compat: compat, segmentSeconds: input.segmentSeconds, mfccCount: kind == .frameSequences ? min(128, input.coefficients) : 13)
    return ExampleSource.AudioRequest(
      kind: kind, settings: settings, jobs: ProcessInfo.processInfo.activeProcessorCount, wholeClips: input.wholeClips == true)
  }

  private func render(_ evaluation: ClassEvaluation, scope: EvaluationScope) throws -> String {
    let report = evaluation.report
    switch format {
    case .json:
      struct Output: Encodable {
        var classes: [String]
        var report: ClassificationReport
        var rows: Int
        var scored: String
      }
      return try prettyJSON(Output(classes: evaluation.classes, report: report, rows: scope.rows.count, scored: scope.description)) + "\n"
    case .csv:
      let rows = evaluation.classes.enumerated().map { i, name in
        [name, "\(report.precision[i])", "\(report.recall[i])", "\(report.f1[i])", "\(report.confusion[i].reduce(0, +))"]
      }
      return ([["class", "precision", "recall", "f1", "support"]] + rows).map(CSVFormat.line).joined()
    case .table:
      var lines = [String(format: "%d rows: accuracy %.3f, macro-F1 %.3f", scope.rows.count, report.accuracy, report.macroF1)]
      lines += TextTable(
        header: ["class", "precision", "recall", "f1", "support"],
        rows: evaluation.classes.enumerated().map { i, name in
          [name, String(format: "%.3f", report.precision[i]), String(format: "%.3f", report.recall[i]), String(format: "%.3f", report.f1[i]),
           "\(report.confusion[i].reduce(0, +))"]
        }
      ).lines
      lines.append("confusion (rows: true, columns: predicted, order as above)")
      lines += report.confusion.map { row in row.map { String(format: "%5d", $0) }.joined() }
      return lines.joined(separator: "\n") + "\n"
    }
  }
}

struct Predict: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "predict", abstract: "Predict the genre of songs, or the label of every row of a table or dataset, with a model file.",
    discussion: """
      Audio files (or directories of them, searched as by extract): one row per song, whatever \
      the model kind. The song is cut into the model's segments and analysed as its training \
      data was (the model file records how); the song's probabilities are the mean over its \
      segments. A song that cannot be read is named on stderr, the others are predicted (exit 1).

      A table: one row per table row, named by --id, else filename, else the row number, with \
      the true label when the table has the model's label column. A dataset directory: one row \
      per segment or, with --per track, per track.

      Examples:
        genrekit predict cnn.json song.mp3 --top 3
        genrekit predict forest.json new_tracks.csv --top 3
        genrekit predict logreg.json spotify_songs.csv --id track_id --format json
      """)

  @Argument(help: "A model file from 'genrekit train' (- for standard input).") var model: String
  @Argument(help: "Audio files or directories; or one feature table (CSV; - for standard input; a label column is not needed) or dataset directory.")
  var inputs: [String]
  @Option(help: "Give the k most probable classes with their probabilities.") var top = 1
  @Option(help: "For a dataset: one row per segment (default) or per track.") var per: PredictionUnit?
  @Option(help: "The column that names rows (default: filename, else the row number).") var id: String?
  @Option(help: "Field delimiter, ',' or ';' (default: detected).") var delimiter: String?
  @Option(help: "Comma-separated values that mean 'missing' (default: pandas' na_values and '?').") var naValues: String?
  @Option(help: "Threads analysing songs and scoring segments.") var jobs = Parallelism.allCores
  @Flag(help: "No progress on stderr.") var quiet = false
  @Option(help: "csv, table or json.") var format = OutputFormat.csv

  func validate() throws {
    guard model != "-" || !inputs.contains("-") else { throw ValidationError("the model and the table cannot both be standard input") }
    guard top >= 1 else { throw ValidationError("--top must be at least 1") }
    _ = try TableArguments.delimiterByte(delimiter)
  }

  enum PredictionUnit: String, ExpressibleByArgument, CaseIterable {
    case segment, track
  }

  /// Audio unless the only input is a dataset directory or a file without an audio extension (a table).
  private var readsAudio: Bool {
    guard inputs.count == 1, let input = inputs.first else { return true }
    if SegmentDataset.isDataset(input) { return false }
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory), isDirectory.boolValue { return true }
    return InputDiscovery.audioExtensions.contains(PathName.fileExtension(of: input).lowercased())
  }

  func run() throws {
    let file = try ModelFile.read(path: model)
    if readsAudio {
      guard per == nil else { throw CLIFailure.usage("--per goes with a dataset directory; songs get one row each") }
      try predictSongs(with: file)
      return
    }
    let table = inputs[0]
    if SegmentDataset.isDataset(table) {
      try predict(file, on: try SegmentDataset.read(directory: table))
      return
    }
    guard per == nil else { throw CLIFailure.usage("--per goes with a dataset directory") }
    var options = Learning.TableOptions()
    options.labelColumn = file.labelColumn
    options.labelOptional = true
    options.featureColumns = file.featureNames
    options.categoricalColumns = file.pipeline.encoder?.columns.map(\.name) ?? []
    options.idColumn = id
    options.delimiter = try TableArguments.delimiterByte(delimiter)
    if let naValues { options.missingMarkers = TableArguments.markers(naValues) }
    options.allowMissing = file.pipeline.imputer != nil
    options.grouping = .row
    let loaded = try TableReader.read(path: table, options: options)
    let clock = ContinuousClock()
    let scoringStart = clock.now
    let probabilities = try file.pipeline.probabilities(loaded.dataset)
    if !quiet { log("genrekit: scored \(loaded.dataset.count) rows in \((clock.now - scoringStart).seconds) s") }
    let predictions = Prediction.ranked(probabilities, classNames: file.classNames, top: top)
    let truth = loaded.hasLabels ? loaded.dataset.labels.map { loaded.dataset.classNames[$0] } : nil
    print(try render(predictions, rowNames: loaded.dataset.rowNames, truth: truth), terminator: "")
  }

  /// One row per song, in sorted path order; a song that fails is named and left out (exit 1).
  private func predictSongs(with file: ModelFile) throws {
    let songs = InputDiscovery.audioFiles(in: inputs)
    guard !songs.isEmpty else { throw CLIFailure.usage("no audio files found in \(inputs.joined(separator: ", "))") }
    let reader: SongInput
    do {
      reader = try SongInput(model: file, path: model)
    } catch {
      throw CLIFailure.usage(error.description)
    }
    log("genrekit: \(model) reads songs as \(reader.input.summary); a song's probabilities are the mean over its segments")
    prepareHeapForExtraction(jobs: jobs.count)
    let progress = Progress(unit: "songs", quiet: quiet)
    var names: [String] = []
    var segments: [Int] = []
    var probabilities: [Double] = []
    var failures = 0
    for (i, song) in songs.enumerated() {
      do {
        let prediction = try reader.predict(song: song, model: file, jobs: jobs.count)
        if let warning = prediction.warning {
          progress.interrupt()
          log("genrekit: warning: \(song): \(warning)")
        }
        names.append(song)
        segments.append(prediction.segments)
        probabilities += prediction.probabilities
      } catch {
        progress.interrupt()
        log("genrekit: \(error)")
        failures += 1
      }
      progress.update(done: i + 1, total: songs.count)
    }
    progress.interrupt()
    let matrix = Matrix(rows: names.count, columns: file.classNames.count, values: probabilities)
    let predictions = Prediction.ranked(matrix, classNames: file.classNames, top: top)
    print(try render(predictions, rowNames: names, truth: nil, segments: segments), terminator: "")
    if failures > 0 {
      log("genrekit: \(failures) of \(songs.count) songs failed")
      throw ExitCode(1)
    }
  }

  /// One row per segment (named by its id), or per track: the track's classes ranked by the vote
  /// of its segments (ties by summed score), with the mean of their probabilities.
  private func predict(_ file: ModelFile, on dataset: SegmentDataset) throws {
    guard dataset.description.kind == file.kind.input else {
      throw CLIFailure.usage("\(model) reads \(file.kind.input.rawValue) from \(file.kind.input.source); \(inputs[0]) holds \(dataset.description.summary)")
    }
    let clock = ContinuousClock()
    let scoringStart = clock.now
    let probabilities = try file.pipeline.model.probabilities(dataset.input, threads: jobs.count)
    if !quiet { log("genrekit: scored \(dataset.count) segments in \((clock.now - scoringStart).seconds) s") }
    let truth = dataset.labels.map { dataset.classNames[$0] }
    switch per ?? .segment {
    case .segment:
      let predictions = Prediction.ranked(probabilities, classNames: file.classNames, top: top)
      print(try render(predictions, rowNames: dataset.ids, truth: truth), terminator: "")
    case .track:
      let verdicts = TrackVerdicts(
        tracks: dataset.tracks, predictions: argmaxPerRow(probabilities), scores: try file.pipeline.model.segmentScores(dataset.input, threads: jobs.count))
      let predictions = zip(verdicts.rankings, verdicts.segments).map { ranking, segments in
        ranking.prefix(top).map { c in
          Prediction(class: file.classNames[c], probability: segments.reduce(0) { $0 + probabilities[$1, c] } / Double(segments.count))
        }
      }
      log("genrekit: per track: \(TrackVerdicts.rule); probabilities are the mean over the track's segments")
      print(try render(predictions, rowNames: verdicts.tracks, truth: verdicts.segments.map { truth[$0[0]] }), terminator: "")
    }
  }

  /// Rows of `row`, the ranked classes and probabilities, then `label` (the truth, when known)
  /// and `segments` (a song's segment count), when given.
  private func render(_ predictions: [[Prediction]], rowNames: [String], truth: [String]?, segments: [Int]? = nil) throws -> String {
    let k = min(top, predictions.first?.count ?? top)
    switch format {
    case .json:
      struct Row: Encodable {
        var row: String
        var label: String?
        var segments: Int?
        var predictions: [Prediction]
      }
      return try prettyJSON(predictions.indices.map { Row(row: rowNames[$0], label: truth?[$0], segments: segments?[$0], predictions: predictions[$0]) })
        + "\n"
    case .csv, .table:
      let header = ["row"] + (1...max(k, 1)).flatMap { ["class_\($0)", "probability_\($0)"] } + (truth == nil ? [] : ["label"])
        + (segments == nil ? [] : ["segments"])
      let rows = predictions.indices.map { r in
        [rowNames[r]] + predictions[r].flatMap { [$0.class, format == .table ? String(format: "%.3f", $0.probability) : String($0.probability)] }
          + (truth.map { [$0[r]] } ?? []) + (segments.map { ["\($0[r])"] } ?? [])
      }
      if format == .csv { return ([header] + rows).map(CSVFormat.line).joined() }
      return TextTable(header: header, rows: rows).lines.joined(separator: "\n") + "\n"
    }
  }
}

struct PrincipalComponents: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "pca", abstract: "Project a table on its principal components (standardised features), e.g. for 2-D plots.",
    discussion: """
      Examples:
        genrekit pca features_30_sec.csv --components 2 --output pca.csv
      """)

  @Argument(help: "A feature table (CSV; - for standard input).") var table: String
  @OptionGroup var tableArguments: TableArguments
  @Option(help: "Number of components.") var components: Int
  @Option(help: "The CSV to write (- for standard output): row, label, pc1 … pcN.") var output: String

  func run() throws {
    try OutputSafety.check(outputs: [("--output", output)], inputs: [table])
    let dataset = try tableArguments.read(table).dataset
    let projection = try PCA.projection(of: dataset, components: components, imputation: tableArguments.impute)
    let writer = try AtomicFileWriter(destination: output)
    writer.write(CSVFormat.line(["row", "label"] + (1...components).map { "pc\($0)" }))
    for r in 0..<dataset.count {
      writer.write(
        CSVFormat.line([dataset.rowNames[r], dataset.classNames[dataset.labels[r]]] + (0..<components).map { String(projection.values[r, $0]) }))
    }
    try writer.commit()
    log("genrekit: explained variance ratio " + projection.pca.explainedVarianceRatio.map { String(format: "%.4f", $0) }.joined(separator: ", "))
  }
}
