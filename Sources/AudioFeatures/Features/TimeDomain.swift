/// Frame-wise features computed directly on the samples. Frames overlap four times (2048 / 512),
/// so both work on per-hop partial results instead of revisiting every sample.
enum TimeDomain {
  /// `librosa.feature.rms`: `sqrt(mean(frame²))` over 2048 unwindowed samples per centred frame.
  static func rms(_ signal: [Float], padding: PaddingMode) -> [Float] {
    let hop = Framing.hopLength
    let blocksPerFrame = Framing.frameLength / hop
    let frames = Framing.frameCount(samples: signal.count)
    let y = padded(signal, by: Framing.frameLength / 2, mode: padding)
    // Sum of squares of each 512-sample block (float32 squares, as numpy), in Double.
    let blockSums = y.withUnsafeBufferPointer { y in
      (0..<(frames + blocksPerFrame - 1)).map { b in
        var sum = 0.0
        for i in (b * hop)..<(b * hop + hop) { sum += Double(y[i] * y[i]) }
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
    let y = padded(signal, by: n / 2, mode: .edge)
    // crossingsBefore[i] = crossings between neighbours among y[0 ... i].
    var crossingsBefore = [Int32](repeating: 0, count: y.count)
    y.withUnsafeBufferPointer { y in
      var previousNegative = y[0] < -1e-10
      var count: Int32 = 0
      for i in 1..<y.count {
        let negative = y[i] < -1e-10
        if negative != previousNegative { count += 1 }
        previousNegative = negative
        crossingsBefore[i] = count
      }
    }
    return (0..<frames).map { t in
      let start = t * Framing.hopLength
      return Double(crossingsBefore[start + n - 1] - crossingsBefore[start]) / Double(n)
    }
  }
}
