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
    var values = [Float](repeating: 0, count: 2 * bins * frames)
    let window = Framing.hannWindow
    values.withUnsafeMutableBufferPointer { out in
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
    var out = [Float](repeating: 0, count: frameCount * binCount)
    out.withUnsafeMutableBufferPointer { out in
      values.withUnsafeBufferPointer { x in
        for i in 0..<out.count {
          let re = Double(x[2 * i]), im = Double(x[2 * i + 1])
          out[i] = Float((re * re + im * im).squareRoot())
        }
      }
    }
    return out
  }
}

/// `S²` elementwise in float32 (librosa's `np.abs(stft)**2`).
func squared(_ magnitude: [Float]) -> [Float] {
  magnitude.map { $0 * $0 }
}

/// Inverse STFT by weighted overlap-add, normalised by the summed squared window (`librosa.istft`).
/// Returns `outputLength` samples: the first `reconstructedLength` of the centre-trimmed buffer
/// (`out[1024...]`), then zeros.
func inverseSTFT(
  frameCount: Int, outputLength: Int, reconstructedLength: Int,
  frame: (Int, UnsafeMutablePointer<fftw_complex>) -> Void
) -> [Float] {
  let n = Framing.frameLength
  let hop = Framing.hopLength
  let bufferLength = n + hop * (frameCount - 1)
  var y = [Float](repeating: 0, count: bufferLength)
  var windowSquareSum = [Float](repeating: 0, count: bufferLength)
  let fft = RealFFT.frame2048
  let buffers = FFTBuffers(size: n)
  let window = Framing.hannWindow
  y.withUnsafeMutableBufferPointer { y in
    windowSquareSum.withUnsafeMutableBufferPointer { wss in
      for t in 0..<frameCount {
        frame(t, buffers.complex)
        fft.inverse(buffers)
        let start = t * hop
        for i in 0..<n {
          // numpy adds the float64 frame into the float32 buffer: round after each add.
          let sample = window[i] * buffers.real[i] / Double(n)
          y[start + i] = Float(Double(y[start + i]) + sample)
          wss[start + i] = Float(Double(wss[start + i]) + window[i] * window[i])
        }
      }
      for i in 0..<y.count where wss[i] > Float.leastNormalMagnitude {
        y[i] /= wss[i]
      }
    }
  }
  let start = n / 2
  let available = max(0, min(reconstructedLength, outputLength, bufferLength - start))
  var out = [Float](repeating: 0, count: outputLength)
  out.replaceSubrange(0..<available, with: y[start..<(start + available)])
  return out
}
