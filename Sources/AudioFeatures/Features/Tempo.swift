import CSpectralKernels
import Foundation

/// Global tempo as `librosa.beat.beat_track(y, sr)` reports it: median-aggregated onset strength,
/// then the lag of the mean 8-s tempogram that maximises `log1p(1e6·tg) + log-normal prior`.
/// The dynamic-programming beat tracker is not needed for the tempo value.
enum Tempo {
  static let startBPM = 120.0
  static let maxTempo = 320.0
  /// `time_to_frames(8.0)`: 344 onset frames per tempogram window.
  static let windowLength = Int(8.0 * Double(Framing.sampleRate) / Double(Framing.hopLength))

  /// `onset_strength(S=mel_dB, lag=1, max_size=1, aggregate=np.median, center=True)`: the median
  /// over bands of the positive dB increase between frames, delayed by 3 frames (lag 1 + n_fft/(2·hop)).
  static func onsetEnvelope(_ mel: MelDecibels) -> [Float] {
    let frames = mel.frames
    let bands = MelFilterBank.bandCount
    let delay = 1 + Framing.frameLength / (2 * Framing.hopLength)
    var envelope = [Float](repeating: 0, count: frames)
    // The median of the 128 increases, most of them 0 (a band that got quieter): only the positive
    // ones are kept and ranked, the zeros counted. The two middle values are ranks 63 and 64.
    let (lowerMiddle, upperMiddle) = ((bands - 1) / 2, bands / 2)
    withUnsafeTemporaryAllocation(of: Float.self, capacity: bands) { column in
      mel.values.withUnsafeBufferPointer { d in
        for u in 0..<max(0, frames - delay) {
          var positives = 0
          // Down the bands by pointer steps: no overflow-checked index products in the loop.
          var band = d.baseAddress! + u
          for _ in 0..<bands {
            let increase = band[1] - band[0]
            column[positives] = increase
            positives += increase > 0 ? 1 : 0
            band += frames
          }
          let zeros = bands - positives
          let increases = UnsafeMutableBufferPointer(rebasing: column[..<positives])
          let (lowerRank, upperRank) = (lowerMiddle - zeros, upperMiddle - zeros)
          let lower: Float = lowerRank < 0 ? 0 : select(lowerRank, reordering: increases)
          let upper: Float =
            upperRank < 0 ? 0 : lowerRank < 0 ? increases.min()! : minimumAbove(lowerRank, increases)
          envelope[u + delay] = (lower + upper) / 2
        }
      }
    }
    return envelope
  }

  /// The tempo in BPM, or 0 when the onset envelope is all zero (silence, steady tones).
  static func estimate(onsetEnvelope oenv: [Float]) -> Double {
    guard oenv.contains(where: { $0 != 0 }) else { return 0 }
    let tg = meanTempogram(oenv)
    let framesPerMinute = 60.0 * Double(Framing.sampleRate) / Double(Framing.hopLength)
    var best = 0
    var bestScore = -Double.infinity
    for lag in 1..<windowLength {
      let bpm = framesPerMinute / Double(lag)
      guard bpm < maxTempo else { continue }
      let logPrior = -0.5 * pow(log2(bpm) - log2(startBPM), 2)
      let score = log1p(1e6 * tg[lag]) + logPrior
      if score > bestScore {
        bestScore = score
        best = lag
      }
    }
    return best == 0 ? 0 : framesPerMinute / Double(best)
  }

  /// `tempogram(onset_envelope, win_length=344)` averaged over frames: per frame, the Hann-windowed
  /// 344-frame excerpt centred on it (linear-ramp padding), autocorrelated (linear, via a
  /// zero-padded FFT) and divided by its lag-0 value. The inverse FFT is linear, so the frames'
  /// power spectra, each divided by its lag-0 value, are summed and inverted once, not per frame.
  static func meanTempogram(_ oenv: [Float]) -> [Double] {
    let w = windowLength
    let half = w / 2
    let n = oenv.count
    // numpy 'linear_ramp' padding towards 0, computed in float64 and stored as float32.
    var ext = [Float](repeating: 0, count: n + 2 * half)
    for j in 0..<half {
      ext[j] = Float(Double(j) * (Double(oenv[0]) / Double(half)))
      ext[n + 2 * half - 1 - j] = Float(Double(j) * (Double(oenv[n - 1]) / Double(half)))
    }
    for i in 0..<n { ext[half + i] = oenv[i] }

    let window = periodicHann(w)
    let fft = RealFFT.frame1024
    precondition(fft.size >= 2 * w - 1, "autocorrelation FFT must not wrap around")
    let buffers = FFTBuffers(size: fft.size)
    var powerSum = [Double](repeating: 0, count: fft.binCount)
    let spectrum = UnsafeMutableRawPointer(buffers.complex).assumingMemoryBound(to: Double.self)
    // The zero padding is written once: the forward FFT (out of place, real input) leaves its
    // input as it was.
    (buffers.real + w).update(repeating: 0, count: fft.size - w)
    ext.withUnsafeBufferPointer { ext in
      for t in 0..<n {
        genrekit_window_frame(window, ext.baseAddress! + t, w, buffers.real)
        fft.forward(buffers)
        genrekit_add_normalized_power_spectrum(spectrum, fft.binCount, &powerSum)
      }
    }
    for k in 0..<fft.binCount { (spectrum[2 * k], spectrum[2 * k + 1]) = (powerSum[k], 0) }
    fft.inverse(buffers)
    return (0..<w).map { buffers.real[$0] / Double(n) }
  }
}
