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
  ) -> Parts {
    let frames = spectrogram.frameCount
    let bins = spectrogram.binCount
    let lanes = MedianFilter.lanes
    let length = signal.count
    let reconstructed = min(length, zeroTail ? Framing.hopLength * (frames - 1) : length)
    // Each block of 8 frames' soft masks are made just before their inverse FFTs, from the
    // harmonic medians (across time within each bin, each bin's window kept from block to block)
    // and the percussive ones (across frequency): no spectrogram-sized mask or median arrays.
    let harmonic = spectrogram.magnitude.withUnsafeBufferPointer { magnitude in
      spectrogram.values.withUnsafeBufferPointer { x in
        let harmonicMedians = ColumnMedians(of: magnitude.baseAddress!, rows: frames, columns: bins, window: kernelSize)
        let percussiveMedians = RowMedians(columns: bins, window: kernelSize)
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * lanes * bins) { scratch in
          let (masks, percussive) = (scratch.baseAddress!, scratch.baseAddress! + lanes * bins)
          return inverseSTFT(frameCount: frames, outputLength: length, reconstructedLength: reconstructed) { t, spectrum in
            if t % lanes == 0 {
              let count = min(lanes, frames - t)
              percussiveMedians.compute(rows: magnitude.baseAddress! + t * bins, count: count, into: percussive)
              harmonicMedians.next(count, into: masks)
              for i in 0..<(count * bins) { masks[i] = harmonicSoftMask(masks[i], percussive[i]) }
            }
            let mask = masks + (t % lanes) * bins
            let frame = x.baseAddress! + 2 * t * bins
            for k in 0..<bins { spectrum[k] = (Double(frame[2 * k] * mask[k]), Double(frame[2 * k + 1] * mask[k])) }
          }
        }
      }
    }
    return Parts(signal: signal, harmonic: harmonic, reconstructedCount: reconstructed)
  }

  /// The harmonic waveform, and the percussive one computed on demand. The two soft masks add up
  /// to 1 (to float32 rounding), the inverse STFT is linear and inverts the unmasked STFT to the
  /// signal itself: the percussive part is the signal minus the harmonic part, which saves
  /// librosa's second inverse STFT (and a signal-length array).
  struct Parts {
    let signal: [Float]
    let harmonic: [Float]
    /// Samples the inverse STFT reconstructs; both parts are 0 after them.
    let reconstructedCount: Int

    func percussive(_ i: Int) -> Float {
      i < reconstructedCount ? signal[i] - harmonic[i] : 0
    }
  }

  /// `librosa.util.softmask(H, P, power=2, split_zeros=True)` for one bin, in float32: `H²/(H²+P²)`
  /// after scaling both by `max(H, P)`; 0.5 where both are ~0.
  /// Branch-free, so that the loop over a block of frames vectorises.
  @inline(__always)
  static func harmonicSoftMask(_ h: Float, _ p: Float) -> Float {
    let z = max(h, p)
    let silent = z < Float.leastNormalMagnitude
    let scale = silent ? 1 : z
    let hh = (h / scale) * (h / scale)
    let pp = (p / scale) * (p / scale)
    return silent ? 0.5 : hh / (hh + pp)
  }
}
