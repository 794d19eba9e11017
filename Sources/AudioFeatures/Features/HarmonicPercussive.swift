/// Harmonic/percussive source separation (`librosa.effects.hpss`: median filters of 31 bins/frames,
/// soft masks with power 2 and margin 1, inverse STFT) and the waveforms it yields.
///
/// `harmony_*` and `perceptr_*` are the mean and variance of these two time-domain signals.
enum HarmonicPercussive {
  static let kernelSize = 31

  /// - Parameters:
  ///   - stft: the clip's shared STFT.
  ///   - magnitude: `|stft|`, frame-major.
  ///   - signal: the clip's samples.
  ///   - zeroTail: librosa ≤ 0.8 (Kaggle) inverted without `length=`, so the last `N mod 512`
  ///     samples of both outputs are 0; librosa ≥ 0.9 reconstructs all N samples.
  static func separate(
    stft: ComplexSpectrogram, magnitude: [Float], signal: [Float], zeroTail: Bool
  ) -> (harmonic: [Float], percussive: [Float]) {
    let frames = stft.frameCount
    let bins = stft.binCount
    // Percussive: median across frequency within each frame. Harmonic: across time within each bin.
    let percussiveMedian = MedianFilter.alongRows(magnitude, rows: frames, columns: bins, window: kernelSize)
    var harmonicMask = MedianFilter.alongColumns(magnitude, rows: frames, columns: bins, window: kernelSize)
    applyHarmonicSoftMask(&harmonicMask, percussiveMedian: percussiveMedian)

    let length = signal.count
    let reconstructed = min(length, zeroTail ? Framing.hopLength * (frames - 1) : length)
    let harmonic = stft.values.withUnsafeBufferPointer { x in
      harmonicMask.withUnsafeBufferPointer { mask in
        inverseSTFT(frameCount: frames, outputLength: length, reconstructedLength: reconstructed) { t, spectrum in
          for k in 0..<bins {
            let i = t * bins + k
            spectrum[k] = (Double(x[2 * i] * mask[i]), Double(x[2 * i + 1] * mask[i]))
          }
        }
      }
    }
    // The two soft masks add up to 1 (to float32 rounding), the inverse STFT is linear and inverts
    // the unmasked STFT to the signal itself: the percussive part is the signal minus the harmonic
    // part, which saves librosa's second inverse STFT.
    let percussive = [Float](unsafeUninitializedCapacity: length) { out, count in
      for i in 0..<reconstructed { out[i] = signal[i] - harmonic[i] }
      for i in reconstructed..<length { out[i] = 0 }
      count = length
    }
    return (harmonic, percussive)
  }

  /// Replaces the harmonic median H by `librosa.util.softmask(H, P, power=2, split_zeros=True)` in
  /// float32: `H²/(H²+P²)` after scaling both by `max(H, P)`; 0.5 where both are ~0.
  static func applyHarmonicSoftMask(_ harmonic: inout [Float], percussiveMedian: [Float]) {
    harmonic.withUnsafeMutableBufferPointer { h in
      percussiveMedian.withUnsafeBufferPointer { p in
        for i in 0..<h.count {
          let z = max(h[i], p[i])
          let silent = z < Float.leastNormalMagnitude
          let scale = silent ? 1 : z
          let hh = (h[i] / scale) * (h[i] / scale)
          let pp = (p[i] / scale) * (p[i] / scale)
          h[i] = silent ? 0.5 : hh / (hh + pp)
        }
      }
    }
  }
}
