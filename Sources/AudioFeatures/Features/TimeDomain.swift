import CSpectralKernels

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
    // reach into the padding: the blocks between are summed by the C kernel.
    let blockCount = frames + blocksPerFrame - 1
    let padded = Framing.frameLength / 2 / hop
    let inside = max(0, min(blockCount, (signal.count + Framing.frameLength / 2) / hop) - padded)
    var blockSums = [Double](repeating: 0, count: blockCount)
    signal.withUnsafeBufferPointer { y in
      if inside > 0 {
        blockSums.withUnsafeMutableBufferPointer { genrekit_block_square_sums(y.baseAddress!, hop, inside, $0.baseAddress! + padded) }
      }
      for b in 0..<blockCount where b < padded || b >= padded + inside {
        let start = b * hop - Framing.frameLength / 2
        for i in start..<(start + hop) {
          guard let j = paddedIndex(i, count: y.count, mode: padding) else { continue }
          blockSums[b] += Double(y[j] * y[j])
        }
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
    // ends clamped to the signal. Inside the signal that is four 512-sample blocks of crossings
    // (blocks[b]: crossings at 512b + 1 ... 512b + 512) less the one at last + 1.
    let hop = Framing.hopLength
    return signal.withUnsafeBufferPointer { y in
      @inline(__always) func crossing(_ i: Int) -> Int32 {
        (y[i] < -1e-10) != (y[i - 1] < -1e-10) ? 1 : 0
      }
      func crossings(_ range: ClosedRange<Int>) -> Int32 {
        // A plain counted loop of wrapping adds, which the compiler vectorises (a ClosedRange's
        // iteration checks for overflow at every step).
        var count: Int32 = 0
        var i = range.lowerBound
        while i <= range.upperBound {
          count &+= crossing(i)
          i &+= 1
        }
        return count
      }
      let blocks = (0..<(y.count / hop)).map { b in crossings((b * hop + 1)...min(b * hop + hop, y.count - 1)) }
      return (0..<frames).map { t in
        let first = t * hop - n / 2
        let last = first + n - 1
        let count: Int32
        if first >= 0 && last + 1 < y.count {
          count = blocks[t - 2] &+ blocks[t - 1] &+ blocks[t] &+ blocks[t + 1] &- crossing(last + 1)
        } else {
          let (low, high) = (min(max(first, 0), y.count - 1), min(max(last, 0), y.count - 1))
          count = low < high ? crossings((low + 1)...high) : 0
        }
        return Double(count) / Double(n)
      }
    }
  }
}
