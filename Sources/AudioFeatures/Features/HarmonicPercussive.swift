/// Harmonic/percussive source separation (`librosa.effects.hpss`: median filters of 31 bins/frames,
/// soft masks with power 2 and margin 1, inverse STFT) and the waveforms it yields.
///
/// `harmony_*` and `perceptr_*` are the mean and variance of these two time-domain signals.
enum HarmonicPercussive {
  static let kernelSize = 31

  /// - Parameters:
  ///   - spectrogram: the clip's shared STFT and its magnitude.
  ///   - signal: the clip's samples.
  ///   - zeroTail: librosa ≤ 0.8 (Kaggle) inverted without `length=`, so the last `N mod 512`
  ///     samples of both outputs are 0; librosa ≥ 0.9 reconstructs all N samples.
  static func separate(
    _ spectrogram: Spectrogram, signal: [Float], zeroTail: Bool
  ) -> (harmonic: [Float], percussive: [Float]) {
    let frames = spectrogram.frameCount
    let bins = spectrogram.binCount
    // Harmonic: median across time within each bin. Percussive: across frequency within each
    // frame, turned into the harmonic soft mask 8 frames at a time as it is computed.
    var harmonicMask = MedianFilter.alongColumns(
      spectrogram.magnitude, rows: frames, columns: bins, window: kernelSize)
    harmonicMask.withUnsafeMutableBufferPointer { mask in
      MedianFilter.alongRows(spectrogram.magnitude, rows: frames, columns: bins, window: kernelSize) {
        percussiveMedian, firstFrame, height in
        let rows = mask.baseAddress! + firstFrame * bins
        for i in 0..<(height * bins) { rows[i] = harmonicSoftMask(rows[i], percussiveMedian[i]) }
      }
    }

    let length = signal.count
    let reconstructed = min(length, zeroTail ? Framing.hopLength * (frames - 1) : length)
    let harmonic = spectrogram.values.withUnsafeBufferPointer { x in
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

  /// `librosa.util.softmask(H, P, power=2, split_zeros=True)` for one bin, in float32: `H²/(H²+P²)`
  /// after scaling both by `max(H, P)`; 0.5 where both are ~0.
  @inline(__always)
  static func harmonicSoftMask(_ h: Float, _ p: Float) -> Float {
    let z = max(h, p)
    guard z >= Float.leastNormalMagnitude else { return 0.5 }
    let hh = (h / z) * (h / z)
    let pp = (p / z) * (p / z)
    return hh / (hh + pp)
  }
}
