import ArgumentParser
import AudioFeatures
import Figures
import Foundation
import Learning
import TabularIO

/// `genrekit plot <kind>`: figures as SVG, drawn from what other commands write (compare's and
/// evaluate's JSON, model files) or from a table or a clip. Plots read results; they never re-run
/// models.
struct Plot: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plot", abstract: "Draw a figure as SVG: signal, features, pca, confusion, compare or curves.",
    discussion: """
      Examples:
        genrekit plot signal blues.00000.wav --output signal.svg
        genrekit plot features --columns tempo,spectral_centroid_mean \\
          --output features.svg
        genrekit plot compare compare.json --output compare.svg
        (compare.json from: genrekit compare --save-results compare.json)
      """,
    subcommands: [PlotSignal.self, PlotFeatures.self, PlotPCA.self, PlotConfusion.self, PlotCompare.self, PlotCurves.self])
}

/// The options every plot takes.
struct FigureArguments: ParsableArguments {
  @Option(help: "The title (default: one naming what is drawn).") var title: String?
  @Option(help: "The SVG file to write (- for standard output).") var output: String

  /// Writes the figure atomically, refusing to replace an input.
  func write(_ figure: Figure, inputs: [String]) throws {
    try OutputSafety.check(outputs: [("--output", output)], inputs: inputs)
    let writer = try AtomicFileWriter(destination: output)
    writer.write(SVGWriter.render(figure))
    try writer.commit()
  }
}

/// A JSON document another command wrote, decoded, or an error naming the file and field.
func decodeResult<T: Decodable>(_ type: T.Type, from path: String, what: String) throws -> T {
  let data = try InputFile.contents(of: path)
  do {
    return try JSONDecoder().decode(T.self, from: data)
  } catch let error as DecodingError {
    throw FileError(path: path, reason: "not \(what): \(ModelFile.describe(error))")
  }
}

struct PlotSignal: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "signal", abstract: "One clip: waveform, harmonic and percussive parts, spectrogram, log-mel, MFCC and chroma.",
    discussion: """
      Examples:
        genrekit plot signal blues.00000.wav --output signal.svg
        genrekit plot signal song.mp3 --offset 60 --duration 10 --output chorus.svg
      """)

  @Argument(help: "An audio file.") var audio: String
  @Option(help: "Start this many seconds into the file.") var offset = 0.0
  @Option(help: "Draw this many seconds.") var duration = 30.0
  @Option(help: "MFCC coefficients to draw.") var mfccCount = 20
  @OptionGroup var figure: FigureArguments

  func validate() throws {
    guard offset.isFinite, offset >= 0 else { throw ValidationError("--offset must be 0 or more seconds") }
    guard duration.isFinite, duration > 0, duration <= 600 else { throw ValidationError("--duration must be more than 0 and at most 600 seconds") }
    guard (1...FrameAnalysis.melBandCount).contains(mfccCount) else { throw ValidationError("--mfcc-count must be between 1 and 128") }
  }

  func run() throws {
    let samples: [Float]
    do {
      samples = try loadSignal(atPath: audio).samples
    } catch {
      throw FileError(path: audio, reason: error.description)
    }
    let rate = Double(Framing.sampleRate)
    let start = min(samples.count, Int(offset * rate))
    let end = min(samples.count, start + Int(duration * rate))
    guard end - start >= Framing.frameLength else {
      throw FileError(path: audio, reason: "holds \(String(format: "%.2f", Double(samples.count) / rate)) s; nothing to draw from \(offset.formatted()) s on")
    }
    let clip = Array(samples[start..<end])
    let analysis = FrameAnalysis(signal: clip, mode: .librosa, separatingHarmonics: true)
    let parts = analysis.harmonicPercussive
    func heatmap(_ matrix: FrameMatrix, _ title: String, _ yTitle: String, _ ticks: [(Double, String)], unit: String) -> Charts.Heatmap {
      Charts.Heatmap(title: title, rows: matrix.rows, columns: matrix.frames, values: matrix.values, yTitle: yTitle, yTicks: ticks, unit: unit)
    }
    // Bin k is k · 22050 / 2048 Hz; ticks every 2 kHz.
    let hzTicks = stride(from: 0.0, through: 10_000, by: 2_000).map { ($0 / (rate / 2) * Double(Framing.binCount - 1) + 0.5, "\(Int($0 / 1000)) k") }
    let pitchClasses = ["C", "C♯", "D", "D♯", "E", "F", "F♯", "G", "G♯", "A", "A♯", "B"]
    let heatmaps = [
      heatmap(analysis.decibelSpectrogram, "Spectrogram (STFT magnitude, n_fft 2048, hop 512)", "Hz", hzTicks, unit: "dB"),
      heatmap(analysis.logMel, "Log-mel spectrogram (128 bands): the CNN's input", "mel band", [0, 32, 64, 96, 128].map { (Double($0), "\($0)") }, unit: "dB"),
      heatmap(standardisedRows(analysis.mfcc(count: mfccCount)), "MFCC (\(mfccCount) coefficients, each standardised over time): what the HMM reads",
        "coefficient", stride(from: 0, to: mfccCount, by: max(1, mfccCount / 4)).map { (Double($0) + 0.5, "\($0 + 1)") }, unit: "σ"),
      heatmap(analysis.chroma, "Chroma (energy per pitch class, the loudest 1 in each frame)", "pitch class",
        [0, 2, 4, 7, 9, 11].map { (Double($0) + 0.5, pitchClasses[$0]) }, unit: ""),
    ]
    let seconds = Double(clip.count) / rate
    let name = PathName.lastComponent(of: audio)
    let built = Charts.signal(
      title: figure.title ?? name,
      subtitle: String(format: "%.1f s from %.1f s, 22,050 Hz mono; librosa 0.11 framing", seconds, offset), duration: seconds,
      waveform: clip, harmonic: parts.harmonic, percussive: parts.percussive, heatmaps: heatmaps)
    try figure.write(built, inputs: [audio])
  }
}

/// Each row scaled to mean 0 and std 1 over frames, so that every coefficient's changes show
/// (MFCC 1, the loudness, would otherwise take the whole colour range).
func standardisedRows(_ matrix: FrameMatrix) -> FrameMatrix {
  var values = matrix.values
  for r in 0..<matrix.rows {
    let row = values[(r * matrix.frames)..<((r + 1) * matrix.frames)]
    let mean = row.reduce(0, +) / Float(matrix.frames)
    let std = max(1e-6, (row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(matrix.frames)).squareRoot())
    for t in 0..<matrix.frames { values[r * matrix.frames + t] = (values[r * matrix.frames + t] - mean) / std }
  }
  return FrameMatrix(rows: matrix.rows, frames: matrix.frames, values: values)
}

struct PlotFeatures: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "features", abstract: "Box plots of chosen feature columns per class.",
    discussion: """
      Without a table, the bundled GTZAN 30-s table is drawn.

      Examples:
        genrekit plot features --columns tempo,spectral_centroid_mean,rms_mean \\
          --output features.svg
        genrekit plot features spotify_songs.csv --label playlist_genre \\
          --group track_artist --columns danceability,energy --output spotify.svg
      """)

  @Argument(help: "A feature table (CSV; - for standard input; default: the bundled GTZAN features_30_sec.csv).") var table: String?
  @Option(help: "The columns to draw, comma-separated (default: six GTZAN features, or the table's first six).") var columns: String?
  @OptionGroup var tableArguments: TableArguments
  @OptionGroup var figure: FigureArguments

  static let gtzanDefaults = ["tempo", "spectral_centroid_mean", "rms_mean", "zero_crossing_rate_mean", "chroma_stft_mean", "mfcc2_mean"]

  func run() throws {
    let dataset = try tableArguments.readOrBundled(table).dataset
    let chosen = columns.map(TableArguments.list) ?? {
      let defaults = Self.gtzanDefaults.filter(dataset.featureNames.contains)
      return defaults.count == Self.gtzanDefaults.count ? defaults : Array(dataset.featureNames.prefix(6))
    }()
    let index = Dictionary(dataset.featureNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    let missing = chosen.filter { index[$0] == nil }
    guard missing.isEmpty, !chosen.isEmpty, chosen.count <= 24 else {
      throw CLIFailure.usage(
        missing.isEmpty ? "--columns takes 1 to 24 columns" : "no feature column \(missing.map { excerpt($0) }.joined(separator: ", ")) (features: \(excerpt(dataset.featureNames.joined(separator: ", "), limit: 300)))")
    }
    let values = chosen.map { column in
      (0..<dataset.classNames.count).map { c in (0..<dataset.count).filter { dataset.labels[$0] == c }.map { dataset.features[$0, index[column]!] } }
    }
    let built = Charts.boxes(
      title: figure.title ?? "Feature distributions per class",
      subtitle: "\(table.map(PathName.lastComponent) ?? EmbeddedTables.gtzan30SecondsName): \(dataset.count) rows; boxes: quartiles, whiskers: 1.5 IQR",
      columns: chosen, groups: dataset.classNames, values: values)
    try figure.write(built, inputs: table.map { [$0] } ?? [])
  }
}

struct PlotPCA: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "pca", abstract: "The table's rows on its first two principal components (standardised features), coloured by class.",
    discussion: """
      Without a table, the bundled GTZAN 30-s table is drawn.

      Examples:
        genrekit plot pca --output pca.svg
        genrekit plot pca features_3_sec.csv --output pca-3s.svg
      """)

  @Argument(help: "A feature table (CSV; - for standard input; default: the bundled GTZAN features_30_sec.csv).") var table: String?
  @OptionGroup var tableArguments: TableArguments
  @OptionGroup var figure: FigureArguments

  func run() throws {
    let dataset = try tableArguments.readOrBundled(table).dataset
    let (values, pca) = try PCA.projection(of: dataset, components: 2, imputation: tableArguments.impute)
    let ratio = pca.explainedVarianceRatio
    let built = Charts.scatter(
      title: figure.title ?? "Principal components",
      subtitle: "\(table.map(PathName.lastComponent) ?? EmbeddedTables.gtzan30SecondsName): \(dataset.count) rows, \(dataset.featureNames.count) standardised features",
      xTitle: String(format: "PC1 (%.1f %% of the variance)", ratio[0] * 100), yTitle: String(format: "PC2 (%.1f %%)", ratio[1] * 100),
      points: (0..<dataset.count).map { (values[$0, 0], values[$0, 1], dataset.labels[$0]) }, groups: dataset.classNames)
    try figure.write(built, inputs: table.map { [$0] } ?? [])
  }
}

struct PlotConfusion: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "confusion", abstract: "A confusion matrix, counts and normalised by true class, from evaluate's or compare's JSON.",
    discussion: """
      From compare's JSON, the matrices of the chosen model's folds are summed (every row is \
      scored once over the folds).

      Examples:
        genrekit plot confusion evaluation.json --output confusion.svg
        genrekit plot confusion compare.json --model cnn --level track \\
          --output cnn-confusion.svg
        (evaluation.json from:
          genrekit evaluate forest.json features.csv --format json > evaluation.json)
      """)

  enum Level: String, ExpressibleByArgument, CaseIterable { case segment, track }

  @Argument(help: "JSON from 'genrekit evaluate --format json' or 'genrekit compare --format json'.") var results: String
  @Option(help: "From compare's JSON: the model (default: the most accurate).") var model: String?
  @Option(help: "From compare --audio's JSON: segment or track verdicts.") var level = Level.track
  @OptionGroup var figure: FigureArguments

  struct Evaluation: Decodable {
    var classes: [String]
    var report: ClassificationReport
    var scored: String
  }

  func run() throws {
    let (classes, confusion, subtitle) = try matrix()
    let built = Charts.confusion(title: figure.title ?? "Confusion matrix", subtitle: subtitle, classes: classes, counts: confusion)
    try figure.write(built, inputs: [results])
  }

  private func matrix() throws -> ([String], [[Int]], String) {
    if let evaluation = try? JSONDecoder().decode(Evaluation.self, from: InputFile.contents(of: results)) {
      guard model == nil else { throw CLIFailure.usage("--model goes with compare's JSON; \(results) is evaluate's") }
      return (evaluation.classes, try checked(evaluation.report.confusion, classes: evaluation.classes), "scored: \(evaluation.scored)")
    }
    let comparison = try ComparisonResults.read(results)
    let names = comparison.rows.map(\.name)
    guard let row = model.map({ name in comparison.rows.first { $0.name == name || $0.model == name } }) ?? comparison.rows.max(by: { $0.primary < $1.primary })
    else { throw CLIFailure.usage("no model \(excerpt(model ?? "")) in \(results) (models: \(names.joined(separator: ", ")))") }
    let reports = comparison.isAudio && level == .segment ? row.segmentReports : row.reports
    guard let first = reports.first else { throw CLIFailure.usage("\(row.name) has no scores in \(results) (it was not fitted)") }
    var sum = try checked(first.confusion, classes: comparison.classes)
    for report in reports.dropFirst() {
      let matrix = try checked(report.confusion, classes: comparison.classes)
      for i in sum.indices { for j in sum.indices { sum[i][j] += matrix[i][j] } }
    }
    let unit = comparison.isAudio ? (level == .track ? " by track" : " by segment") : ""
    return (comparison.classes, sum, "\(row.name)\(unit), summed over \(reports.count) folds of \(comparison.split)")
  }

  /// A square matrix of non-negative counts, one row per class.
  private func checked(_ matrix: [[Int]], classes: [String]) throws -> [[Int]] {
    guard !classes.isEmpty, classes.count <= 200, matrix.count == classes.count, matrix.allSatisfy({ $0.count == classes.count && $0.allSatisfy { $0 >= 0 } })
    else { throw FileError(path: results, reason: "its confusion matrix is not \(classes.count) × \(classes.count) counts, one row per class") }
    return matrix
  }
}

/// Compare's JSON, tabular or audio, as the rows a plot draws.
struct ComparisonResults {
  struct Row {
    var model: String
    var name: String
    /// Mean ± std per series (nil: not fitted).
    var scores: [(mean: Double, std: Double)?]
    var reports: [ClassificationReport]
    var segmentReports: [ClassificationReport]
    var primary: Double { scores.last??.mean ?? -1 }
  }

  var classes: [String]
  var split: String
  var isAudio: Bool
  var series: [String]
  var rows: [Row]

  struct Tabular: Decodable {
    var classes: [String]
    var split: String
    var models: [ModelScore]
  }

  struct Audio: Decodable {
    var classes: [String]
    var split: String
    var trackVerdict: String
    var models: [TrackScore]
  }

  static func read(_ path: String) throws -> ComparisonResults {
    let data = try InputFile.contents(of: path)
    if let audio = try? JSONDecoder().decode(Audio.self, from: data) {
      return ComparisonResults(
        classes: audio.classes, split: audio.split, isAudio: true, series: ["per segment", "per track"],
        rows: audio.models.map { m in
          Row(
            model: m.model, name: "\(m.model) (\(m.input))",
            scores: m.failure == nil ? [(m.segmentAccuracy.mean, m.segmentAccuracy.std), (m.trackAccuracy.mean, m.trackAccuracy.std)] : [nil, nil],
            reports: m.trackReports, segmentReports: m.segmentReports)
        })
    }
    let tabular = try decodeResult(Tabular.self, from: path, what: "JSON from 'genrekit compare --format json' or 'genrekit evaluate --format json'")
    return ComparisonResults(
      classes: tabular.classes, split: tabular.split, isAudio: false, series: ["macro-F1", "accuracy"],
      rows: tabular.models.map { m in
        Row(model: m.model, name: m.model, scores: [(m.macroF1.mean, m.macroF1.std), (m.accuracy.mean, m.accuracy.std)], reports: m.folds, segmentReports: [])
      })
  }
}

struct PlotCompare: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compare", abstract: "Accuracy per model (± std over folds) from compare's JSON, tabular or audio.",
    discussion: """
      Examples:
        genrekit plot compare compare.json --output compare.svg
        (compare.json from: genrekit compare --save-results compare.json,
          or genrekit compare --audio genres/ --save-results compare.json)
      """)

  @Argument(help: "JSON from 'genrekit compare --format json' (with or without --audio).") var results: String
  @OptionGroup var figure: FigureArguments

  func run() throws {
    let comparison = try ComparisonResults.read(results)
    guard !comparison.rows.isEmpty else { throw FileError(path: results, reason: "holds no models") }
    for row in comparison.rows {
      for score in row.scores.compactMap({ $0 }) where !(score.mean.isFinite && score.std.isFinite && (0...1).contains(score.mean)) {
        throw FileError(path: results, reason: "\(row.name): \(score.mean) ± \(score.std) is not an accuracy")
      }
    }
    let built = Charts.accuracyBars(
      title: figure.title ?? (comparison.isAudio ? "Every model on one split of the tracks" : "Models compared"),
      subtitle: "\(comparison.split); \(comparison.classes.count) classes; mean ± std over folds",
      rows: comparison.rows.map { Charts.ScoreRow(label: $0.name, scores: $0.scores) }, series: comparison.series,
      axisTitle: comparison.isAudio ? "accuracy" : "score")
    try figure.write(built, inputs: [results])
  }
}

struct PlotCurves: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "curves", abstract: "Training and validation loss and accuracy per epoch of an mlp, cnn or fnn model file.",
    discussion: """
      Examples:
        genrekit plot curves cnn.json --output cnn-curves.svg
        (cnn.json from:
          genrekit train logmel-3s --model cnn --test-size 0.2 --output cnn.json)
      """)

  @Argument(help: "A model file from 'genrekit train'.") var model: String
  @OptionGroup var figure: FigureArguments

  struct Document: Decodable {
    var kind: String
    var history: [EpochRecord]?
    var best_epoch: Int?
  }

  func run() throws {
    let document = try decodeResult(Document.self, from: model, what: "a GenreKit model file")
    guard let history = document.history, !history.isEmpty else {
      throw CLIFailure.usage("\(model) is a \(excerpt(document.kind)) model, which keeps no per-epoch history (mlp, cnn and fnn do)")
    }
    guard history.count <= 100_000 else { throw FileError(path: model, reason: "history holds \(history.count) epochs") }
    let hasValidation = history.contains { $0.validationLoss != nil }
    var loss = [Charts.Series(name: "training", values: history.map(\.trainingLoss))]
    var accuracy = [Charts.Series(name: "training", values: history.map(\.trainingAccuracy))]
    if hasValidation {
      loss.append(Charts.Series(name: "validation", values: history.map(\.validationLoss)))
      accuracy.append(Charts.Series(name: "validation", values: history.map(\.validationAccuracy)))
    }
    let best = document.best_epoch.flatMap { $0 > 0 ? $0 : nil }
    let built = Charts.learningCurves(
      title: figure.title ?? "Learning curves: \(document.kind)",
      subtitle: "\(PathName.lastComponent(of: model)): \(history.count) epochs" + (best.map { "; the weights of epoch \($0) were kept" } ?? ""),
      loss: loss, accuracy: accuracy, bestEpoch: best)
    try figure.write(built, inputs: [model])
  }
}
