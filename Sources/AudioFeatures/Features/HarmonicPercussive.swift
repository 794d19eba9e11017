import CSpectralKernels

/// Harmonic/percussive source separation (`librosa.effects.hpss`: median filters of 31 bins/frames,
/// soft masks with power 2 and margin 1, inverse STFT) and the waveforms it yields.
///
/// `harmony_*` and `perceptr_*` are the mean and variance of these two time-domain signals.
enum HarmonicPercussive {
  static let kernelSize = 31

  /// HPSS of a stored STFT (one whose complex values were kept).
  /// - Parameters:
  ///   - spectrogram: the clip's shared STFT and its magnitude.
  ///   - signal: the clip's samples.
  ///   - zeroTail: librosa ≤ 0.8 (Kaggle) inverted without `length=`, so the last `N mod 512`
  ///     samples of both outputs are 0; librosa ≥ 0.9 reconstructs all N samples.
  static func separate(_ spectrogram: Spectrogram, signal: [Float], zeroTail: Bool) -> Parts {
    guard let values = spectrogram.values else { preconditionFailure("the STFT's complex values were not kept") }
    let separator = Separator(frameCount: spectrogram.frameCount, signal: signal, zeroTail: zeroTail)
    spectrogram.magnitude.withUnsafeBufferPointer { magnitude in
      values.withUnsafeBufferPointer { x in
        for t in 0..<spectrogram.frameCount {
          let frameValues = x.baseAddress! + 2 * t * Framing.binCount
          separator.storage(forFrame: t).update(from: frameValues, count: 2 * Framing.binCount)
          separator.frame(t, magnitude: magnitude.baseAddress!)
        }
      }
      separator.end(magnitude: magnitude.baseAddress!)
    }
    return separator.parts!
  }

  /// HPSS fed the STFT frame by frame, while it is computed (`Spectrogram(…, consumer:)`) or from
  /// a stored one. Each frame's soft mask is made just before its inverse FFT, from its harmonic
  /// medians (across time within each bin, `ColumnMedians`) and its percussive ones (across
  /// frequency, `RowMedians`), 8 frames at a time: no spectrogram-sized mask or median arrays. A
  /// frame's harmonic medians need the 15 frames after it, so its complex values wait in a ring
  /// of the last 32 frames.
  final class Separator: SpectrogramConsumer {
    private static let ringFrames = 32
    private let frameCount: Int
    private let signal: [Float]
    private let reconstructed: Int
    private let inverse: InverseSTFT
    private let ring: UnsafeMutablePointer<Float>
    /// The masks of a block of 8 frames, and its percussive medians.
    private let masks: UnsafeMutablePointer<Float>
    private let percussive: UnsafeMutablePointer<Float>
    private let percussiveMedians = RowMedians(columns: Framing.binCount, window: kernelSize)
    /// Made once the first block's frames are in (it reads the first window's frames at once).
    private var harmonicMedians: ColumnMedians?
    private var nextBlock = 0
    /// Both waveforms, once every frame was given.
    private(set) var parts: Parts?

    init(frameCount: Int, signal: [Float], zeroTail: Bool) {
      let bins = Framing.binCount
      self.frameCount = frameCount
      self.signal = signal
      reconstructed = min(signal.count, zeroTail ? Framing.hopLength * (frameCount - 1) : signal.count)
      inverse = InverseSTFT(frameCount: frameCount, outputLength: signal.count, reconstructedLength: reconstructed)
      ring = .allocate(capacity: Separator.ringFrames * 2 * bins)
      masks = .allocate(capacity: 2 * MedianFilter.lanes * bins)
      percussive = masks + MedianFilter.lanes * bins
    }

    deinit {
      ring.deallocate()
      masks.deallocate()
    }

    /// Frame t's slot in the ring: frame t − 32 has been inverted by the time t is computed.
    func storage(forFrame t: Int) -> UnsafeMutablePointer<Float> {
      ring + (t % Separator.ringFrames) * 2 * Framing.binCount
    }

    func frame(_ t: Int, magnitude: UnsafePointer<Float>) {
      // A block's last frame needs its medians' window: 15 frames on (or the last frame).
      while nextBlock < frameCount && t >= min(frameCount - 1, nextBlock + MedianFilter.lanes - 1 + kernelSize / 2) {
        invertBlock(magnitude: magnitude)
      }
    }

    func end(magnitude: UnsafePointer<Float>) {
      while nextBlock < frameCount { invertBlock(magnitude: magnitude) }
      parts = Parts(signal: signal, harmonic: inverse.finish(), reconstructedCount: reconstructed)
    }

    private func invertBlock(magnitude: UnsafePointer<Float>) {
      let bins = Framing.binCount
      let first = nextBlock
      let count = min(MedianFilter.lanes, frameCount - first)
      let harmonicMedians = harmonicMedians ?? ColumnMedians(of: magnitude, rows: frameCount, columns: bins, window: kernelSize)
      self.harmonicMedians = harmonicMedians
      percussiveMedians.compute(rows: magnitude + first * bins, count: count, into: percussive)
      harmonicMedians.next(count, into: masks)
      genrekit_harmonic_soft_mask(masks, percussive, count * bins)
      for row in 0..<count {
        let mask = masks + row * bins
        let values = ring + ((first + row) % Separator.ringFrames) * 2 * bins
        inverse.add { spectrum in
          genrekit_mask_spectrum(values, mask, bins, UnsafeMutableRawPointer(spectrum).assumingMemoryBound(to: Double.self))
        }
      }
      nextBlock += count
    }
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
}
