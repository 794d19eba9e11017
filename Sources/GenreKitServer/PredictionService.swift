import AudioBridge
import AudioFeatures
import Figures
import Foundation
import Learning
import Synchronization
import TabularIO

/// Scores uploaded songs with one model, at most `workers` at a time and `workers + waiting` in
/// all; past that a request is turned away at once (the server answers 503) rather than queued
/// without bound. An upload is written to a temporary file only to be decoded, and removed after.
public final class PredictionService: Sendable {
  public enum Failure: Error, Equatable {
    /// Not audio, or not audio the model can read (the reason, for the user).
    case unreadable(String)
    /// Every slot is taken.
    case busy
  }

  /// A song's prediction, as `POST /api/predict` returns it.
  public struct Result: Codable, Sendable, Equatable {
    public struct ClassProbability: Codable, Sendable, Equatable {
      public var `class`: String
      public var probability: Double
    }

    public var model: String
    public var file: String
    public var segments: Int
    /// Every class, most probable first.
    public var probabilities: [ClassProbability]
    public var warning: String?
    /// The first 30 s of the song's log-mel spectrogram, as an SVG figure.
    public var spectrogramSVG: String

    enum CodingKeys: String, CodingKey {
      case model, file, segments, probabilities, warning
      case spectrogramSVG = "spectrogram_svg"
    }
  }

  public let model: ModelFile
  public let modelName: String
  let reader: SongInput
  let workers: Int
  let capacity: Int
  let admitted = Mutex(0)
  let slots: DispatchSemaphore

  /// - Throws: `SongInput.Unavailable` when the model cannot read songs.
  public init(model: ModelFile, name: String, workers: Int, waiting: Int) throws(SongInput.Unavailable) {
    self.model = model
    modelName = name
    reader = try SongInput(model: model, path: name)
    self.workers = max(1, workers)
    capacity = self.workers + max(0, waiting)
    slots = DispatchSemaphore(value: self.workers)
  }

  /// Takes a place in the queue, or returns false when it is full.
  func admit() -> Bool {
    admitted.withLock { count in
      guard count < capacity else { return false }
      count += 1
      return true
    }
  }

  func leave() { admitted.withLock { $0 -= 1 } }

  /// Requests admitted and not finished.
  public var inFlight: Int { admitted.withLock { $0 } }

  /// Scores `bytes` (an audio file's, named `fileName` by the client) off the server's threads.
  public func predict(_ bytes: [UInt8], fileName: String) async throws(Failure) -> Result {
    guard admit() else { throw .busy }
    defer { leave() }
    let outcome: Swift.Result<Result, Failure> = await withCheckedContinuation { continuation in
      DispatchQueue.global().async {
        self.slots.wait()
        defer { self.slots.signal() }
        continuation.resume(returning: Swift.Result { () throws(Failure) in try self.score(bytes, fileName: fileName) })
      }
    }
    return try outcome.get()
  }

  /// Decodes, scores and draws one upload; the temporary file is gone when this returns.
  func score(_ bytes: [UInt8], fileName: String) throws(Failure) -> Result {
    // The client's name only lends its extension (libsndfile tells formats by content, but MP3
    // by the name too); the file itself is GenreKit's own, in the temporary folder.
    let suffix = PathName.fileExtension(of: fileName).lowercased()
    let safeSuffix = InputDiscovery.audioExtensions.contains(suffix) ? "." + suffix : ""
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("genrekit-upload-\(UUID().uuidString)\(safeSuffix)").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { throw .unreadable("the server could not store the upload") }
    let signal: (samples: [Float], warning: String?)
    do {
      signal = try loadSignal(atPath: path)
    } catch {
      throw .unreadable(error.description)
    }
    let prediction: SongInput.Prediction
    do {
      prediction = try reader.predict(signal: signal.samples, named: fileName, model: model, jobs: 1)
    } catch {
      throw .unreadable(error.reason)
    }
    let ranked = zip(model.classNames, prediction.probabilities).sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
    return Result(
      model: model.kind.name, file: fileName, segments: prediction.segments,
      probabilities: ranked.map { Result.ClassProbability(class: $0.0, probability: $0.1) }, warning: signal.warning,
      spectrogramSVG: spectrogram(signal.samples, name: fileName))
  }

  /// The log-mel spectrogram of the song's first 30 s.
  func spectrogram(_ samples: [Float], name: String) -> String {
    let clip = Array(samples.prefix(30 * Framing.sampleRate))
    let logMel = FrameAnalysis(signal: clip, mode: .librosa).logMel
    let seconds = Double(clip.count) / Double(Framing.sampleRate)
    let heatmap = Charts.Heatmap(
      title: "", rows: logMel.rows, columns: logMel.frames, values: logMel.values, yTitle: "mel band",
      yTicks: [0, 32, 64, 96, 128].map { (Double($0), "\($0)") }, unit: "dB")
    return SVGWriter.render(
      Charts.spectrogram(
        title: "Log-mel spectrogram", subtitle: String(format: "%@: the first %.1f s, 128 mel bands", name, seconds), duration: seconds, heatmap: heatmap))
  }
}
