import Foundation
import TabularIO
import TensorIO

/// How a model's input is made from audio, recorded in its model file, so that `predict` makes
/// the same from a new song: the GTZAN features of segments or whole clips (a model of table
/// rows), MFCC frame sequences or log-mel spectrograms of segments.
public struct InputDescription: Codable, Equatable, Sendable {
  public var kind: InputKind
  /// `features` (the GTZAN features), `mfcc` or `logmel`.
  public var representation: String
  /// Values per frame: MFCC coefficients or mel bands; for features, the 57 GTZAN features.
  public var coefficients: Int
  /// Frames per segment (spectrograms), or nil.
  public var frames: Int?
  /// The segment length; for whole clips, the clips' length (a longer song is cut into pieces of it).
  public var segmentSeconds: Double
  /// Features of whole clips rather than of segments (nil: segments).
  public var wholeClips: Bool?
  /// `kaggle` (reflect padding) or `librosa`.
  public var compat: String

  public init(
    kind: InputKind, representation: String, coefficients: Int, frames: Int?, segmentSeconds: Double, wholeClips: Bool? = nil,
    compat: String
  ) {
    self.kind = kind
    self.representation = representation
    self.coefficients = coefficients
    self.frames = frames
    self.segmentSeconds = segmentSeconds
    self.wholeClips = wholeClips
    self.compat = compat
  }

  public static let representations: [String: InputKind] = ["features": .featureRows, "mfcc": .frameSequences, "logmel": .spectrograms]

  /// `logmel spectrograms of 128 × 130`, `mfcc frame-sequences of 13 coefficients`, or
  /// `GTZAN features of 3-s segments`.
  public var summary: String {
    let length = segmentSeconds.formatted()
    if kind == .featureRows { return wholeClips == true ? "GTZAN features of whole clips (\(length) s)" : "GTZAN features of \(length)-s segments" }
    return "\(representation) \(kind.rawValue) of " + (frames.map { "\(coefficients) × \($0)" } ?? "\(coefficients) coefficients")
  }

  /// Why a model file's description cannot be used, if it cannot: it is untrusted input.
  public var problem: String? {
    guard Self.representations[representation] == kind else { return "input.representation \(excerpt(representation)) does not make \(kind.rawValue)" }
    guard (1...4096).contains(coefficients) else { return "input.coefficients \(coefficients) is out of range" }
    if let frames, !(1...1_000_000).contains(frames) { return "input.frames \(frames) is out of range" }
    // The lengths `extract --segment-seconds` takes.
    guard segmentSeconds.isFinite, segmentSeconds > 0, segmentSeconds < 365 * 86_400 else { return "input.segmentSeconds \(segmentSeconds) is out of range" }
    guard ["kaggle", "librosa"].contains(compat) else { return "input.compat \(excerpt(compat)) is not kaggle or librosa" }
    return nil
  }
}

extension InputKind {
  /// Where input of this kind comes from, for messages.
  public var source: String {
    switch self {
    case .featureRows: return "a feature table"
    case .frameSequences: return "an MFCC dataset ('genrekit dataset --representation mfcc')"
    case .spectrograms: return "a log-mel dataset ('genrekit dataset --representation logmel')"
    }
  }
}

/// A segment dataset directory (`DatasetDirectory`, written by `genrekit dataset`), read and
/// checked: MFCC datasets become frame sequences, log-mel datasets spectrograms; each segment's
/// group is its track.
public struct SegmentDataset: Sendable {
  public var input: ModelInput
  public var labels: [Int]
  public var classNames: [String]
  /// Each segment's track: the split unit.
  public var tracks: [String]
  /// Each segment's id (`blues.00000.3.wav`).
  public var ids: [String]
  public var description: InputDescription
  /// XXH64 of the index and the array: tells whether a dataset is the one a model was trained on.
  public var fingerprint: String

  public var count: Int { labels.count }

  public init(
    input: ModelInput, labels: [Int], classNames: [String], tracks: [String], ids: [String], description: InputDescription, fingerprint: String
  ) {
    self.input = input
    self.labels = labels
    self.classNames = classNames
    self.tracks = tracks
    self.ids = ids
    self.description = description
    self.fingerprint = fingerprint
  }

  public var trainingData: TrainingData {
    TrainingData(input: input, labels: labels, classCount: classNames.count, groups: tracks, sources: tracks)
  }

  /// Whether `path` is a dataset directory.
  public static func isDataset(_ path: String) -> Bool {
    FileManager.default.fileExists(atPath: PathName.joining(path, DatasetDirectory.manifestFile))
  }

  public static func read(directory: String) throws -> SegmentDataset {
    func file(_ name: String) -> String { PathName.joining(directory, name) }
    let manifest: DatasetDirectory.Manifest
    do {
      manifest = try JSONDecoder().decode(DatasetDirectory.Manifest.self, from: InputFile.contents(of: file(DatasetDirectory.manifestFile)))
    } catch let error as FileError {
      throw error
    } catch {
      throw FileError(path: file(DatasetDirectory.manifestFile), reason: "not a GenreKit dataset manifest")
    }
    let arrayBytes = try InputFile.bytes(of: file(DatasetDirectory.arrayFile))
    let array: NumpyArray
    do {
      array = try NumpyArray(serialized: arrayBytes)
    } catch {
      throw FileError(path: file(DatasetDirectory.arrayFile), reason: "\(error)")
    }
    guard array.shape == manifest.shape, array.shape.count == 3, array.shape.allSatisfy({ $0 > 0 }) else {
      throw FileError(path: file(DatasetDirectory.arrayFile), reason: "its shape \(array.shape) is not the manifest's \(manifest.shape)")
    }
    if let bad = array.values.firstIndex(where: { !$0.isFinite }) {
      throw FileError(path: file(DatasetDirectory.arrayFile), reason: "element \(bad) is \(array.values[bad]), not a finite number")
    }
    let indexPath = file(DatasetDirectory.indexFile)
    let indexBytes = try InputFile.bytes(of: indexPath)
    let records = try CSVReader.parse(indexBytes, path: indexPath, delimiter: UInt8(ascii: ","))
    guard records.first?.fields == DatasetDirectory.indexColumns else {
      throw CSVError(path: indexPath, line: 1, reason: "the header must be \(DatasetDirectory.indexColumns.joined(separator: ","))")
    }
    let rows = Array(records.dropFirst())
    guard rows.count == array.shape[0] else {
      throw CSVError(path: indexPath, reason: "\(rows.count) segments listed; the array holds \(array.shape[0])")
    }
    if let ragged = rows.first(where: { $0.fields.count != DatasetDirectory.indexColumns.count }) {
      throw CSVError(path: indexPath, line: ragged.line, reason: "expected \(DatasetDirectory.indexColumns.count) fields")
    }
    if let unlabelled = rows.first(where: { $0.fields[3].isEmpty }) {
      throw CSVError(path: indexPath, line: unlabelled.line, column: 4, reason: "empty label")
    }
    let labelTexts = rows.map { $0.fields[3] }
    let classNames = Array(Set(labelTexts)).sorted()
    let classIndex = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($1, $0) })
    let (segments, first, second) = (array.shape[0], array.shape[1], array.shape[2])
    let input: ModelInput
    let description: InputDescription
    switch manifest.representation {
    case "mfcc":
      input = .sequences(FrameSequences(coefficients: second, values: array.values.map(Double.init), offsets: (0...segments).map { $0 * first }))
      description = InputDescription(
        kind: .frameSequences, representation: "mfcc", coefficients: second, frames: nil, segmentSeconds: manifest.segmentSeconds,
        compat: manifest.compat)
    case "logmel":
      input = .spectrograms(Spectrograms(bands: first, frames: second, values: array.values))
      description = InputDescription(
        kind: .spectrograms, representation: "logmel", coefficients: first, frames: second, segmentSeconds: manifest.segmentSeconds,
        compat: manifest.compat)
    default:
      throw FileError(path: file(DatasetDirectory.manifestFile), reason: "representation \(excerpt(manifest.representation)) is not mfcc or logmel")
    }
    return SegmentDataset(
      input: input, labels: labelTexts.map { classIndex[$0]! }, classNames: classNames, tracks: rows.map { $0.fields[1] },
      ids: rows.map { $0.fields[0] }, description: description,
      fingerprint: "xxh64:" + String(xxHash64(indexBytes + arrayBytes), radix: 16))
  }
}
