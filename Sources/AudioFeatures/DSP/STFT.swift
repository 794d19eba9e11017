import CFFTW

/// The framing every GTZAN feature shares (librosa defaults): 22050 Hz, 2048-point frames, hop 512,
/// centred frames (`center=True`).
public enum Framing {
  public static let sampleRate = 22050
  public static let frameLength = 2048
  public static let hopLength = 512
  public static let binCount = frameLength / 2 + 1
  /// `1 + N / 512`: the number of centred frames of an N-sample signal.
  public static func frameCount(samples: Int) -> Int { 1 + samples / hopLength }
  /// Frequency of FFT bin k, `k · 22050 / 2048`.
  static func binFrequency(_ k: Int) -> Double {
    Double(k) * Double(sampleRate) / Double(frameLength)
  }
  static let hannWindow = periodicHann(frameLength)
  /// The Hann window with the inverse FFT's 1/2048 folded in (a power of two: exact).
  static let synthesisWindow = hannWindow.map { $0 / Double(frameLength) }
}

/// The centred short-time Fourier transform of a signal (`librosa.stft` with the defaults above)
/// and its magnitude.
///
/// Stored frame-major as complex64, like librosa: `re/im` of bin k in frame t at `2·(t·1025 + k)`.
/// The FFT itself runs in double precision, as numpy.fft did for librosa 0.7 (the Kaggle tables).
/// Every spectral feature, chroma, the mel spectrogram, onset strength and HPSS use this one STFT.
public struct Spectrogram: Sendable {
  public let frameCount: Int
  public var binCount: Int { Framing.binCount }
  /// Interleaved (re, im), frame-major.
  public let values: [Float]
  /// `|X|` (librosa power 1) of the complex64 values, frame-major `frameCount × 1025`.
  public let magnitude: [Float]

  public init(signal: [Float], padding: PaddingMode) {
    let n = Framing.frameLength
    let bins = Framing.binCount
    let frames = Framing.frameCount(samples: signal.count)
    let fft = RealFFT.frame2048
    let buffers = FFTBuffers(size: n)
    let windowed = buffers.real
    // The transform as bins × (re, im) doubles.
    let spectrum = UnsafeRawPointer(buffers.complex).assumingMemoryBound(to: Double.self)
    var values: [Float] = []
    let magnitude = [Float](unsafeUninitializedCapacity: bins * frames) { magnitude, magnitudeCount in
      values = [Float](unsafeUninitializedCapacity: 2 * bins * frames) { values, valuesCount in
        signal.withUnsafeBufferPointer { y in
          Framing.hannWindow.withUnsafeBufferPointer { w in
            for t in 0..<frames {
              // Centred: frame t starts n/2 before sample 512t; only the first and last few
              // frames reach into the padding.
              let start = t * Framing.hopLength - n / 2
              if start >= 0 && start + n <= y.count {
                for i in 0..<n { windowed[i] = w[i] * Double(y[start + i]) }
              } else {
                for i in 0..<n {
                  let sample = paddedIndex(start + i, count: y.count, mode: padding).map { y[$0] } ?? 0
                  windowed[i] = w[i] * Double(sample)
                }
              }
              fft.forward(buffers)
              let complex64 = values.baseAddress! + 2 * bins * t
              for i in 0..<(2 * bins) { complex64[i] = Float(spectrum[i]) }
              let frameMagnitude = magnitude.baseAddress! + bins * t
              for k in 0..<bins {
                let re = Double(complex64[2 * k])
                let im = Double(complex64[2 * k + 1])
                frameMagnitude[k] = Float((re * re + im * im).squareRoot())
              }
            }
          }
        }
        valuesCount = 2 * bins * frames
      }
      magnitudeCount = bins * frames
    }
    self.frameCount = frames
    self.values = values
    self.magnitude = magnitude
  }
}

/// Calls `body(t, power)` for every frame with `power` = `S²` of that frame in float32 (librosa's
/// `np.abs(stft)**2`), squared into one reused buffer instead of a second spectrogram-sized array.
func forEachPowerFrame(
  of magnitude: [Float], frames: Int, _ body: (_ frame: Int, _ power: UnsafePointer<Float>) -> Void
) {
  let bins = Framing.binCount
  withUnsafeTemporaryAllocation(of: Float.self, capacity: bins) { power in
    magnitude.withUnsafeBufferPointer { s in
      for t in 0..<frames {
        let frame = s.baseAddress! + t * bins
        for k in 0..<bins { power[k] = frame[k] * frame[k] }
        body(t, power.baseAddress!)
      }
    }
  }
}

/// Inverse STFT by weighted overlap-add, normalised by the summed squared window (`librosa.istft`).
/// `frame(t, spectrum)` fills the 1025 bins of frame t. Returns `outputLength` samples: the first
/// `reconstructedLength` of the centre-trimmed buffer (`out[1024...]`), then zeros.
func inverseSTFT(
  frameCount: Int, outputLength: Int, reconstructedLength: Int,
  frame: (Int, UnsafeMutablePointer<fftw_complex>) -> Void
) -> [Float] {
  let n = Framing.frameLength
  let hop = Framing.hopLength
  let start = n / 2
  let kept = max(0, min(reconstructedLength, outputLength, hop * (frameCount - 1) + n - start))
  let fft = RealFFT.frame2048
  let buffers = FFTBuffers(size: n)
  let normalisation = WindowSquareSum(frameCount: frameCount)
  return [Float](unsafeUninitializedCapacity: outputLength) { out, count in
    // Overlap-add in Double, rounded once per sample (numpy rounds to float32 after every frame's
    // add; the two differ by float32 rounding, far below the features' tolerance). The sum lives
    // in a ring of one frame: buffer sample j at j mod 2048. Once frame t is added, the hop
    // starting at 512t is complete and is written out.
    withUnsafeTemporaryAllocation(of: Double.self, capacity: n + hop) { scratch in
      let ring = scratch.baseAddress!
      let hopNormalisation = ring + n
      ring.initialize(repeating: 0, count: n)
      func emitHop(startingAt first: Int) {
        let hopInRing = ring + (first & (n - 1))
        let (low, high) = (max(first, start), min(first + hop, start + kept))
        if low < high {
          normalisation.hop(startingAt: first, into: hopNormalisation)
          let (sums, norms, target) = (hopInRing + (low - first), hopNormalisation + (low - first), out.baseAddress! + (low - start))
          // Divided unconditionally and selected after, and indexed from 0, so that the loop vectorises.
          for i in 0..<(high - low) {
            let quotient = sums[i] / norms[i]
            target[i] = Float(norms[i] > Double(Float.leastNormalMagnitude) ? quotient : sums[i])
          }
        }
        hopInRing.update(repeating: 0, count: hop)
      }
      let frameSamples = buffers.real
      Framing.synthesisWindow.withUnsafeBufferPointer { w in
        for t in 0..<frameCount {
          frame(t, buffers.complex)
          fft.inverse(buffers)
          // The frame's four hops land on four whole hops of the ring (frames start on hops).
          for part in stride(from: 0, to: n, by: hop) {
            let target = ring + ((t * hop + part) & (n - 1))
            let (window, samples) = (w.baseAddress! + part, frameSamples + part)
            for i in 0..<hop { target[i] += window[i] * samples[i] }
          }
          emitHop(startingAt: t * hop)
        }
      }
      // The last frame's remaining three hops.
      for first in stride(from: frameCount * hop, to: (frameCount - 1) * hop + n, by: hop) {
        emitHop(startingAt: first)
      }
    }
    for i in kept..<outputLength { out[i] = 0 }
    count = outputLength
  }
}

/// `Σ_t w²[j − 512t]` over the frames t that cover sample j of the overlap-add buffer (librosa's
/// `window_sumsquare`), summed in frame order. Away from the ends four frames always overlap, so
/// there it is 512-periodic and read from one stored period instead of a buffer-long array.
struct WindowSquareSum {
  let frameCount: Int

  private static let squaredWindow = Framing.hannWindow.map { $0 * $0 }
  private static let framesPerSample = Framing.frameLength / Framing.hopLength
  /// One period where all four frames overlap, starting at buffer sample 1536.
  private static let fullOverlap = (0..<Framing.hopLength).map {
    summed(at: $0 + Framing.frameLength - Framing.hopLength, frameCount: framesPerSample)
  }

  /// The sums of the 512 buffer samples from `first`, a multiple of 512 (all of them are covered
  /// by the same frames).
  func hop(startingAt first: Int, into sums: UnsafeMutablePointer<Double>) {
    let (firstFrame, lastFrame) = WindowSquareSum.coveringFrames(of: first, frameCount: frameCount)
    if lastFrame - firstFrame + 1 == WindowSquareSum.framesPerSample {
      WindowSquareSum.fullOverlap.withUnsafeBufferPointer { sums.update(from: $0.baseAddress!, count: $0.count) }
    } else {
      for i in 0..<Framing.hopLength { sums[i] = WindowSquareSum.summed(at: first + i, frameCount: frameCount) }
    }
  }

  private static func coveringFrames(of j: Int, frameCount: Int) -> (first: Int, last: Int) {
    let first = j < Framing.frameLength ? 0 : (j - Framing.frameLength) / Framing.hopLength + 1
    return (first, min(frameCount - 1, j / Framing.hopLength))
  }

  private static func summed(at j: Int, frameCount: Int) -> Double {
    let (first, last) = coveringFrames(of: j, frameCount: frameCount)
    var sum = 0.0
    for t in stride(from: first, through: last, by: 1) { sum += squaredWindow[j - t * Framing.hopLength] }
    return sum
  }
}
