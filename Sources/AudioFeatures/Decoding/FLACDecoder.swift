import CFLAC
import Foundation

/// Whether the file starts with FLAC's stream marker, "fLaC" (native FLAC; Ogg FLAC and FLAC
/// behind an ID3 tag go through libsndfile).
func startsWithFLACMarker(_ path: String) -> Bool {
  guard let file = fopen(path, "rb") else { return false }
  defer { fclose(file) }
  var marker = [UInt8](repeating: 0, count: 4)
  return fread(&marker, 1, 4, file) == 4 && marker == Array("fLaC".utf8)
}

/// Native FLAC through libFLAC itself: libsndfile's FLAC reader copies every block twice around
/// libFLAC (a fifth of a FLAC clip's decoding). The samples are libsndfile's: each integer
/// times 2^−(bits−1) in float32, channels averaged in float32 in channel order. Decoding stops at
/// the first error libFLAC reports (a damaged frame, lost sync); the samples before it are kept,
/// with a warning. Every bit depth libFLAC decodes (4 to 32) is read, where libsndfile reads 8,
/// 16 and 24 only.
func decodeFLAC(atPath path: String, fileSize: Int64, maximumSamples: Int) throws(AudioDecodingError) -> DecodedAudio {
  guard let decoder = FLAC__stream_decoder_new() else { throw .unreadable("out of memory") }
  defer { FLAC__stream_decoder_delete(decoder) }
  let stream = FLACStream(maximumSamples: maximumSamples)
  let client = Unmanaged.passUnretained(stream).toOpaque()
  // `stream` outlives the decoder's use of `client`: it is read after the last libFLAC call.
  let initialized = FLAC__stream_decoder_init_file(decoder, path, writeFLACFrame, readFLACMetadata, noteFLACError, client)
  guard initialized == FLAC__STREAM_DECODER_INIT_STATUS_OK else {
    throw .unreadable(initialized == FLAC__STREAM_DECODER_INIT_STATUS_ERROR_OPENING_FILE ? String(cString: strerror(errno)) : "libFLAC cannot start")
  }
  // The header first: the rate is checked and the buffer sized before any audio is decoded.
  FLAC__stream_decoder_process_until_end_of_metadata(decoder)
  guard let info = stream.info else { throw .unreadable(stream.errorDescription ?? "no FLAC stream header") }
  try checkSampleRate(info.sampleRate)

  let capacity = initialCapacity(announcedFrames: info.announcedFrames, fileSize: fileSize, maximumSamples: maximumSamples)
  var samples = [Float](unsafeUninitializedCapacity: capacity) { storage, count in
    stream.storage = storage.baseAddress
    stream.capacity = capacity
    FLAC__stream_decoder_process_until_end_of_stream(decoder)
    count = stream.stored
    stream.storage = nil
  }
  guard !stream.tooLong else { throw .tooLong(limit: maximumSamples) }
  samples += stream.overflow
  let state = FLAC__stream_decoder_get_state(decoder)
  let decoderError =
    stream.errorDescription
    ?? (state == FLAC__STREAM_DECODER_END_OF_STREAM ? nil
      : state == FLAC__STREAM_DECODER_MEMORY_ALLOCATION_ERROR ? "out of memory" : "libFLAC stopped (state \(state.rawValue))")
  if let decoderError, samples.isEmpty { throw .unreadable(decoderError) }
  guard !samples.isEmpty else { throw .noSamples }
  // Integers scaled by a power of two: every sample is finite.
  let warning = integrityWarning(
    announcedFrames: info.announcedFrames, decodedFrames: samples.count, sampleRate: info.sampleRate, decoderError: decoderError)
  return DecodedAudio(samples: samples, sampleRate: info.sampleRate, integrityWarning: warning)
}

/// What libFLAC's callbacks fill in: the stream header, the first error, the mono samples (into
/// `storage` up to `capacity`, the rest into `overflow`, at most `maximumSamples`).
private final class FLACStream {
  struct Info {
    var sampleRate: Int
    /// STREAMINFO's total samples; 0 where the encoder did not know it.
    var announcedFrames: Int64
  }
  var info: Info?
  var errorDescription: String?
  var storage: UnsafeMutablePointer<Float>?
  var capacity = 0
  var stored = 0
  var overflow: [Float] = []
  let maximumSamples: Int
  /// Set, and decoding stopped, when the next block would pass `maximumSamples`.
  var tooLong = false

  init(maximumSamples: Int) { self.maximumSamples = maximumSamples }
}

private func flacStream(_ client: UnsafeMutableRawPointer?) -> FLACStream {
  Unmanaged<FLACStream>.fromOpaque(client!).takeUnretainedValue()
}

private let readFLACMetadata: FLAC__StreamDecoderMetadataCallback = { _, metadata, client in
  guard let metadata, metadata.pointee.type == FLAC__METADATA_TYPE_STREAMINFO else { return }
  let header = metadata.pointee.data.stream_info
  flacStream(client).info = .init(sampleRate: Int(header.sample_rate), announcedFrames: Int64(header.total_samples))
}

private let noteFLACError: FLAC__StreamDecoderErrorCallback = { _, status, client in
  let stream = flacStream(client)
  guard stream.errorDescription == nil else { return }
  switch status {
  case FLAC__STREAM_DECODER_ERROR_STATUS_LOST_SYNC: stream.errorDescription = "the FLAC stream lost sync (damaged or cut short)"
  case FLAC__STREAM_DECODER_ERROR_STATUS_BAD_HEADER: stream.errorDescription = "a FLAC frame header is damaged"
  case FLAC__STREAM_DECODER_ERROR_STATUS_FRAME_CRC_MISMATCH: stream.errorDescription = "a FLAC frame fails its checksum"
  case FLAC__STREAM_DECODER_ERROR_STATUS_BAD_METADATA: stream.errorDescription = "a FLAC metadata block is damaged"
  default: stream.errorDescription = "the FLAC stream uses features libFLAC cannot decode"
  }
}

private let writeFLACFrame: FLAC__StreamDecoderWriteCallback = { _, frame, buffer, client in
  let stream = flacStream(client)
  // After an error libFLAC still delivers the damaged frame (as silence): it is not kept.
  guard stream.errorDescription == nil, let frame, let buffer else { return FLAC__STREAM_DECODER_WRITE_STATUS_ABORT }
  let header = frame.pointee.header
  let length = Int(header.blocksize)
  guard stream.stored + stream.overflow.count + length <= stream.maximumSamples else {
    stream.tooLong = true
    return FLAC__STREAM_DECODER_WRITE_STATUS_ABORT
  }
  let channels = (0..<Int(header.channels)).map { buffer[$0]! }
  // libFLAC gives 1 to 32 bits (STREAMINFO's 5-bit field plus 1); the guard keeps a shift by −1 out.
  let scale = 1 / Float(Int64(1) << (max(Int(header.bits_per_sample), 1) - 1))
  let fitting = min(length, stream.capacity - stream.stored)
  if fitting > 0 {
    mixFLACBlock(channels, scale: scale, samples: 0..<fitting, into: stream.storage! + stream.stored)
    stream.stored += fitting
  }
  if fitting < length {
    let start = stream.overflow.count
    stream.overflow.append(contentsOf: repeatElement(0, count: length - fitting))
    stream.overflow.withUnsafeMutableBufferPointer {
      mixFLACBlock(channels, scale: scale, samples: fitting..<length, into: $0.baseAddress! + start)
    }
  }
  return FLAC__STREAM_DECODER_WRITE_STATUS_CONTINUE
}

/// `target[i − samples.lowerBound]` = the mean over channels of `channel[i] · scale`, in float32.
private func mixFLACBlock(
  _ channels: [UnsafePointer<FLAC__int32>], scale: Float, samples: Range<Int>, into target: UnsafeMutablePointer<Float>
) {
  if channels.count == 1 {
    let channel = channels[0]
    for i in samples { target[i - samples.lowerBound] = Float(channel[i]) * scale }
    return
  }
  for i in samples {
    var sum: Float = 0
    for channel in channels { sum += Float(channel[i]) * scale }
    target[i - samples.lowerBound] = sum / Float(channels.count)
  }
}
