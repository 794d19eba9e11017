import CFFTW
import CSlidingMedian
import CSpectralKernels

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

/// Receives the frames of an STFT as they are computed, in order: HPSS, which then needs no stored
/// copy of the complex values.
protocol SpectrogramConsumer: AnyObject {
  /// Where the STFT writes frame t's 1025 complex64 bins (interleaved re, im), just before `frame(t, …)`.
  func storage(forFrame t: Int) -> UnsafeMutablePointer<Float>
  /// Frame t's values are in `storage(forFrame: t)`; `magnitude` points at frame 0 of the
  /// frame-major magnitude, written up to frame t.
  func frame(_ t: Int, magnitude: UnsafePointer<Float>)
  /// Every frame was given; `magnitude` holds all of them.
  func end(magnitude: UnsafePointer<Float>)
}

/// The centred short-time Fourier transform of a signal (`librosa.stft` with the defaults above)
/// and its magnitude.
///
/// Stored frame-major as complex64, like librosa: `re/im` of bin k in frame t at `2·(t·1025 + k)`
/// (unless a consumer takes the frames as they come).
/// The FFT itself runs in double precision, as numpy.fft did for librosa 0.7 (the Kaggle tables).
/// Every spectral feature, chroma, the mel spectrogram, onset strength and HPSS use this one STFT.
public struct Spectrogram: Sendable {
  public let frameCount: Int
  public var binCount: Int { Framing.binCount }
  /// Interleaved (re, im), frame-major; nil when the frames went to a consumer instead.
  public let values: [Float]?
  /// `|X|` (librosa power 1) of the complex64 values, frame-major `frameCount × 1025`.
  public let magnitude: [Float]

  public init(signal: [Float], padding: PaddingMode) {
    self.init(signal: signal, padding: padding, consumer: nil)
  }

  /// With a consumer, each frame's complex values go to it and are not kept (10.6 MB for a 30-s clip).
  init(signal: [Float], padding: PaddingMode, consumer: SpectrogramConsumer?) {
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
      let storedValues = consumer == nil ? 2 * bins * frames : 0
      values = [Float](unsafeUninitializedCapacity: storedValues) { values, valuesCount in
        signal.withUnsafeBufferPointer { y in
          Framing.hannWindow.withUnsafeBufferPointer { w in
            for t in 0..<frames {
              // Centred: frame t starts n/2 before sample 512t; only the first and last few
              // frames reach into the padding.
              let start = t * Framing.hopLength - n / 2
              if start >= 0 && start + n <= y.count {
                genrekit_window_frame(w.baseAddress!, y.baseAddress! + start, n, windowed)
              } else {
                for i in 0..<n {
                  let sample = paddedIndex(start + i, count: y.count, mode: padding).map { y[$0] } ?? 0
                  windowed[i] = w[i] * Double(sample)
                }
              }
              fft.forward(buffers)
              let complex64 = consumer?.storage(forFrame: t) ?? values.baseAddress! + 2 * bins * t
              genrekit_round_spectrum(spectrum, bins, complex64, magnitude.baseAddress! + bins * t)
              consumer?.frame(t, magnitude: magnitude.baseAddress!)
            }
          }
        }
        valuesCount = storedValues
      }
      consumer?.end(magnitude: magnitude.baseAddress!)
      magnitudeCount = bins * frames
    }
    self.frameCount = frames
    self.values = consumer == nil ? values : nil
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

/// Calls `body(first, count, block)` for the frames in blocks of eight, `block[k]` holding bin k
/// of frames `first ..< first + count` in its lanes (`genrekit_interleave_x8`; lanes past `count`
/// are unspecified), so that a kernel advances eight frames' chains of additions at once.
func forEachFrameBlock(
  of magnitude: [Float], frames: Int, _ body: (_ first: Int, _ count: Int, _ block: UnsafeMutablePointer<SIMD8<Float>>) -> Void
) {
  let (bins, lanes) = (Framing.binCount, Int(GENREKIT_MEDIAN_LANES))
  withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: bins) { block in
    magnitude.withUnsafeBufferPointer { s in
      for first in stride(from: 0, to: frames, by: lanes) {
        let count = min(lanes, frames - first)
        block.withMemoryRebound(to: Float.self) { genrekit_interleave_x8(s.baseAddress! + first * bins, bins, count, bins, $0.baseAddress!) }
        body(first, count, block.baseAddress!)
      }
    }
  }
}

/// Inverse STFT by weighted overlap-add, normalised by the summed squared window (`librosa.istft`),
/// fed one frame at a time in order. The result has `outputLength` samples: the first
/// `reconstructedLength` of the centre-trimmed buffer (`out[1024...]`), then zeros.
final class InverseSTFT {
  private let frameCount: Int
  private let kept: Int
  private let buffers = FFTBuffers(size: Framing.frameLength)
  private let normalisation: WindowSquareSum
  /// The overlap-add sum in a ring of one frame (buffer sample j at j mod 2048), and one hop's
  /// normalisation.
  private let ring: UnsafeMutablePointer<Double>
  private let hopNormalisation: UnsafeMutablePointer<Double>
  private var output: [Float]
  private var added = 0

  init(frameCount: Int, outputLength: Int, reconstructedLength: Int) {
    let (n, hop) = (Framing.frameLength, Framing.hopLength)
    self.frameCount = frameCount
    kept = max(0, min(reconstructedLength, outputLength, hop * (frameCount - 1) + n - n / 2))
    normalisation = WindowSquareSum(frameCount: frameCount)
    ring = .allocate(capacity: n)
    ring.initialize(repeating: 0, count: n)
    hopNormalisation = .allocate(capacity: hop)
    output = [Float](repeating: 0, count: outputLength)
  }

  deinit {
    ring.deallocate()
    hopNormalisation.deallocate()
  }

  /// Adds the next frame; `fill(spectrum)` writes its 1025 bins.
  func add(_ fill: (UnsafeMutablePointer<fftw_complex>) -> Void) {
    precondition(added < frameCount, "more frames than announced")
    let (n, hop) = (Framing.frameLength, Framing.hopLength)
    let t = added
    fill(buffers.complex)
    RealFFT.frame2048.inverse(buffers)
    // The frame's four hops land on four whole hops of the ring (frames start on hops).
    Framing.synthesisWindow.withUnsafeBufferPointer { w in
      genrekit_overlap_add(w.baseAddress!, buffers.real, n, hop, (t * hop) & (n - 1), ring)
    }
    // Once frame t is added, the hop starting at 512t is complete.
    emitHop(startingAt: t * hop)
    added += 1
  }

  /// The signal, once every frame was added.
  func finish() -> [Float] {
    precondition(added == frameCount, "frames missing")
    let (n, hop) = (Framing.frameLength, Framing.hopLength)
    // The last frame's remaining three hops.
    for first in stride(from: frameCount * hop, to: (frameCount - 1) * hop + n, by: hop) { emitHop(startingAt: first) }
    return output
  }

  /// Writes out the hop of the buffer starting at `first` (normalised, rounded once from Double:
  /// numpy rounds to float32 after every frame's add, which differs by float32 rounding, far below
  /// the features' tolerance). The next frame's overlap-add starts that ring slot afresh.
  private func emitHop(startingAt first: Int) {
    let (n, hop) = (Framing.frameLength, Framing.hopLength)
    let start = n / 2
    let hopInRing = ring + (first & (n - 1))
    let (low, high) = (max(first, start), min(first + hop, start + kept))
    if low < high {
      normalisation.hop(startingAt: first, into: hopNormalisation)
      output.withUnsafeMutableBufferPointer { out in
        genrekit_normalize_overlap(
          hopInRing + (low - first), hopNormalisation + (low - first), high - low, out.baseAddress! + (low - start))
      }
    }
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
