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
    let percussiveMedian = medianFilterRows(
      magnitude, rows: frames, columns: bins, window: kernelSize)
    let harmonicMedian = transposed(
      medianFilterRows(
        transposed(magnitude, rows: frames, columns: bins), rows: bins, columns: frames,
        window: kernelSize),
      rows: bins, columns: frames)

    let reconstructed = zeroTail ? Framing.hopLength * (frames - 1) : length
    func masked(_ keepHarmonic: Bool) -> [Float] {
      stft.values.withUnsafeBufferPointer { x in
        harmonicMedian.withUnsafeBufferPointer { h in
          percussiveMedian.withUnsafeBufferPointer { p in
            inverseSTFT(frameCount: frames, outputLength: length, reconstructedLength: reconstructed) {
              t, spectrum in
              for k in 0..<bins {
                let i = t * bins + k
                let masks = softMasks(harmonic: h[i], percussive: p[i])
                let mask = keepHarmonic ? masks.harmonic : masks.percussive
                spectrum[k] = (Double(x[2 * i] * mask), Double(x[2 * i + 1] * mask))
              }
            }
          }
        }
      }
    }
    return (masked(true), masked(false))
  }

  /// `librosa.util.softmask(X, X_ref, power=2, split_zeros=True)` for both masks, in float32.
  @inline(__always)
  static func softMasks(harmonic h: Float, percussive p: Float) -> (harmonic: Float, percussive: Float) {
    let z = max(h, p)
    guard z >= Float.leastNormalMagnitude else { return (0.5, 0.5) }
    let hh = (h / z) * (h / z)
    let pp = (p / z) * (p / z)
    return (hh / (hh + pp), pp / (pp + hh))
  }
}
