/// Frame-wise features computed directly on the samples. Frames overlap four times (2048 / 512),
/// so both work on per-hop partial results instead of revisiting every sample.
enum TimeDomain {
  /// `librosa.feature.rms`: `sqrt(mean(frame²))` over 2048 unwindowed samples per centred frame.
  static func rms(_ signal: [Float], padding: PaddingMode) -> [Float] {
    let hop = Framing.hopLength
    let blocksPerFrame = Framing.frameLength / hop
    let frames = Framing.frameCount(samples: signal.count)
    // Sum of squares of each 512-sample block of the padded signal (float32 squares, as numpy),
    // in Double. Block b starts 1024 samples before sample 512b; only the first and last blocks
    // reach into the padding.
    let blockSums = signal.withUnsafeBufferPointer { y in
      (0..<(frames + blocksPerFrame - 1)).map { b in
        let start = b * hop - Framing.frameLength / 2
        var sum = 0.0
        if start >= 0 && start + hop <= y.count {
          for i in start..<(start + hop) { sum += Double(y[i] * y[i]) }
        } else {
          for i in start..<(start + hop) {
            guard let j = paddedIndex(i, count: y.count, mode: padding) else { continue }
            sum += Double(y[j] * y[j])
          }
        }
        return sum
      }
    }
    return (0..<frames).map { t in
      let sum = blockSums[t..<(t + blocksPerFrame)].reduce(0, +)
      return Float(sum / Double(Framing.frameLength)).squareRoot()
    }
  }

  /// `librosa.feature.zero_crossing_rate`: frames padded with the edge sample; |x| ≤ 1e-10 counts
  /// as +0; a crossing is a sign-bit change between neighbours within the frame; the count is
  /// divided by 2048.
  static func zeroCrossingRate(_ signal: [Float]) -> [Double] {
    let n = Framing.frameLength
    let frames = Framing.frameCount(samples: signal.count)
    // crossingsBefore[i] = crossings between neighbours among signal[0 ... i]. The edge padding
    // repeats the end samples, which adds no crossing: a frame counts those among the samples it
    // covers, its ends clamped to the signal.
    var crossingsBefore = [Int32](repeating: 0, count: signal.count)
    signal.withUnsafeBufferPointer { y in
      var previousNegative = y[0] < -1e-10
      var count: Int32 = 0
      for i in 1..<y.count {
        let negative = y[i] < -1e-10
        count &+= negative != previousNegative ? 1 : 0
        previousNegative = negative
        crossingsBefore[i] = count
      }
    }
    return (0..<frames).map { t in
      let first = min(max(t * Framing.hopLength - n / 2, 0), signal.count - 1)
      let last = min(max(t * Framing.hopLength - n / 2 + n - 1, 0), signal.count - 1)
      return Double(crossingsBefore[last] - crossingsBefore[first]) / Double(n)
    }
  }
}
