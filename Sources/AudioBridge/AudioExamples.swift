import AudioFeatures
import Foundation
import Learning
import TabularIO
import TensorIO

/// Audio files turned into the input of every kind of model, each file decoded once and each
/// segment analysed by one STFT: the 57 GTZAN features of the whole clip, the 57 features of
/// every segment (the Kaggle 3-s rule), and every segment's MFCC frames and log-mel spectrogram.
/// The one bridge between
/// audio and models: decoding and DSP know nothing of models, models nothing of audio.
public struct AudioExamples: Sendable {
  public struct Settings: Sendable, Equatable {
    public var compat: CompatibilityMode
    public var segmentSeconds: Double
    public var mfccCount: Int

    public init(compat: CompatibilityMode = .kaggle, segmentSeconds: Double = 3, mfccCount: Int = 13) {
      self.compat = compat
      self.segmentSeconds = segmentSeconds
      self.mfccCount = mfccCount
    }

    /// Part of a cache key: what the examples depend on, with the format's version.
    var key: String { "v2 compat=\(compat.rawValue) segment=\(segmentSeconds) mfcc=\(mfccCount)" }
  }

  /// One file's examples.
  public struct File: Sendable, Equatable {
    public var input: AudioInput
    public var track: String
    /// The 57 features of the whole clip.
    public var clip: [Double]
    /// The 57 features of each segment (segments × 57, row-major).
    public var segments: [Double]
    /// Each segment's MFCC frames (segments × frames × mfccCount, frame-major).
    public var mfcc: [Float]
    /// Each segment's log-mel spectrogram (segments × 128 bands × frames, band-major).
    public var logMel: [Float]
    public var segmentCount: Int
    public var framesPerSegment: Int
    public var warning: String?
  }

  /// The 57 feature columns (the GTZAN features without `length`).
  public static let featureNames = Array(FeatureSchema.numericColumns.dropFirst())

  public var settings: Settings
  public var files: [File]

  /// Computes (or reads from `cache`, keyed by each file's content and the settings) the examples
  /// of `inputs` on `jobs` threads; a file that fails is left out with its diagnostic.
  /// `onFinished` is called after each file, in input order.
  public static func load(
    _ inputs: [AudioInput], settings: Settings, cache: String?, jobs: Int,
    onFinished: (_ total: Int, [InputDiagnostic]) -> Void = { _, _ in }
  ) throws(FileError) -> (examples: AudioExamples, diagnostics: [InputDiagnostic]) {
    guard case .segments(let stride) = Segmentation(segmentSeconds: settings.segmentSeconds) else {
      throw FileError(path: "--segment-seconds", reason: "must be a positive number of seconds")
    }
    if let cache { try makeCacheDirectory(cache) }
    var files: [File] = []
    var diagnostics: [InputDiagnostic] = []
    orderedParallelMap(
      count: inputs.count, jobs: jobs,
      work: { i -> Result<File, AudioDecodingError> in
        Result { () throws(AudioDecodingError) in try examples(of: inputs[i], stride: stride, settings: settings, cache: cache) }
      },
      deliver: { i, result in
        var found: [InputDiagnostic] = []
        switch result {
        case .success(let file):
          if let warning = file.warning { found.append(.init(path: file.input.path, level: .warning, message: warning)) }
          if file.segmentCount == 0 {
            found.append(.init(path: file.input.path, level: .error, message: "shorter than one segment: left out of every row"))
          } else {
            files.append(file)
          }
        case .failure(let error):
          found.append(.init(path: inputs[i].path, level: .error, message: error.description))
        }
        diagnostics += found
        onFinished(inputs.count, found)
      })
    return (AudioExamples(settings: settings, files: files), diagnostics)
  }

  static func examples(of input: AudioInput, stride: Int, settings: Settings, cache: String?) throws(AudioDecodingError) -> File {
    let bytes = try? InputFile.bytes(of: input.path)
    let key = bytes.map { String(xxHash64($0), radix: 16) + "-" + String(xxHash64(Array(settings.key.utf8)), radix: 16) }
    let cached = cache.flatMap { cache in key.map { PathName.joining(cache, "\($0).safetensors") } }
    if let cached, let file = read(cached, input: input, settings: settings) { return file }
    let signal = try loadSignal(atPath: input.path)
    let pieces = Segmentation.segments(stride: stride).pieces(sampleCount: signal.samples.count, fileName: input.fileName)
    var segments: [Double] = []
    var mfcc: [Float] = []
    var logMel: [Float] = []
    for piece in pieces {
      let analysis = FrameAnalysis(signal: Array(signal.samples[piece.range]), mode: settings.compat, separatingHarmonics: true)
      segments += analysis.summary.numericValues.dropFirst()
      mfcc += analysis.mfcc(count: settings.mfccCount).transposed
      logMel += analysis.logMel.values
    }
    let file = File(
      input: input, track: SegmentName(parsing: input.fileName).track,
      clip: Array(FeatureExtractor(mode: settings.compat).features(of: signal.samples).numericValues.dropFirst()), segments: segments,
      mfcc: mfcc, logMel: logMel, segmentCount: pieces.count, framesPerSegment: Framing.frameCount(samples: stride - 1), warning: signal.warning)
    if let cached { write(file, settings: settings, to: cached) }
    return file
  }

  /// A cached file's examples, or nil when the entry is missing or damaged (it is then made again).
  static func read(_ path: String, input: AudioInput, settings: Settings) -> File? {
    guard let bytes = try? InputFile.bytes(of: path), let archive = try? TensorArchive(serialized: bytes),
      let count = Int(archive.metadata["segments"] ?? ""), let frames = Int(archive.metadata["frames"] ?? ""), count >= 0, frames > 0,
      archive.metadata["settings"] == settings.key,
      let clip = try? archive.doubles("clip", shape: [featureNames.count]),
      let segments = try? archive.doubles("segments", shape: [count, featureNames.count]),
      let mfcc = try? archive.floats("mfcc", shape: [count, frames, settings.mfccCount]),
      let logMel = try? archive.floats("logmel", shape: [count, FrameAnalysis.melBandCount, frames])
    else { return nil }
    return File(
      input: input, track: SegmentName(parsing: input.fileName).track, clip: clip, segments: segments, mfcc: mfcc, logMel: logMel,
      segmentCount: count,
      framesPerSegment: frames, warning: archive.metadata["warning"])
  }

  /// Written atomically; a cache that cannot be written only costs time.
  static func write(_ file: File, settings: Settings, to path: String) {
    var archive = TensorArchive()
    archive.metadata = ["settings": settings.key, "segments": "\(file.segmentCount)", "frames": "\(file.framesPerSegment)"]
    if let warning = file.warning { archive.metadata["warning"] = warning }
    archive.add("clip", file.clip, shape: [featureNames.count])
    archive.add("segments", file.segments, shape: [file.segmentCount, featureNames.count])
    archive.add("mfcc", file.mfcc, shape: [file.segmentCount, file.framesPerSegment, settings.mfccCount])
    archive.add("logmel", file.logMel, shape: [file.segmentCount, FrameAnalysis.melBandCount, file.framesPerSegment])
    guard let writer = try? AtomicFileWriter(destination: path) else { return }
    writer.write(archive.serialized())
    try? writer.commit()
  }

  static func makeCacheDirectory(_ path: String) throws(FileError) {
    do {
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
      throw FileError(path: path, reason: "cannot create the cache directory: \(error.localizedDescription)")
    }
  }

  // MARK: Model inputs

  var classNames: [String] { Array(Set(files.map(\.input.label))).sorted() }

  /// One row of 57 features per clip; each row's group is its track.
  public var clipRows: Dataset {
    let classes = classNames
    return Dataset(
      features: Matrix(rows: files.count, columns: Self.featureNames.count, values: files.flatMap(\.clip)),
      labels: files.map { classes.firstIndex(of: $0.input.label)! }, classNames: classes, featureNames: Self.featureNames,
      groups: files.map(\.track), rowNames: files.map(\.input.fileName))
  }

  /// One row of 57 features per segment; each row's group is its track.
  public var segmentRows: Dataset {
    let classes = classNames
    let expand = { (value: (File) -> String) in self.files.flatMap { file in Array(repeating: value(file), count: file.segmentCount) } }
    return Dataset(
      features: Matrix(rows: files.reduce(0) { $0 + $1.segmentCount }, columns: Self.featureNames.count, values: files.flatMap(\.segments)),
      labels: expand(\.input.label).map { classes.firstIndex(of: $0)! }, classNames: classes, featureNames: Self.featureNames,
      groups: expand(\.track), rowNames: files.flatMap { file in (0..<file.segmentCount).map { SegmentName(segment: $0, of: file.input.fileName).id } })
  }

  /// Each segment's MFCC frames; each sequence's group is its track.
  public var mfccSequences: TrainingData {
    let frames = files.first?.framesPerSegment ?? 0
    let count = files.reduce(0) { $0 + $1.segmentCount }
    return segmentExamples(
      .sequences(FrameSequences(coefficients: settings.mfccCount, values: files.flatMap(\.mfcc).map(Double.init), offsets: (0...count).map { $0 * frames })))
  }

  /// Each segment's log-mel spectrogram (128 bands × frames); each one's group is its track.
  public var logMelSpectrograms: TrainingData {
    segmentExamples(.spectrograms(Spectrograms(bands: FrameAnalysis.melBandCount, frames: files.first?.framesPerSegment ?? 1, values: files.flatMap(\.logMel))))
  }

  /// `input` (one example per segment, in file order) with each segment's class and track.
  private func segmentExamples(_ input: ModelInput) -> TrainingData {
    let classes = classNames
    return TrainingData(
      input: input, labels: files.flatMap { file in Array(repeating: classes.firstIndex(of: file.input.label)!, count: file.segmentCount) },
      classCount: classes.count, groups: files.flatMap { Array(repeating: $0.track, count: $0.segmentCount) })
  }
}

extension AudioExamples {
  /// How a model of `kind` reads these examples, for its model file.
  public func description(for kind: InputKind) -> InputDescription {
    let frames = files.first?.framesPerSegment ?? Framing.frameCount(samples: Int(settings.segmentSeconds * Double(Framing.sampleRate)) - 1)
    switch kind {
    case .featureRows:
      return InputDescription(
        kind: kind, representation: "features", coefficients: Self.featureNames.count, frames: nil, segmentSeconds: settings.segmentSeconds,
        compat: settings.compat.rawValue)
    case .frameSequences:
      return InputDescription(
        kind: kind, representation: "mfcc", coefficients: settings.mfccCount, frames: nil, segmentSeconds: settings.segmentSeconds,
        compat: settings.compat.rawValue)
    case .spectrograms:
      return InputDescription(
        kind: kind, representation: "logmel", coefficients: FrameAnalysis.melBandCount, frames: frames, segmentSeconds: settings.segmentSeconds,
        compat: settings.compat.rawValue)
    }
  }

  /// XXH64 of the tracks, their segments' features and the settings: tells whether audio is what
  /// a model was trained on.
  public var fingerprint: String {
    var bytes = Array(settings.key.utf8)
    for file in files {
      bytes += Array(file.track.utf8)
      for value in file.segments { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
    }
    return "xxh64:" + String(xxHash64(bytes), radix: 16)
  }

  /// Each segment as an example of a model of frame sequences or spectrograms, as a dataset
  /// directory of `genrekit dataset` would give it.
  public func segmentDataset(for kind: InputKind) -> SegmentDataset {
    let data = kind == .spectrograms ? logMelSpectrograms : mfccSequences
    return SegmentDataset(
      input: data.input, labels: data.labels, classNames: classNames, tracks: data.groups,
      ids: files.flatMap { file in (0..<file.segmentCount).map { SegmentName(segment: $0, of: file.input.fileName).id } },
      description: description(for: kind), fingerprint: fingerprint)
  }
}
