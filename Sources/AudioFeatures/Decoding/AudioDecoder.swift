import CSndFile
import CSpectralKernels
import Foundation

/// Why a file produced no signal. The description is the reason shown to the user, after the path.
public enum AudioDecodingError: Error, Equatable, CustomStringConvertible {
  case notFound
  case notARegularFile
  case unreadable(String)
  case noSamples
  case nonFiniteSample(index: Int)
  case resamplingFailed(String)
  case tooLong(limit: Int)

  public var description: String {
    switch self {
    case .notFound: return "no such file"
    case .notARegularFile: return "not a regular file"
    case .unreadable(let reason): return "cannot decode audio: \(reason)"
    case .noSamples: return "the file contains no audio samples"
    case .nonFiniteSample(let index): return "sample \(index) is not a finite number (NaN or infinity)"
    case .resamplingFailed(let reason): return "resampling failed: \(reason)"
    case .tooLong(let limit):
      let minutes = String(format: "%.1f", Double(limit) / 44_100 / 60)
      return "it holds more than \(limit) samples (\(minutes) minutes at 44,100 Hz), more than GenreKit reads: cut it into parts"
    }
  }
}

/// The sample rates decoding accepts: telephone speech to studio masters.
public let plausibleSampleRates = 1_000...768_000

/// The most samples (mono) a file may hold, at its own rate and at 22050 Hz: 1 GB as float32, 101
/// minutes at 44,100 Hz. A few hundred kilobytes of FLAC (constant frames) can decode to billions.
public let maximumDecodedSamples = 1 << 28

/// Decoded audio: mono float32 samples at the file's own rate.
public struct DecodedAudio: Sendable {
  public var samples: [Float]
  public var sampleRate: Int
  /// Set when the file decoded only in part: it is cut short, or its header disagrees with its
  /// size (the samples are what could be read).
  public var integrityWarning: String?
}

/// Reads any format libsndfile reads (WAV, AIFF, AU, FLAC, OGG/Vorbis, MP3, …), as
/// `librosa.load` (through soundfile) does: integer PCM scaled by 2^−(bits−1) (16-bit: x/32768),
/// float data passed through, channels averaged to mono in float32. Native FLAC goes to libFLAC
/// directly (`decodeFLAC`), with the same samples.
public func decodeAudio(atPath path: String, maximumSamples: Int = maximumDecodedSamples) throws(AudioDecodingError) -> DecodedAudio {
  var status = stat()
  guard stat(path, &status) == 0 else {
    throw errno == ENOENT ? .notFound : .unreadable(String(cString: strerror(errno)))
  }
  // Only regular files: a FIFO or device named *.wav would block the reader forever.
  guard (status.st_mode & S_IFMT) == S_IFREG else { throw .notARegularFile }
  if startsWithFLACMarker(path) { return try decodeFLAC(atPath: path, fileSize: Int64(status.st_size), maximumSamples: maximumSamples) }

  var info = SF_INFO()
  guard let file = sf_open(path, Int32(SFM_READ), &info) else {
    throw .unreadable(String(cString: sf_strerror(nil)))
  }
  defer { sf_close(file) }
  let channels = Int(info.channels)
  guard channels > 0 else { throw .unreadable("invalid header") }
  try checkSampleRate(Int(info.samplerate))

  // Mono files are decoded straight into the signal's storage, other files a chunk at a time and
  // averaged into it.
  let interleaved = channels == 1 ? nil : UnsafeMutablePointer<Float>.allocate(capacity: decodingChunkFrames * channels)
  defer { interleaved?.deallocate() }
  let capacity = initialCapacity(announcedFrames: info.frames, fileSize: Int64(status.st_size), maximumSamples: maximumSamples)
  let samples = try collectSamples(capacity: capacity, maximumSamples: maximumSamples) {
    target, room in
    let frames = sf_count_t(min(room, decodingChunkFrames))
    guard let interleaved else { return max(0, Int(sf_readf_float(file, target, frames))) }
    let read = max(0, Int(sf_readf_float(file, interleaved, frames)))
    for i in 0..<read {
      var sum: Float = 0
      for c in 0..<channels { sum += interleaved[i * channels + c] }
      target[i] = sum / Float(channels)
    }
    return read
  }
  // A decoder error after some samples (a FLAC cut short loses sync) still leaves those samples.
  let decoderError = sf_error(file) != 0 ? String(cString: sf_strerror(file)) : nil
  if let decoderError, samples.isEmpty { throw .unreadable(decoderError) }
  guard !samples.isEmpty else { throw .noSamples }
  let bad = samples.withUnsafeBufferPointer { genrekit_first_non_finite($0.baseAddress!, $0.count) }
  guard bad == samples.count else { throw .nonFiniteSample(index: bad) }
  let warning = integrityWarning(
    announcedFrames: info.frames, decodedFrames: samples.count, sampleRate: Int(info.samplerate), decoderError: decoderError,
    sizesDisagree: sizesDisagreeWithHeader(file))
  return DecodedAudio(samples: samples, sampleRate: Int(info.samplerate), integrityWarning: warning)
}

/// Resampling a file that claims a few hertz to 22,050 Hz would make a few bytes into hours of
/// audio (found by fuzzing): rates outside what audio uses are refused.
func checkSampleRate(_ rate: Int) throws(AudioDecodingError) {
  guard plausibleSampleRates.contains(rate) else {
    throw .unreadable("its header's sample rate, \(rate) Hz, is not an audio rate (\(plausibleSampleRates.lowerBound)–\(plausibleSampleRates.upperBound) Hz)")
  }
}

/// The frames libsndfile is asked for at a time, and the chunks a decoder continues in past its
/// first buffer.
let decodingChunkFrames = 1 << 16

/// The samples a decoder makes room for at first. The header's frame count is untrusted (a
/// 551-byte FLAC claimed 537 million frames, found by fuzzing): at most one frame per byte of the
/// file, enough for PCM, and one more than the most it may decode; a compressed file that holds
/// more continues past it.
func initialCapacity(announcedFrames: Int64, fileSize: Int64, maximumSamples: Int) -> Int {
  Int(min(max(announcedFrames, 0), fileSize, Int64(maximumSamples) + 1))
}

/// A decoder's samples in one array, without a copy: `decode(target, room)` writes at most `room`
/// samples at `target` and returns how many, 0 at the end. The first `capacity` go straight into
/// the array's storage; a file that holds more continues a chunk at a time, appended, up to
/// `maximumSamples`.
func collectSamples(
  capacity: Int, maximumSamples: Int, decode: (_ target: UnsafeMutablePointer<Float>, _ room: Int) -> Int
) throws(AudioDecodingError) -> [Float] {
  var samples = [Float](unsafeUninitializedCapacity: capacity) { storage, initialized in
    initialized = 0
    while initialized < capacity {
      let count = decode(storage.baseAddress! + initialized, capacity - initialized)
      guard count > 0 else { return }
      initialized += count
    }
  }
  guard samples.count == capacity else { return samples }
  let chunk = UnsafeMutablePointer<Float>.allocate(capacity: decodingChunkFrames)
  defer { chunk.deallocate() }
  while samples.count <= maximumSamples, case let count = decode(chunk, decodingChunkFrames), count > 0 {
    samples.append(contentsOf: UnsafeBufferPointer(start: chunk, count: count))
  }
  guard samples.count <= maximumSamples else { throw .tooLong(limit: maximumSamples) }
  return samples
}

/// Whether libsndfile's log says a WAV's or AIFF's chunk sizes disagree with the file (cut short,
/// or a header claiming fewer samples than the file holds): it reports that only there.
private func sizesDisagreeWithHeader(_ file: OpaquePointer) -> Bool {
  var log = [UInt8](repeating: 0, count: 16_384)
  let length = Int(sf_command(file, Int32(SFC_GET_LOG_INFO), &log, Int32(log.count)))
  let text = String(decoding: log.prefix(min(max(length, 0), log.count)), as: UTF8.self)
  return ["(should be", "> file length", "Unknown chunk marker"].contains { text.contains($0) }
}

/// The warning for a file that decoded only in part: fewer frames than its header announces, a
/// decoder error, or (libsndfile's WAV and AIFF) chunk sizes that disagree with the file; nil for a
/// whole file.
func integrityWarning(
  announcedFrames: Int64, decodedFrames: Int, sampleRate: Int, decoderError: String?, sizesDisagree: Bool = false
) -> String? {
  let truncated = Int64(decodedFrames) < announcedFrames
  // Formatted only for a warning: `String(format:)` costs a one-clip process 0.4 ms on its first call.
  guard truncated || decoderError != nil || sizesDisagree else { return nil }
  let decoded = String(format: "%.2f s (%d samples at %d Hz)", Double(decodedFrames) / Double(sampleRate), decodedFrames, sampleRate)
  if truncated {
    let announced = String(format: "%.2f s", Double(announcedFrames) / Double(sampleRate))
    return "truncated: the header announces \(announced), only \(decoded) decoded" + (decoderError.map { ": \($0)" } ?? "")
  }
  if let decoderError { return "damaged: \(decoderError); decoded \(decoded)" }
  return "the file's size disagrees with its header (cut short, or more data than the header claims); decoded \(decoded)"
}

/// The signal every feature is computed on: decoded, mono, at 22050 Hz (resampled with soxr HQ
/// when the file has another rate), and the decoder's integrity warning, if any. At most
/// `maximumSamples` samples both as decoded and at 22050 Hz (a file at 8 kHz grows 2.8 times).
public func loadSignal(
  atPath path: String, maximumSamples: Int = maximumDecodedSamples
) throws(AudioDecodingError) -> (samples: [Float], warning: String?) {
  let audio = try decodeAudio(atPath: path, maximumSamples: maximumSamples)
  guard audio.sampleRate != Framing.sampleRate else { return (audio.samples, audio.integrityWarning) }
  guard Int64(audio.samples.count) * Int64(Framing.sampleRate) / Int64(audio.sampleRate) <= maximumSamples else {
    throw .tooLong(limit: maximumSamples)
  }
  return (try resample(audio.samples, from: audio.sampleRate, to: Framing.sampleRate), audio.integrityWarning)
}
