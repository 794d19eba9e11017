import CSpectralKernels

/// Spectral centroid, bandwidth and roll-off per frame, from the magnitude spectrogram
/// (`librosa.feature.spectral_centroid`, `spectral_bandwidth` with p = 2, `spectral_rolloff` at 85 %).
struct SpectralShape {
  var centroid: [Double]
  var bandwidth: [Double]
  var rolloff: [Double]

  static let rollPercent: Float = 0.85

  /// - Parameter magnitude: `|X|`, frame-major `frames × 1025`.
  init(magnitude: [Float], frames: Int) {
    let bins = Framing.binCount
    var centroid = [Double](repeating: 0, count: frames)
    var bandwidth = [Double](repeating: 0, count: frames)
    let frequencies = (0..<bins).map(Framing.binFrequency)
    // L1 normalisation as `util.normalize`: the norm in float64, the result stored as float32.
    withUnsafeTemporaryAllocation(of: Double.self, capacity: 4 * bins) { normalized in
      genrekit_spectral_centroid_bandwidth(magnitude, frames, frequencies, bins, normalized.baseAddress!, &centroid, &bandwidth)
    }
    self.centroid = centroid
    self.bandwidth = bandwidth
    self.rolloff = SpectralShape.rolloffs(magnitude: magnitude, frames: frames, frequencies: frequencies)
  }

  /// Roll-off per frame: the frequency of the first bin whose float32 cumulative sum (numpy's
  /// cumsum, in order) reaches 85 % of its last value. Each frame's sum is one chain of dependent
  /// additions; eight frames transposed into the lanes of a block advance eight chains at once.
  private static func rolloffs(magnitude: [Float], frames: Int, frequencies: [Double]) -> [Double] {
    let bins = Framing.binCount
    var rolloff = [Double](repeating: 0, count: frames)
    forEachFrameBlock(of: magnitude, frames: frames) { first, count, block in
      var running = SIMD8<Float>()
      for k in 0..<bins {
        running += block[k]
        block[k] = running
      }
      let threshold = SpectralShape.rollPercent * running
      for lane in 0..<count {
        // The sum never decreases: binary search.
        var low = 0
        var high = bins - 1
        while low < high {
          let mid = (low + high) / 2
          if block[mid][lane] >= threshold[lane] { high = mid } else { low = mid + 1 }
        }
        rolloff[first + lane] = block[low][lane] >= threshold[lane] ? frequencies[low] : 0
      }
    }
    return rolloff
  }
}
