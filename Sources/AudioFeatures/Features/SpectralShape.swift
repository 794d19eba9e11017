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
    var rolloff = [Double](repeating: 0, count: frames)
    let frequencies = (0..<bins).map(Framing.binFrequency)
    withUnsafeTemporaryAllocation(of: Double.self, capacity: bins) { normalized in
      withUnsafeTemporaryAllocation(of: Float.self, capacity: bins) { cumulative in
        magnitude.withUnsafeBufferPointer { s in
          frequencies.withUnsafeBufferPointer { frequency in
            for t in 0..<frames {
              let frame = s.baseAddress! + t * bins
              // L1 normalisation as `util.normalize`: the norm in float64, the result stored as
              // float32; frames whose norm is below float32's smallest normal are left as they are.
              let norm = interleavedSum(bins) { Double(frame[$0]) }
              // A reciprocal: the quotient may differ in its last double bit, which the float32
              // rounding below almost never sees.
              let scale = norm < Double(Float.leastNormalMagnitude) ? 1 : 1 / norm
              for k in 0..<bins { normalized[k] = Double(Float(Double(frame[k]) * scale)) }
              let c = interleavedSum(bins) { frequency[$0] * normalized[$0] }
              let b = interleavedSum(bins) { normalized[$0] * (frequency[$0] - c) * (frequency[$0] - c) }
              centroid[t] = c
              bandwidth[t] = b.squareRoot()

              // Roll-off: the first bin whose float32 cumulative sum (numpy's cumsum, in order)
              // reaches 85 % of its last value. The sum never decreases: binary search.
              var running: Float = 0
              for k in 0..<bins {
                running += frame[k]
                cumulative[k] = running
              }
              let threshold = SpectralShape.rollPercent * running
              var low = 0
              var high = bins - 1
              while low < high {
                let mid = (low + high) / 2
                if cumulative[mid] >= threshold { high = mid } else { low = mid + 1 }
              }
              rolloff[t] = cumulative[low] >= threshold ? frequency[low] : 0
            }
          }
        }
      }
    }
    self.centroid = centroid
    self.bandwidth = bandwidth
    self.rolloff = rolloff
  }
}
