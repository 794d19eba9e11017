/// Harmonic/percussive source separation (`librosa.effects.hpss`: median filters of 31 bins/frames,
/// soft masks with power 2 and margin 1, inverse STFT) and the waveforms it yields.
///
/// `harmony_*` and `perceptr_*` are the mean and variance of these two time-domain signals.
enum HarmonicPercussive {
  static let kernelSize = 31

  /// - Parameters:
  ///   - stft: the clip's shared STFT.
  ///   - magnitude: `|stft|`, frame-major.
  ///   - length: samples in the clip.
  ///   - zeroTail: librosa ≤ 0.8 (Kaggle) inverted without `length=`, so the last `N mod 512`
  ///     samples of both outputs are 0; librosa ≥ 0.9 reconstructs all N samples.
  static func separate(
    stft: ComplexSpectrogram, magnitude: [Float], length: Int, zeroTail: Bool
  ) -> (harmonic: [Float], percussive: [Float]) {
    let frames = stft.frameCount
    let bins = stft.binCount
    // Percussive: median across frequency within each frame. Harmonic: median across time within
    // each bin, computed on the bin-major transpose and written back frame-major.
    var percussiveMask = medianFilterRows(
      magnitude, rows: frames, columns: bins, window: kernelSize)
    var harmonicMask = transposed(
      medianFilterRows(
        transposed(magnitude, rows: frames, columns: bins), rows: bins, columns: frames,
        window: kernelSize),
      rows: bins, columns: frames)

    // The medians become the masks in place: 10 MB less per 30-s clip.
    applySoftMasks(harmonic: &harmonicMask, percussive: &percussiveMask)
    let reconstructed = zeroTail ? Framing.hopLength * (frames - 1) : length
    let normalisation = windowSquareSum(frameCount: frames)
    func masked(_ mask: [Float]) -> [Float] {
      stft.values.withUnsafeBufferPointer { x in
        mask.withUnsafeBufferPointer { mask in
          inverseSTFT(
            frameCount: frames, outputLength: length, reconstructedLength: reconstructed,
            windowSquareSum: normalisation
          ) {
            t, spectrum in
            for k in 0..<bins {
              let i = t * bins + k
              spectrum[k] = (Double(x[2 * i] * mask[i]), Double(x[2 * i + 1] * mask[i]))
            }
          }
        }
      }
    }
    return (masked(harmonicMask), masked(percussiveMask))
  }

  /// Replaces the medians H and P by `librosa.util.softmask(X, X_ref, power=2, split_zeros=True)`
  /// of each, in float32: `H²/(H²+P²)` and `P²/(P²+H²)` after scaling by `max(H, P)`; 0.5 each where
  /// both are ~0.
  static func applySoftMasks(harmonic: inout [Float], percussive: inout [Float]) {
    harmonic.withUnsafeMutableBufferPointer { h in
      percussive.withUnsafeMutableBufferPointer { p in
        for i in 0..<h.count {
          let z = max(h[i], p[i])
          let silent = z < Float.leastNormalMagnitude
          let scale = silent ? 1 : z
          let hh = (h[i] / scale) * (h[i] / scale)
          let pp = (p[i] / scale) * (p[i] / scale)
          h[i] = silent ? 0.5 : hh / (hh + pp)
          p[i] = silent ? 0.5 : pp / (pp + hh)
        }
      }
    }
  }
}
