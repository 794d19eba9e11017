import AudioFeatures
import Foundation
import Learning
import TabularIO

/// A song made into a model's input the way its training data was made, from what the model
/// file records (`InputDescription`): cut into the model's segments by the Kaggle rule, each
/// analysed as `extract` or `dataset` analyses it. The song's class probabilities are the mean
/// of its segments'.
///
/// A model of whole-clip features reads a song shorter than two clips whole (a 30-s GTZAN clip
/// as `extract` reads it) and a longer one in pieces of the clip length.
public struct SongInput: Sendable {
  /// Why a model file's model cannot read songs.
  public struct Unavailable: Error, CustomStringConvertible {
    public var description: String
  }

  /// One song's prediction.
  public struct Prediction: Sendable {
    /// The mean over segments of each class's probability.
    public var probabilities: [Double]
    public var segments: Int
    /// A decoding warning (a truncated file), if any.
    public var warning: String?
  }

  public let input: InputDescription
  let mode: CompatibilityMode
  let stride: Int

  /// How `model` (read from `path`) reads songs, or why it cannot.
  public init(model: ModelFile, path: String) throws(Unavailable) {
    let name = InputFile.displayName(path)
    guard let input = model.input else {
      throw Unavailable(
        description: "\(name) does not record how its input is made from audio (its table had neither a GTZAN length column nor an extract manifest): give it a table of its features")
    }
    if input.kind == .featureRows {
      let computed = Set(AudioExamples.featureNames)
      let others = model.featureNames.filter { !computed.contains($0) } + (model.pipeline.encoder?.columns.map(\.name) ?? [])
      guard others.isEmpty else {
        throw Unavailable(description: "\(name) reads columns that are not GTZAN features (\(others.prefix(5).joined(separator: ", "))): give it a table of them")
      }
    }
    guard let mode = CompatibilityMode(rawValue: input.compat), case .segments(let stride) = Segmentation(segmentSeconds: input.segmentSeconds)
    else { throw Unavailable(description: "\(name): input.compat or input.segmentSeconds cannot be used") }
    let frames = Framing.frameCount(samples: stride - 1)
    switch input.kind {
    case .featureRows: break
    case .frameSequences:
      guard (1...FrameAnalysis.melBandCount).contains(input.coefficients) else {
        throw Unavailable(description: "\(name): input.coefficients \(input.coefficients) is not an MFCC count (1 to \(FrameAnalysis.melBandCount))")
      }
    case .spectrograms:
      guard input.coefficients == FrameAnalysis.melBandCount, input.frames == frames else {
        throw Unavailable(
          description: "\(name): input of \(input.coefficients) × \(input.frames ?? 0) is not the \(FrameAnalysis.melBandCount) × \(frames) log-mel of \(input.segmentSeconds.formatted())-s segments")
      }
    }
    self.input = input
    self.mode = mode
    self.stride = stride
  }

  /// The sample ranges the model reads from a song of `count` samples.
  func pieces(sampleCount count: Int) -> [Range<Int>] {
    if input.wholeClips == true && count < 2 * stride { return count > 0 ? [0..<count] : [] }
    return Segmentation.segments(stride: stride).pieces(sampleCount: count, fileName: "song").map(\.range)
  }

  /// One piece's model input values: 57 features, MFCC frames (frame-major) or a log-mel spectrogram.
  func values(of piece: [Float]) -> [Double] {
    let analysis = FrameAnalysis(signal: piece, mode: mode)
    switch input.kind {
    case .featureRows: return Array(analysis.summary.numericValues.dropFirst())
    case .frameSequences: return analysis.mfcc(count: input.coefficients).transposed.map(Double.init)
    case .spectrograms: return analysis.logMel.values.map(Double.init)
    }
  }

  /// The song at `path` scored by `model`, its segments analysed on `jobs` threads. Errors name the song.
  public func predict(song path: String, model: ModelFile, jobs: Int) throws(FileError) -> Prediction {
    let signal: (samples: [Float], warning: String?)
    do {
      signal = try loadSignal(atPath: path)
    } catch {
      throw FileError(path: path, reason: error.description)
    }
    var prediction = try predict(signal: signal.samples, named: path, model: model, jobs: jobs)
    prediction.warning = signal.warning
    return prediction
  }

  /// A decoded song (22,050 Hz mono, as `loadSignal` gives it) scored by `model`; errors name it `name`.
  public func predict(signal samples: [Float], named name: String, model: ModelFile, jobs: Int) throws(FileError) -> Prediction {
    let ranges = pieces(sampleCount: samples.count)
    guard !ranges.isEmpty else {
      throw FileError(path: name, reason: "shorter than one \(input.segmentSeconds.formatted())-s segment, the model's input")
    }
    var values: [Double] = []
    orderedParallelMap(
      count: ranges.count, jobs: jobs, work: { [self] i in self.values(of: Array(samples[ranges[i]])) },
      deliver: { _, piece in values += piece })
    do {
      let probabilities = try segmentProbabilities(values, count: ranges.count, model: model, jobs: jobs)
      let mean = (0..<probabilities.columns).map { c in (0..<probabilities.rows).reduce(0) { $0 + probabilities[$1, c] } / Double(probabilities.rows) }
      return Prediction(probabilities: mean, segments: ranges.count, warning: nil)
    } catch {
      throw FileError(path: name, reason: error.description)
    }
  }

  private func segmentProbabilities(_ values: [Double], count: Int, model: ModelFile, jobs: Int) throws(LearningError) -> Matrix {
    switch input.kind {
    case .featureRows:
      let names = AudioExamples.featureNames
      let rows = Dataset(
        features: Matrix(rows: count, columns: names.count, values: values), labels: Array(repeating: 0, count: count), classNames: ["?"],
        featureNames: names, groups: Array(repeating: "song", count: count), rowNames: (0..<count).map(String.init))
      return try model.pipeline.probabilities(rows, threads: jobs)
    case .frameSequences:
      let frames = values.count / (count * input.coefficients)
      let sequences = FrameSequences(coefficients: input.coefficients, values: values, offsets: (0...count).map { $0 * frames })
      return try model.pipeline.model.probabilities(.sequences(sequences), threads: jobs)
    case .spectrograms:
      let spectrograms = Spectrograms(bands: input.coefficients, frames: input.frames!, values: values.map(Float.init))
      return try model.pipeline.model.probabilities(.spectrograms(spectrograms), threads: jobs)
    }
  }
}

extension InputDescription {
  /// How the rows of the feature table at `path` were made from audio, for a model reading
  /// `columns` of it: from the manifest `extract` wrote beside it, else from the table's GTZAN
  /// `length` column (the Kaggle tables: librosa 0.7's framing). Nil when neither says, or when
  /// a column is not a GTZAN feature.
  public static func features(ofTable path: String, summary: TableSummary, columns: [String]) -> InputDescription? {
    let computed = Set(AudioExamples.featureNames)
    guard path != "-", !columns.isEmpty, columns.allSatisfy(computed.contains) else { return nil }
    let manifest = try? JSONDecoder().decode(ExtractionManifest.self, from: InputFile.contents(of: ExtractionManifest.path(forTable: path)))
    let sampleRate = Double(Framing.sampleRate)
    let segmentSeconds: Double?
    if let manifest {
      segmentSeconds = manifest.settings.segmentSeconds
    } else if let length = summary.medianLength, length > 0 {
      // A segment of s seconds holds s·22050 − 1 samples under the Kaggle rule.
      segmentSeconds = (length + 1) % Framing.sampleRate == 0 ? Double(length + 1) / sampleRate : nil
    } else {
      return nil
    }
    let clipSeconds = max(1, (Double(summary.medianLength ?? 0) / sampleRate).rounded())
    return InputDescription(
      kind: .featureRows, representation: "features", coefficients: AudioExamples.featureNames.count, frames: nil,
      segmentSeconds: segmentSeconds ?? clipSeconds, wholeClips: segmentSeconds == nil ? true : nil,
      compat: (manifest?.settings.compat ?? .kaggle).rawValue)
  }
}
