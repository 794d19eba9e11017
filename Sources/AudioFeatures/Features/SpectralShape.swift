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
    let frequency = (0..<bins).map(Framing.binFrequency)
    var centroid = [Double](repeating: 0, count: frames)
    var bandwidth = [Double](repeating: 0, count: frames)
    var rolloff = [Double](repeating: 0, count: frames)
    var normalized = [Double](repeating: 0, count: bins)
    magnitude.withUnsafeBufferPointer { s in
      for t in 0..<frames {
        let frame = s.baseAddress! + t * bins
        // L1 normalisation as `util.normalize`: the norm in float64, the result stored as float32;
        // frames whose norm is below float32's smallest normal are left as they are.
        var norm = 0.0
        for k in 0..<bins { norm += Double(frame[k]) }
        let divisor = norm < Double(Float.leastNormalMagnitude) ? 1 : norm
        var c = 0.0
        for k in 0..<bins {
          normalized[k] = Double(Float(Double(frame[k]) / divisor))
          c += frequency[k] * normalized[k]
        }
        var b = 0.0
        for k in 0..<bins {
          let deviation = frequency[k] - c
          b += normalized[k] * deviation * deviation
        }
        centroid[t] = c
        bandwidth[t] = b.squareRoot()

        // Roll-off: the first bin whose float32 cumulative sum reaches 85 % of the total.
        var total: Float = 0
        for k in 0..<bins { total += frame[k] }
        let threshold = SpectralShape.rollPercent * total
        var cumulative: Float = 0
        for k in 0..<bins {
          cumulative += frame[k]
          if cumulative >= threshold {
            rolloff[t] = frequency[k]
            break
          }
        }
      }
    }
    self.centroid = centroid
    self.bandwidth = bandwidth
    self.rolloff = rolloff
  }
}
