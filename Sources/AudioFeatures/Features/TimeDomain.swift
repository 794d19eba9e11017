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
    // A crossing at i is a sign change between samples i − 1 and i. The edge padding repeats the
    // end samples, which adds none, so frame t counts the crossings at first + 1 ... last, its
    // ends clamped to the signal; both ends only move forward, so the count is kept running.
    return signal.withUnsafeBufferPointer { y in
      @inline(__always) func crossing(_ i: Int) -> Int { (y[i] < -1e-10) != (y[i - 1] < -1e-10) ? 1 : 0 }
      var count = 0
      var (first, last) = (0, 0)
      return (0..<frames).map { t in
        let start = t * Framing.hopLength - n / 2
        let (newFirst, newLast) = (min(max(start, 0), y.count - 1), min(max(start + n - 1, 0), y.count - 1))
        for i in stride(from: last + 1, through: newLast, by: 1) { count += crossing(i) }
        for i in stride(from: first + 1, through: newFirst, by: 1) { count -= crossing(i) }
        (first, last) = (newFirst, newLast)
        return Double(count) / Double(n)
      }
    }
  }
}
