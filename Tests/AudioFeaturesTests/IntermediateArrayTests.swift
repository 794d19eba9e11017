import Foundation
import TensorIO
import Testing

@testable import AudioFeatures

/// Each building block against librosa's own intermediate arrays for 3-s segment 0 of the
/// synthetic mix (`../shared/data/synthetic/dumps_v07`, Kaggle semantics).
private let dumps = "data/synthetic/dumps_v07/mix_chord_clicks_100bpm.0"

@Suite(.enabled(if: SharedData.exists(dumps), "needs ../shared/data/synthetic/dumps_v07 (reference data)"))
struct IntermediateArrayTests {
  let signal: [Float]
  let stft: Spectrogram
  var magnitude: [Float] { stft.magnitude }

  init() throws {
    signal = Array(try loadSignal(atPath: SharedData.path("data/synthetic/mix_chord_clicks_100bpm.wav")).samples[0..<66_149])
    stft = Spectrogram(signal: signal, padding: .reflect)
  }

  func reference(_ name: String) throws -> NumpyArray {
    try NumpyArray(path: SharedData.path("\(dumps)/\(name).npy"))
  }

  /// librosa stores (rows × frames); ours is frame-major.
  func frameMajor(_ array: NumpyArray) -> [Double] {
    let (rows, frames) = (array.shape[0], array.shape[1])
    let values = array.doubles
    return (0..<(rows * frames)).map { values[($0 % rows) * frames + $0 / rows] }
  }

  @Test func decodedSamples() throws {
    #expect(maxAbsDifference(signal, try reference("y").doubles) == 0)
  }

  @Test func stftMagnitude() throws {
    let expected = frameMajor(try reference("stft_mag"))
    #expect(maxAbsDifference(magnitude, expected) <= 1e-6 * expected.max()!)
  }

  @Test func melDecibelsAndMFCC() throws {
    let mel = MelDecibels(magnitude: magnitude, frames: stft.frameCount)
    // Both sides hold float32 values of tens of dB (MFCC: hundreds): measured 5.7e-6 and 3.1e-5,
    // the float32 spacing at those magnitudes.
    let melError = maxAbsDifference(mel.values, try reference("mel_db").doubles)
    #expect(melError <= 2e-5, "\(melError)")
    let mfcc = MFCC.coefficients(mel).flatMap { $0 }
    let mfccError = maxAbsDifference(mfcc, try reference("mfcc").doubles)
    #expect(mfccError <= 1e-4, "\(mfccError)")
  }

  @Test func tuningAndChroma() throws {
    #expect(abs(Chroma.estimateTuning(magnitude: magnitude, frames: stft.frameCount) - -0.09) < 1e-9)
    let chroma = Chroma.chromagram(magnitude: magnitude, frames: stft.frameCount)
    #expect(maxAbsDifference(chroma, frameMajor(try reference("chroma"))) <= 1e-5)
  }

  @Test func onsetEnvelopeTempogramAndTempo() throws {
    let mel = MelDecibels(magnitude: magnitude, frames: stft.frameCount)
    let onset = Tempo.onsetEnvelope(mel)
    #expect(maxAbsDifference(onset, try reference("onset_env").doubles) <= 1e-4)
    #expect(maxAbsDifference(Tempo.meanTempogram(onset), try reference("tempogram_mean").doubles) <= 1e-6)
    #expect(Tempo.estimate(onsetEnvelope: onset) == 99.38401442307692)
  }

  @Test func frameFeatures() throws {
    #expect(maxAbsDifference(TimeDomain.rms(signal, padding: .reflect), try reference("rms").doubles) <= 1e-7)
    #expect(maxAbsDifference(TimeDomain.zeroCrossingRate(signal), try reference("zcr").doubles) == 0)
    let shape = SpectralShape(magnitude: magnitude, frames: stft.frameCount)
    // librosa 0.11 runs the FFT in float32: frequencies agree to float32 rounding of the spectrum.
    #expect(maxAbsDifference(shape.centroid, try reference("centroid").doubles) <= 1e-6 * 11025)
    #expect(maxAbsDifference(shape.bandwidth, try reference("bandwidth").doubles) <= 1e-6 * 11025)
    #expect(maxAbsDifference(shape.rolloff, try reference("rolloff").doubles) == 0)
  }

  @Test func harmonicPercussiveWaveforms() throws {
    let parts = HarmonicPercussive.separate(stft, signal: signal, zeroTail: true)
    let (harmonic, percussive) = (parts.harmonic, signal.indices.map(parts.percussive))
    #expect(maxAbsDifference(harmonic, try reference("y_harm").doubles) <= 1e-6)
    #expect(maxAbsDifference(percussive, try reference("y_perc").doubles) <= 1e-6)
    #expect(harmonic.suffix(101).allSatisfy { $0 == 0 } && percussive.suffix(101).allSatisfy { $0 == 0 })
  }
}
