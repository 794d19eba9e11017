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

/// The centred short-time Fourier transform of a signal (`librosa.stft` with the defaults above).
///
/// Stored frame-major as complex64, like librosa: `re/im` of bin k in frame t at `2·(t·1025 + k)`.
/// The FFT itself runs in double precision, as numpy.fft did for librosa 0.7 (the Kaggle tables).
/// Every spectral feature, chroma, the mel spectrogram, onset strength and HPSS use this one STFT.
public struct ComplexSpectrogram: Sendable {
  public let frameCount: Int
  public var binCount: Int { Framing.binCount }
  /// Interleaved (re, im), frame-major.
  public internal(set) var values: [Float]

  public init(signal: [Float], padding: PaddingMode) {
    let n = Framing.frameLength
    let bins = Framing.binCount
    let frames = Framing.frameCount(samples: signal.count)
    let ypad = padded(signal, by: n / 2, mode: padding)
    let fft = RealFFT.frame2048
    let buffers = FFTBuffers(size: n)
    let window = Framing.hannWindow
    let values = [Float](unsafeUninitializedCapacity: 2 * bins * frames) { out, count in
      count = out.count
      ypad.withUnsafeBufferPointer { y in
        window.withUnsafeBufferPointer { w in
          for t in 0..<frames {
            let start = t * Framing.hopLength
            for i in 0..<n { buffers.real[i] = w[i] * Double(y[start + i]) }
            fft.forward(buffers)
            let base = 2 * bins * t
            for k in 0..<bins {
              out[base + 2 * k] = Float(buffers.complex[k].0)
              out[base + 2 * k + 1] = Float(buffers.complex[k].1)
            }
          }
        }
      }
    }
    self.frameCount = frames
    self.values = values
  }

  /// `|X|` (librosa power 1), frame-major `frameCount × 1025`.
  public func magnitude() -> [Float] {
    [Float](unsafeUninitializedCapacity: frameCount * binCount) { out, count in
      count = out.count
      values.withUnsafeBufferPointer { x in
        for i in 0..<out.count {
          let re = Double(x[2 * i]), im = Double(x[2 * i + 1])
          out[i] = Float((re * re + im * im).squareRoot())
        }
      }
    }
  }
}

/// `S²` elementwise in float32 (librosa's `np.abs(stft)**2`).
func squared(_ magnitude: [Float]) -> [Float] {
  magnitude.map { $0 * $0 }
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
  // Overlap-add in Double, rounded once per sample (numpy rounds to float32 after every frame's
  // add; the two differ by float32 rounding, far below the features' tolerance).
  var sum = [Double](repeating: 0, count: n + hop * (frameCount - 1))
  let fft = RealFFT.frame2048
  let buffers = FFTBuffers(size: n)
  let window = Framing.synthesisWindow
  sum.withUnsafeMutableBufferPointer { sum in
    window.withUnsafeBufferPointer { w in
      for t in 0..<frameCount {
        frame(t, buffers.complex)
        fft.inverse(buffers)
        let out = sum.baseAddress! + t * hop
        for i in 0..<n { out[i] += w[i] * buffers.real[i] }
      }
    }
  }
  let normalisation = WindowSquareSum(frameCount: frameCount)
  return [Float](unsafeUninitializedCapacity: outputLength) { out, count in
    for i in 0..<kept {
      let j = start + i
      let norm = normalisation[j]
      out[i] = Float(norm > Double(Float.leastNormalMagnitude) ? sum[j] / norm : sum[j])
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

  subscript(j: Int) -> Double {
    let (first, last) = WindowSquareSum.coveringFrames(of: j, frameCount: frameCount)
    return last - first + 1 == WindowSquareSum.framesPerSample
      ? WindowSquareSum.fullOverlap[j % Framing.hopLength]
      : WindowSquareSum.summed(at: j, frameCount: frameCount)
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
