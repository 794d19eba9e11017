import CSpectralKernels

/// Which librosa behaviour the features reproduce.
public enum CompatibilityMode: String, Sendable, CaseIterable, Codable {
  /// librosa 0.7/0.8, the Kaggle GTZAN tables: reflect padding for the STFT and RMS frames, and
  /// HPSS output not length-corrected (its last `N mod 512` samples are 0).
  case kaggle
  /// librosa ≥ 0.9 defaults (0.11): zero padding and full-length HPSS output.
  case librosa

  var framePadding: PaddingMode { self == .kaggle ? .reflect : .constant }
}

/// Computes the 57 GTZAN features of a 22050-Hz mono signal.
///
/// Data flow: signal → one STFT and its magnitude → (power → chroma, centroid/bandwidth/roll-off,
/// log-mel → MFCC and onset strength → tempo, HPSS → harmonic/percussive waveforms); RMS and
/// zero-crossing rate read the samples directly. Each frame-wise feature is then summarised by its
/// mean and variance.
public struct FeatureExtractor: Sendable {
  public var mode: CompatibilityMode

  public init(mode: CompatibilityMode = .kaggle) {
    self.mode = mode
  }

  /// - Precondition: `signal` is non-empty and finite (the decoder guarantees both).
  public func features(of signal: [Float]) -> ClipFeatures {
    features(of: FrameAnalysis(signal: signal, mode: mode, separatingHarmonics: true))
  }

  /// The summary of frames already analysed (their STFT and log-mel shared with other uses).
  func features(of analysis: FrameAnalysis) -> ClipFeatures {
    let (signal, spectrogram, melDecibels) = (analysis.signal, analysis.spectrogram, analysis.melDecibels)
    let frames = spectrogram.frameCount
    let shape = SpectralShape(magnitude: spectrogram.magnitude, frames: frames)
    let chroma = Chroma.chromagram(magnitude: spectrogram.magnitude, frames: frames)
    let mfcc = MFCC.coefficients(melDecibels)
    let tempo = Tempo.estimate(onsetEnvelope: Tempo.onsetEnvelope(melDecibels))
    let parts = analysis.harmonicPercussiveParts
    var moments = [Double](repeating: 0, count: 4)
    genrekit_harmonic_percussive_moments(signal, parts.harmonic, signal.count, parts.reconstructedCount, &moments)

    return ClipFeatures(
      length: signal.count,
      chroma: MeanVariance(chroma).float32Rounded,
      rms: MeanVariance(TimeDomain.rms(signal, padding: mode.framePadding)).float32Rounded,
      spectralCentroid: MeanVariance(shape.centroid),
      spectralBandwidth: MeanVariance(shape.bandwidth),
      rolloff: MeanVariance(shape.rolloff),
      zeroCrossingRate: MeanVariance(TimeDomain.zeroCrossingRate(signal)),
      harmonic: MeanVariance(mean: moments[0], variance: moments[1]).float32Rounded,
      percussive: MeanVariance(mean: moments[2], variance: moments[3]).float32Rounded,
      tempo: tempo,
      mfcc: mfcc.map { MeanVariance($0).float32Rounded })
  }
}
