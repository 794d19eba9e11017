import AudioFeatures
import CSndFile
import Foundation
import Learning
import TestSupport
import Testing

/// Writes `frames` (interleaved channels) with libsndfile in the given format.
func writeAudio(_ path: String, _ samples: [Float], channels: Int = 1, rate: Int = 22050, format: Int) throws {
  var info = SF_INFO()
  info.samplerate = Int32(rate)
  info.channels = Int32(channels)
  info.format = Int32(format)
  let file = try #require(sf_open(path, Int32(SFM_WRITE), &info), "libsndfile cannot write \(path)")
  // Integer formats: exact round trip of values on the 16-bit grid, no clipping normalisation.
  sf_command(file, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE))
  _ = samples.withUnsafeBufferPointer { sf_writef_float(file, $0.baseAddress, sf_count_t(samples.count / channels)) }
  sf_close(file)
}

func temporaryDirectory() throws -> URL { try makeTemporaryFolder(prefix: "genrekit-tests") }

@Suite struct DecodingTests {
  /// Values on the 16-bit grid, so every lossless format must give them back exactly.
  let samples: [Float] = (0..<4000).map { Float(Int((sin(Double($0) * 0.05) * 20000).rounded())) / 32768 }

  static let losslessFormats: [(String, Int)] = [
    ("wav16", SF_FORMAT_WAV | SF_FORMAT_PCM_16), ("wav24", SF_FORMAT_WAV | SF_FORMAT_PCM_24),
    ("wav32", SF_FORMAT_WAV | SF_FORMAT_PCM_32), ("wavfloat", SF_FORMAT_WAV | SF_FORMAT_FLOAT),
    ("flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16), ("aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_16),
    ("au", SF_FORMAT_AU | SF_FORMAT_PCM_16),
  ]

  /// A header that claims far more frames than the file holds (a FLAC's STREAMINFO patched to
  /// 2^31 − 2^16 samples) reserves no more than the file can hold: it decodes what is there, with
  /// a warning, in an array not sized by the claim.
  @Test func aHeadersFrameCountIsNotTrusted() throws {
    let path = try temporaryDirectory().appendingPathComponent("claims.flac").path
    try writeAudio(path, samples, format: SF_FORMAT_FLAC | SF_FORMAT_PCM_16)
    var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    // STREAMINFO's 36-bit total sample count: the low 4 bits of byte 21, then bytes 22 ... 25.
    bytes[21] &= 0xF0
    bytes.replaceSubrange(22...25, with: [0x7F, 0xFF, 0x00, 0x00])
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    let audio = try decodeAudio(atPath: path)
    #expect(audio.samples == samples)
    #expect(audio.samples.capacity <= max(bytes.count, 2 * samples.count), "capacity \(audio.samples.capacity)")
    #expect(audio.integrityWarning?.contains("truncated") == true)

    // A total of 0: the encoder did not know it. Everything decodes, without a warning.
    bytes[21] &= 0xF0
    bytes.replaceSubrange(22...25, with: [0, 0, 0, 0])
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    let unknown = try decodeAudio(atPath: path)
    #expect(unknown.samples == samples && unknown.integrityWarning == nil)
  }

  /// A compressed file can hold far more frames than bytes (300,000 frames of near-silence in a
  /// few kilobytes): decoding outgrows the buffer sized by the file and still returns every sample.
  @Test func aCompressedFileLongerThanItsBytesDecodesWhole() throws {
    let quiet = (0..<300_000).map { Float(($0 / 1000) % 3 - 1) / 32768 }
    let path = try temporaryDirectory().appendingPathComponent("quiet.flac").path
    try writeAudio(path, quiet, format: SF_FORMAT_FLAC | SF_FORMAT_PCM_16)
    let bytes = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    #expect(bytes < quiet.count / 4, "the file must be smaller than the first buffer: \(bytes) bytes")
    let audio = try decodeAudio(atPath: path)
    #expect(audio.samples == quiet)
    #expect(audio.integrityWarning == nil)
  }

  @Test(arguments: losslessFormats)
  func losslessFormatsDecodeExactly(name: String, format: Int) throws {
    let path = try temporaryDirectory().appendingPathComponent("x.\(name)").path
    try writeAudio(path, samples, format: format)
    let audio = try decodeAudio(atPath: path)
    #expect(audio.sampleRate == 22050)
    #expect(audio.samples == samples)
    #expect(audio.integrityWarning == nil)
  }

  /// Files that decode only in part give their samples and a warning with the decoded duration.
  @Test func truncatedFilesDecodeWithAWarning() throws {
    let directory = try temporaryDirectory()
    let long = (0..<66_150).map { Float(Int((sin(Double($0) * 0.01) * 20000).rounded())) / 32768 }
    func cutToAThird(_ name: String, format: Int) throws -> String {
      let path = directory.appendingPathComponent(name).path
      try writeAudio(path, long, format: format)
      let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
      try bytes.prefix(bytes.count / 3).write(to: URL(fileURLWithPath: path))
      return path
    }
    let flac = try decodeAudio(atPath: try cutToAThird("cut.flac", format: SF_FORMAT_FLAC | SF_FORMAT_PCM_16))
    #expect(flac.samples.count < long.count / 2 && !flac.samples.isEmpty)
    #expect(flac.integrityWarning?.hasPrefix("truncated: the header announces 3.00 s, only ") == true, "\(String(describing: flac.integrityWarning))")
    let wav = try decodeAudio(atPath: try cutToAThird("cut.wav", format: SF_FORMAT_WAV | SF_FORMAT_PCM_16))
    #expect(wav.samples == Array(long.prefix(wav.samples.count)) && wav.samples.count < long.count / 2)
    let decoded = String(format: "decoded %.2f s (%d samples at 22050 Hz)", Double(wav.samples.count) / 22050, wav.samples.count)
    #expect(wav.integrityWarning?.hasSuffix(decoded) == true, "\(String(describing: wav.integrityWarning))")

    // A header that claims half of the samples the file holds.
    let short = directory.appendingPathComponent("short_header.wav").path
    try writeAudio(short, long, format: SF_FORMAT_WAV | SF_FORMAT_PCM_16)
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: short)))
    let data = try #require((0..<(bytes.count - 4)).first { bytes[$0..<($0 + 4)].elementsEqual("data".utf8) })
    bytes.replaceSubrange((data + 4)..<(data + 8), with: withUnsafeBytes(of: UInt32(long.count).littleEndian, Array.init))
    try Data(bytes).write(to: URL(fileURLWithPath: short))
    let claimed = try decodeAudio(atPath: short)
    #expect(claimed.samples == Array(long.prefix(long.count / 2)))
    #expect(claimed.integrityWarning?.contains("disagrees with its header") == true, "\(String(describing: claimed.integrityWarning))")
  }

  /// A file that decodes to more samples than the limit is refused, whatever its header says and
  /// however few its bytes (300,000 samples of near-silence in a few kilobytes of FLAC); one at the
  /// limit decodes whole. The limit holds at 22050 Hz too: 8 kHz grows 2.76 times there.
  @Test func filesLongerThanTheLimitAreRefused() throws {
    let directory = try temporaryDirectory()
    let quiet = (0..<300_000).map { Float(($0 / 1000) % 3 - 1) / 32768 }
    for (name, format) in [("long.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16), ("long.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16)] {
      let path = directory.appendingPathComponent(name).path
      try writeAudio(path, quiet, format: format)
      #expect(throws: AudioDecodingError.tooLong(limit: 299_999), "\(name)") { try decodeAudio(atPath: path, maximumSamples: 299_999) }
      #expect(try decodeAudio(atPath: path, maximumSamples: 300_000).samples == quiet, "\(name)")
    }
    let narrow = directory.appendingPathComponent("narrow.wav").path
    try writeAudio(narrow, Array(quiet.prefix(20_000)), rate: 8000, format: SF_FORMAT_WAV | SF_FORMAT_PCM_16)
    #expect(throws: AudioDecodingError.tooLong(limit: 50_000)) { try loadSignal(atPath: narrow, maximumSamples: 50_000) }
    #expect(try loadSignal(atPath: narrow, maximumSamples: 55_125).samples.count == 55_125)
    #expect(AudioDecodingError.tooLong(limit: maximumDecodedSamples).description.contains("(101.4 minutes at 44,100 Hz)"))
  }

  /// The file as libsndfile reads it, channels averaged in float32 in channel order.
  static func libsndfileMono(_ path: String) throws -> [Float] {
    var info = SF_INFO()
    let file = try #require(sf_open(path, Int32(SFM_READ), &info))
    defer { sf_close(file) }
    let channels = Int(info.channels)
    var interleaved = [Float](repeating: 0, count: Int(info.frames) * channels)
    let read = Int(sf_readf_float(file, &interleaved, info.frames))
    return (0..<read).map { i in
      var sum: Float = 0
      for c in 0..<channels { sum += interleaved[i * channels + c] }
      return sum / Float(channels)
    }
  }

  /// Native FLAC is decoded by libFLAC directly: the samples libsndfile reads from the same file
  /// (each integer scaled to float32, channels averaged in float32), for 8-, 16- and 24-bit, mono
  /// and three channels, at another rate.
  @Test(arguments: [SF_FORMAT_PCM_S8, SF_FORMAT_PCM_16, SF_FORMAT_PCM_24], [1, 3])
  func flacDecodesAsLibsndfileReadsIt(bits: Int, channels: Int) throws {
    var generator = SeededGenerator(seed: UInt64(bits * 10 + channels))
    let interleaved = (0..<(20_000 * channels)).map { _ in Float.random(in: -1..<1, using: &generator) }
    let path = try temporaryDirectory().appendingPathComponent("x\(bits)_\(channels).flac").path
    try writeAudio(path, interleaved, channels: channels, rate: 44100, format: SF_FORMAT_FLAC | bits)
    let audio = try decodeAudio(atPath: path)
    #expect(audio.sampleRate == 44100 && audio.integrityWarning == nil)
    let expected = try Self.libsndfileMono(path)
    #expect(expected.count == 20_000 && audio.samples == expected)
  }

  /// A FLAC damaged in its middle gives the samples before the damaged frame, exactly, and a
  /// warning that names the damage; nothing from the damaged frame on (libFLAC delivers it as
  /// silence).
  @Test func aDamagedFLACFrameEndsDecodingWithAWarning() throws {
    let long = (0..<66_150).map { Float(Int((sin(Double($0) * 0.01) * 20000).rounded())) / 32768 }
    let url = try temporaryDirectory().appendingPathComponent("damaged.flac")
    try writeAudio(url.path, long, format: SF_FORMAT_FLAC | SF_FORMAT_PCM_16)
    var bytes = [UInt8](try Data(contentsOf: url))
    for i in (bytes.count / 2)..<(bytes.count / 2 + 16) { bytes[i] ^= 0x5A }
    try Data(bytes).write(to: url)
    let audio = try decodeAudio(atPath: url.path)
    #expect(!audio.samples.isEmpty && audio.samples.count < long.count * 2 / 3, "\(audio.samples.count) samples")
    #expect(audio.samples == Array(long.prefix(audio.samples.count)))
    let warning = audio.integrityWarning ?? ""
    #expect(warning.hasPrefix("truncated: the header announces 3.00 s, only ") && warning.hasSuffix("decoded: the FLAC stream lost sync (damaged or cut short)"), "\(warning)")
  }

  static let lossyFormats: [(String, Int)] = [
    ("ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS), ("mp3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III),
  ]

  /// Lossy codecs: the same length and a close waveform.
  @Test(arguments: lossyFormats)
  func lossyFormatsDecode(name: String, format: Int) throws {
    let path = try temporaryDirectory().appendingPathComponent("x.\(name)").path
    try writeAudio(path, samples, format: format)
    let audio = try decodeAudio(atPath: path)
    #expect(audio.samples.count == samples.count)
    #expect(maxAbsDifference(audio.samples, samples) < 0.05)
  }

  /// int16 / 32768, exactly, as soundfile gives librosa.
  @Test func sixteenBitScaling() throws {
    let path = try temporaryDirectory().appendingPathComponent("edge.wav").path
    try writeAudio(path, [-1, -0.5, 0, 32767.0 / 32768], format: SF_FORMAT_WAV | SF_FORMAT_PCM_16)
    #expect(try decodeAudio(atPath: path).samples == [-1, -0.5, 0, 32767.0 / 32768])
  }

  @Test func channelsAreAveraged() throws {
    let path = try temporaryDirectory().appendingPathComponent("stereo.wav").path
    try writeAudio(path, [0.5, 0.25, -1, 0], channels: 2, format: SF_FORMAT_WAV | SF_FORMAT_FLOAT)
    #expect(try decodeAudio(atPath: path).samples == [0.375, -0.5])
  }

  @Test func resamplingGivesLibrosasLength() throws {
    let input = [Float](repeating: 0.1, count: 44_101)
    #expect(try resample(input, from: 44_100, to: 22_050).count == 22_051)  // ceil(44101 / 2)
    #expect(try resample(input, from: 8_000, to: 22_050).count == 121_554)  // ceil(44101·22050/8000)
  }

  @Test func badFilesGiveReasons() throws {
    let directory = try temporaryDirectory()
    func expectFailure(_ name: String, contents: Data?, _ expected: AudioDecodingError? = nil) {
      let path = directory.appendingPathComponent(name).path
      if let contents { #expect(FileManager.default.createFile(atPath: path, contents: contents)) }
      #expect(throws: AudioDecodingError.self, "\(name)") { _ = try decodeAudio(atPath: path) }
      if let expected {
        #expect(throws: expected) { _ = try decodeAudio(atPath: path) }
      }
    }
    expectFailure("empty.wav", contents: Data())
    expectFailure("text.wav", contents: Data("this is not audio\n".utf8))
    expectFailure("missing.wav", contents: nil, .notFound)
    let zero = directory.appendingPathComponent("zero.wav").path
    try writeAudio(zero, [], format: SF_FORMAT_WAV | SF_FORMAT_PCM_16)
    #expect(throws: AudioDecodingError.noSamples) { _ = try decodeAudio(atPath: zero) }
    let nan = directory.appendingPathComponent("nan.wav").path
    try writeAudio(nan, [0, 0.5, .nan, 0], format: SF_FORMAT_WAV | SF_FORMAT_FLOAT)
    #expect(throws: AudioDecodingError.nonFiniteSample(index: 2)) { _ = try decodeAudio(atPath: nan) }
    // Past the first read of 65,536 frames and the first block the finiteness test scans.
    var late = [Float](repeating: 0.25, count: 100_000)
    (late[70_001], late[90_000]) = (.infinity, .nan)
    let infinite = directory.appendingPathComponent("late-infinity.wav").path
    try writeAudio(infinite, late, format: SF_FORMAT_WAV | SF_FORMAT_FLOAT)
    #expect(throws: AudioDecodingError.nonFiniteSample(index: 70_001)) { _ = try decodeAudio(atPath: infinite) }
    // A header that claims 1 Hz (a fuzzer's find: resampled, 830 samples became 18 million).
    let slow = directory.appendingPathComponent("slow.wav").path
    try writeAudio(slow, [Float](repeating: 0.1, count: 830), rate: 1, format: SF_FORMAT_WAV | SF_FORMAT_PCM_16)
    #expect(throws: AudioDecodingError.unreadable("its header's sample rate, 1 Hz, is not an audio rate (1000–768000 Hz)")) { _ = try decodeAudio(atPath: slow) }
    let fifo = directory.appendingPathComponent("fifo.wav").path
    mkfifo(fifo, 0o644)
    #expect(throws: AudioDecodingError.notARegularFile) { _ = try decodeAudio(atPath: fifo) }
  }

  /// A song as users have it: MP3, 44.1 kHz, stereo. Decoded, averaged to mono and resampled to
  /// 22,050 Hz, it is the source it was encoded from (mix_30s.flac's first 10 s, the right
  /// channel 0.6× the left 5 ms later), to within what the lossy coding changes.
  @Test func mp3At44kHzStereoDecodesToItsSource() throws {
    let mp3 = Fixtures.path("full-length/mix_10s_44k_stereo.mp3")
    let audio = try decodeAudio(atPath: mp3)
    #expect(audio.sampleRate == 44100 && audio.integrityWarning == nil)
    #expect(abs(audio.samples.count - 441_000) <= 1152, "10 s, give or take an MP3 frame: \(audio.samples.count)")
    let signal = try loadSignal(atPath: mp3).samples
    let source = try decodeAudio(atPath: Fixtures.path("full-length/mix_30s.flac")).samples
    let count = min(signal.count, 220_500)
    let expected: [Float] = (0..<count).map { n in
      let delayed: Float = n >= 110 ? source[n - 110] : 0
      return (source[n] + 0.6 * delayed) / 2
    }
    var (dot, signalEnergy, expectedEnergy) = (0.0, 0.0, 0.0)
    for n in 0..<count {
      dot += Double(signal[n]) * Double(expected[n])
      signalEnergy += Double(signal[n] * signal[n])
      expectedEnergy += Double(expected[n] * expected[n])
    }
    let correlation = dot / (signalEnergy * expectedEnergy).squareRoot()
    #expect(correlation > 0.99, "correlation \(correlation)")
    #expect(abs((signalEnergy / expectedEnergy).squareRoot() - 1) < 0.05, "level ratio \((signalEnergy / expectedEnergy).squareRoot())")
  }
}
