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

  public var description: String {
    switch self {
    case .notFound: return "no such file"
    case .notARegularFile: return "not a regular file"
    case .unreadable(let reason): return "cannot decode audio: \(reason)"
    case .noSamples: return "the file contains no audio samples"
    case .nonFiniteSample(let index): return "sample \(index) is not a finite number (NaN or infinity)"
    case .resamplingFailed(let reason): return "resampling failed: \(reason)"
    }
  }
}

/// The sample rates decoding accepts: telephone speech to studio masters.
public let plausibleSampleRates = 1_000...768_000

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
/// float data passed through, channels averaged to mono in float32.
public func decodeAudio(atPath path: String) throws(AudioDecodingError) -> DecodedAudio {
  var status = stat()
  guard stat(path, &status) == 0 else {
    throw errno == ENOENT ? .notFound : .unreadable(String(cString: strerror(errno)))
  }
  // Only regular files: a FIFO or device named *.wav would block the reader forever.
  guard (status.st_mode & S_IFMT) == S_IFREG else { throw .notARegularFile }

  var info = SF_INFO()
  guard let file = sf_open(path, Int32(SFM_READ), &info) else {
    throw .unreadable(String(cString: sf_strerror(nil)))
  }
  defer { sf_close(file) }
  let channels = Int(info.channels)
  guard channels > 0, info.samplerate > 0 else { throw .unreadable("invalid header") }
  // Resampling a file that claims a few hertz to 22,050 Hz would make a few bytes into hours of
  // audio (found by fuzzing): rates outside what audio uses are refused.
  guard plausibleSampleRates.contains(Int(info.samplerate)) else {
    throw .unreadable("its header's sample rate, \(info.samplerate) Hz, is not an audio rate (\(plausibleSampleRates.lowerBound)–\(plausibleSampleRates.upperBound) Hz)")
  }

  // Mono files are decoded straight into one buffer, other files a chunk at a time and averaged
  // into it. The header's frame count is untrusted (a 551-byte FLAC claimed 537 million frames,
  // found by fuzzing): the buffer starts at most one frame per byte of the file, enough for PCM,
  // and doubles when a compressed file holds more.
  let chunkFrames = 1 << 16
  var capacity = max(chunkFrames, Int(min(max(info.frames, 0), Int64(status.st_size))))
  var samples = UnsafeMutablePointer<Float>.allocate(capacity: capacity)
  defer { samples.deallocate() }
  let interleaved = channels == 1 ? nil : UnsafeMutablePointer<Float>.allocate(capacity: chunkFrames * channels)
  defer { interleaved?.deallocate() }
  var count = 0
  while true {
    if capacity - count < chunkFrames {
      capacity *= 2
      let grown = UnsafeMutablePointer<Float>.allocate(capacity: capacity)
      grown.moveInitialize(from: samples, count: count)
      samples.deallocate()
      samples = grown
    }
    let read: Int
    if let interleaved {
      read = Int(sf_readf_float(file, interleaved, sf_count_t(chunkFrames)))
      for i in 0..<max(read, 0) {
        var sum: Float = 0
        for c in 0..<channels { sum += interleaved[i * channels + c] }
        samples[count + i] = sum / Float(channels)
      }
    } else {
      read = Int(sf_readf_float(file, samples + count, sf_count_t(chunkFrames)))
    }
    guard read > 0 else { break }
    count += read
  }
  // A decoder error after some samples (a FLAC cut short loses sync) still leaves those samples.
  let decoderError = sf_error(file) != 0 ? String(cString: sf_strerror(file)) : nil
  if let decoderError, count == 0 { throw .unreadable(decoderError) }
  guard count > 0 else { throw .noSamples }
  let bad = genrekit_first_non_finite(samples, count)
  guard bad == count else { throw .nonFiniteSample(index: bad) }
  let mono = [Float](unsafeUninitializedCapacity: count) { mono, initialized in
    mono.baseAddress!.initialize(from: samples, count: count)
    initialized = count
  }
  let warning = integrityWarning(
    file, announcedFrames: info.frames, decodedFrames: mono.count, sampleRate: Int(info.samplerate), decoderError: decoderError)
  return DecodedAudio(samples: mono, sampleRate: Int(info.samplerate), integrityWarning: warning)
}

/// Whether a file decoded whole. libsndfile reports a short stream (fewer frames than the header
/// announces, or a decoder error) directly; a WAV or AIFF whose chunk sizes disagree with the file
/// (cut short, or a header claiming fewer samples than the file holds) only in its log.
private func integrityWarning(
  _ file: OpaquePointer, announcedFrames: sf_count_t, decodedFrames: Int, sampleRate: Int, decoderError: String?
) -> String? {
  var log = [UInt8](repeating: 0, count: 16_384)
  let length = Int(sf_command(file, Int32(SFC_GET_LOG_INFO), &log, Int32(log.count)))
  let text = String(decoding: log.prefix(min(max(length, 0), log.count)), as: UTF8.self)
  let sizesDisagree = ["(should be", "> file length", "Unknown chunk marker"].contains { text.contains($0) }
  guard decoderError != nil || Int64(decodedFrames) < Int64(announcedFrames) || sizesDisagree else { return nil }
  let decoded = String(format: "%.2f s (%d samples at %d Hz)", Double(decodedFrames) / Double(sampleRate), decodedFrames, sampleRate)
  if Int64(decodedFrames) < Int64(announcedFrames) {
    let announced = String(format: "%.2f s", Double(announcedFrames) / Double(sampleRate))
    return "truncated: the header announces \(announced), only \(decoded) decoded"
  }
  return "the file's size disagrees with its header (cut short, or more data than the header claims); decoded \(decoded)"
}

/// The signal every feature is computed on: decoded, mono, at 22050 Hz (resampled with soxr HQ
/// when the file has another rate), and the decoder's integrity warning, if any.
public func loadSignal(atPath path: String) throws(AudioDecodingError) -> (samples: [Float], warning: String?) {
  let audio = try decodeAudio(atPath: path)
  guard audio.sampleRate != Framing.sampleRate else { return (audio.samples, audio.integrityWarning) }
  return (try resample(audio.samples, from: audio.sampleRate, to: Framing.sampleRate), audio.integrityWarning)
}
