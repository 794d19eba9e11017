import CSpectralKernels
import Foundation

/// A frame-wise feature as librosa returns it: `rows` values (bands, coefficients) per frame,
/// stored row-major (`rows × frames`, the layout of librosa's arrays), float32.
public struct FrameMatrix: Sendable, Equatable {
  public let rows: Int
  public let frames: Int
  public let values: [Float]

  public init(rows: Int, frames: Int, values: [Float]) {
    precondition(values.count == rows * frames, "a frame matrix holds rows × frames values")
    self.rows = rows
    self.frames = frames
    self.values = values
  }

  public subscript(row: Int, frame: Int) -> Float { values[row * frames + frame] }

  /// Frame-major (`frames × rows`, librosa's `.T`): one frame's values together.
  public var transposed: [Float] { (0..<(rows * frames)).map { values[($0 % rows) * frames + $0 / rows] } }
}

/// The frame-level features of one clip or segment, from one STFT: the building blocks of the
/// 57 GTZAN features, and what sequence and spectrogram models read. Each mirrors a librosa call
/// with GenreKit's framing (22050 Hz, n_fft 2048, hop 512, centred; reflect padding in Kaggle
/// mode, zeros in librosa mode).
public struct FrameAnalysis: Sendable {
  public let mode: CompatibilityMode
  public let signal: [Float]
  public let spectrogram: Spectrogram
  let melDecibels: MelDecibels

  /// HPSS done while the STFT was computed, if asked for.
  private let separated: HarmonicPercussive.Parts?

  /// - Parameter separatingHarmonics: whether to run HPSS while the STFT is computed, for callers
  ///   that will need it (`summary`, `harmonicPercussive`); the STFT's complex values are then
  ///   not kept (10.6 MB for a 30-s clip). Otherwise HPSS, if asked for, runs on the stored STFT.
  public init(signal: [Float], mode: CompatibilityMode = .kaggle, separatingHarmonics: Bool = false) {
    precondition(!signal.isEmpty, "cannot analyse an empty signal")
    self.mode = mode
    self.signal = signal
    if separatingHarmonics {
      let separator = HarmonicPercussive.Separator(
        frameCount: Framing.frameCount(samples: signal.count), signal: signal, zeroTail: mode == .kaggle)
      spectrogram = Spectrogram(signal: signal, padding: mode.framePadding, consumer: separator)
      separated = separator.parts
    } else {
      spectrogram = Spectrogram(signal: signal, padding: mode.framePadding)
      separated = nil
    }
    melDecibels = MelDecibels(magnitude: spectrogram.magnitude, frames: spectrogram.frameCount)
  }

  /// The harmonic and percussive waveforms (from the stored STFT unless separated already).
  var harmonicPercussiveParts: HarmonicPercussive.Parts {
    separated ?? HarmonicPercussive.separate(spectrogram, signal: signal, zeroTail: mode == .kaggle)
  }

  public var frameCount: Int { spectrogram.frameCount }

  /// The bands of `logMel`.
  public static var melBandCount: Int { MelFilterBank.bandCount }

  /// `librosa.power_to_db(librosa.feature.melspectrogram(y, sr=22050, n_fft=2048, hop_length=512,
  /// n_mels=128), ref=np.max)`: 128 × frames, 0 dB at the loudest bin, floored 80 dB below.
  public var logMel: FrameMatrix {
    let peak = melDecibels.values.max() ?? 0
    return FrameMatrix(rows: MelFilterBank.bandCount, frames: frameCount, values: melDecibels.values.map { $0 - peak })
  }

  /// `librosa.feature.mfcc(y, sr=22050, n_mfcc=count)`: count × frames.
  public func mfcc(count: Int) -> FrameMatrix {
    precondition((1...MelFilterBank.bandCount).contains(count), "1 to 128 coefficients")
    return FrameMatrix(rows: count, frames: frameCount, values: MFCC.coefficients(melDecibels, count: count).flatMap { $0 })
  }

  /// `librosa.feature.chroma_stft(y, sr=22050)`: 12 × frames.
  public var chroma: FrameMatrix {
    let frameMajor = Chroma.chromagram(magnitude: spectrogram.magnitude, frames: frameCount)
    return FrameMatrix(rows: 12, frames: frameCount, values: (0..<(12 * frameCount)).map { frameMajor[($0 % frameCount) * 12 + $0 / frameCount] })
  }

  /// `librosa.amplitude_to_db(np.abs(librosa.stft(y)), ref=np.max)`: 1025 bins × frames, 0 dB
  /// at the loudest bin, floored 80 dB below (`amin` 1e-5).
  public var decibelSpectrogram: FrameMatrix {
    let bins = Framing.binCount
    let frames = frameCount
    let magnitude = spectrogram.magnitude
    var reference: Float = 0
    genrekit_decibels([magnitude.max() ?? 0], 1, 20, 1e-5, &reference, 1)
    var values = [Float](repeating: 0, count: bins * frames)
    values.withUnsafeMutableBufferPointer { values in
      magnitude.withUnsafeBufferPointer { magnitude in
        // 20·log10(max(1e-5, |X|)) of every bin of frame t, into column t.
        for t in 0..<frames { genrekit_decibels(magnitude.baseAddress! + t * bins, bins, 20, 1e-5, values.baseAddress! + t, frames) }
      }
      for i in values.indices { values[i] = max(-80, values[i] - reference) }
    }
    return FrameMatrix(rows: bins, frames: frames, values: values)
  }

  /// `librosa.effects.hpss(y)`: the harmonic and percussive waveforms (those whose means and
  /// variances are `harmony_*` and `perceptr_*`).
  public var harmonicPercussive: (harmonic: [Float], percussive: [Float]) {
    let parts = harmonicPercussiveParts
    return (parts.harmonic, signal.indices.map(parts.percussive))
  }

  /// The 57 GTZAN features (their means and variances over frames, tempo, length).
  public var summary: ClipFeatures { FeatureExtractor(mode: mode).features(of: self) }
}
