import Foundation
import TabularIO
import TensorIO

/// What a dataset holds per segment.
public enum Representation: Sendable, Equatable {
  /// The log-mel spectrogram, bands × frames (`FrameAnalysis.logMel`).
  case logMel
  /// MFCC frames, frames × count (`FrameAnalysis.mfcc(count:)`, transposed).
  case mfcc(count: Int)

  public var name: String {
    switch self {
    case .logMel: return "logmel"
    case .mfcc: return "mfcc"
    }
  }

  /// The array shape of one segment of `frames` frames.
  func segmentShape(frames: Int) -> [Int] {
    switch self {
    case .logMel: return [MelFilterBank.bandCount, frames]
    case .mfcc(let count): return [frames, count]
    }
  }

  /// One segment's values in the dataset's layout.
  func values(of analysis: FrameAnalysis) -> [Float] {
    switch self {
    case .logMel: return analysis.logMel.values
    case .mfcc(let count): return analysis.mfcc(count: count).transposed
    }
  }
}

/// Cuts audio files into the segments `extract --segment-seconds` makes (the Kaggle rule) and
/// writes one representation of each as a dataset directory (`DatasetDirectory`): the array
/// streamed to `features.npy` as files finish (memory holds the files in flight, not the
/// dataset), the index and manifest after it; each file written atomically.
public struct SegmentDatasetJob: Sendable {
  public var directory: String
  public var representation: Representation
  public var segmentSeconds: Double
  public var compat: CompatibilityMode
  public var jobs: Int

  public init(directory: String, representation: Representation, segmentSeconds: Double, compat: CompatibilityMode = .kaggle, jobs: Int) {
    self.directory = directory
    self.representation = representation
    self.segmentSeconds = segmentSeconds
    self.compat = compat
    self.jobs = jobs
  }

  public struct Summary: Sendable {
    public var segments = 0
    public var files = 0
    public var diagnostics: [InputDiagnostic] = []
    public var written = false
    public var failures: Int { diagnostics.filter { $0.level == .error }.count }
  }

  /// One file's segments, made on a worker thread.
  private struct FileSegments: Sendable {
    var ids: [SegmentName]
    var values: [Float]
    var warning: String?
  }

  public func run(_ inputs: [AudioInput], onFinished: (_ total: Int, [InputDiagnostic]) -> Void = { _, _ in }) throws(FileError) -> Summary {
    guard case .segments(let stride) = Segmentation(segmentSeconds: segmentSeconds) else {
      throw FileError(path: directory, reason: "segments must be a positive number of seconds")
    }
    try makeDirectory(directory)
    let frames = Framing.frameCount(samples: stride - 1)
    let segmentShape = representation.segmentShape(frames: frames)
    let array = try AtomicFileWriter(destination: PathName.joining(directory, DatasetDirectory.arrayFile))
    // The header is filled in at the end, when the segment count is known.
    array.write(DatasetDirectory.Manifest.arrayHeader(shape: [0] + segmentShape))
    var index = [CSVFormat.line(DatasetDirectory.indexColumns)]
    var summary = Summary()
    let (representation, compat) = (self.representation, self.compat)
    orderedParallelMap(
      count: inputs.count, jobs: jobs,
      work: { i -> Result<FileSegments, AudioDecodingError> in
        Result { () throws(AudioDecodingError) in
          let signal = try loadSignal(atPath: inputs[i].path)
          let pieces = Segmentation.segments(stride: stride).pieces(sampleCount: signal.samples.count, fileName: inputs[i].fileName)
          var values: [Float] = []
          for piece in pieces {
            values += representation.values(of: FrameAnalysis(signal: Array(signal.samples[piece.range]), mode: compat))
          }
          return FileSegments(
            ids: pieces.indices.map { SegmentName(segment: $0, of: inputs[i].fileName) }, values: values, warning: signal.warning)
        }
      },
      deliver: { i, result in
        let input = inputs[i]
        var diagnostics: [InputDiagnostic] = []
        switch result {
        case .success(let file):
          file.values.map { $0.bitPattern.littleEndian }.withUnsafeBytes { array.write($0) }
          for name in file.ids {
            index.append(CSVFormat.line([name.id, name.track, String(name.segment ?? 0), input.label, input.path]))
          }
          summary.segments += file.ids.count
          summary.files += 1
          if let warning = file.warning { diagnostics.append(.init(path: input.path, level: .warning, message: warning)) }
          if file.ids.isEmpty { diagnostics.append(.init(path: input.path, level: .warning, message: "shorter than one segment: no rows")) }
        case .failure(let error):
          diagnostics.append(.init(path: input.path, level: .error, message: error.description))
        }
        summary.diagnostics += diagnostics
        onFinished(inputs.count, diagnostics)
      })
    guard summary.segments > 0 else {
      array.discard()
      return summary
    }
    let shape = [summary.segments] + segmentShape
    try array.overwrite(at: 0, with: DatasetDirectory.Manifest.arrayHeader(shape: shape))
    try array.commit()
    let indexWriter = try AtomicFileWriter(destination: PathName.joining(directory, DatasetDirectory.indexFile))
    indexWriter.write(index.joined())
    try indexWriter.commit()
    let manifest = DatasetDirectory.Manifest(
      representation: representation.name, mfccCount: { if case .mfcc(let n) = representation { return n } else { return nil } }(),
      segmentSeconds: segmentSeconds, compat: compat.rawValue, shape: shape)
    let manifestWriter = try AtomicFileWriter(destination: PathName.joining(directory, DatasetDirectory.manifestFile))
    manifestWriter.write(manifest.json)
    try manifestWriter.commit()
    summary.written = true
    return summary
  }
}

/// Creates `path` (and its parents) unless it is a directory already.
func makeDirectory(_ path: String) throws(FileError) {
  var isDirectory: ObjCBool = false
  if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
    guard isDirectory.boolValue else { throw FileError(path: path, reason: "exists and is not a directory") }
    return
  }
  do {
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  } catch {
    throw FileError(path: path, reason: "cannot create the directory: \(error.localizedDescription)")
  }
}
