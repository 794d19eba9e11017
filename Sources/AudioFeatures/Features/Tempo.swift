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
    withUnsafeTemporaryAllocation(of: Float.self, capacity: bands) { column in
      mel.values.withUnsafeBufferPointer { d in
        for u in 0..<max(0, frames - delay) {
          for m in 0..<bands {
            column[m] = max(0, d[m * frames + u + 1] - d[m * frames + u])
          }
          // Even count: numpy's median is the float32 mean of the two middle values.
          let (lower, upper) = middlePair(column)
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
  /// zero-padded FFT) and divided by its lag-0 value.
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
    var sum = [Double](repeating: 0, count: w)
    for t in 0..<n {
      for j in 0..<w { buffers.real[j] = Double(ext[t + j]) * window[j] }
      for j in w..<fft.size { buffers.real[j] = 0 }
      fft.forward(buffers)
      for k in 0..<fft.binCount {
        let (re, im) = buffers.complex[k]
        buffers.complex[k] = (re * re + im * im, 0)
      }
      fft.inverse(buffers)
      var peak = 0.0
      for lag in 0..<w { peak = max(peak, abs(buffers.real[lag])) }
      guard peak >= Double.leastNormalMagnitude else { continue }
      for lag in 0..<w { sum[lag] += buffers.real[lag] / peak }
    }
    return sum.map { $0 / Double(n) }
  }
}

/// The two middle values of an even-length buffer in sorted order, by Hoare selection of the lower
/// one and the minimum of what lies above it; the buffer is reordered.
func middlePair(_ x: UnsafeMutableBufferPointer<Float>) -> (lower: Float, upper: Float) {
  precondition(x.count >= 2 && x.count % 2 == 0, "middlePair needs an even, non-zero count")
  let k = x.count / 2 - 1
  var low = 0
  var high = x.count - 1
  while low < high {
    let pivot = x[(low + high) / 2]
    var i = low
    var j = high
    while i <= j {
      while x[i] < pivot { i += 1 }
      while x[j] > pivot { j -= 1 }
      if i <= j {
        x.swapAt(i, j)
        i += 1
        j -= 1
      }
    }
    if k <= j {
      high = j
    } else if k >= i {
      low = i
    } else {
      break  // x[k] equals the pivot and is in place
    }
  }
  // Selection leaves x[..<k] ≤ x[k] ≤ x[(k + 1)...].
  var upper = x[k + 1]
  for v in x[(k + 2)...] { upper = min(upper, v) }
  return (x[k], upper)
}
