/// Running median of an odd-length window (at most 31): `out[i] = median(x[i ..< i + window])`
/// for `i = 0 ..< outputCount`.
///
/// The window is kept sorted in 32 lanes padded with +∞. Each step counts the ranks of the outgoing
/// and incoming samples, then builds the next sorted window in one pass where lane i takes old lane
/// i, i+1 or i−1, or the incoming sample, depending only on those two ranks. Both loops have a
/// fixed trip count and no branches, so they vectorise. This replaces scipy's per-output
/// selection, which dominates librosa's HPSS time.
struct SlidingMedian {
  static let lanes = 32
  let window: Int
  /// Two sorted windows (current and next), each with one +∞ guard lane on both sides.
  private var storage: [Float]

  init(window: Int) {
    precondition(window % 2 == 1 && window < SlidingMedian.lanes, "median window must be odd and < 32")
    self.window = window
    storage = [Float](repeating: .infinity, count: 2 * (SlidingMedian.lanes + 2))
  }

  /// `x` must hold `outputCount + window − 1` finite values; writes `outputCount` medians to `out`.
  mutating func run(_ x: UnsafePointer<Float>, outputCount: Int, into out: UnsafeMutablePointer<Float>) {
    let w = window
    let mid = w / 2
    let lanes = SlidingMedian.lanes
    storage.withUnsafeMutableBufferPointer { buffer in
      var current = buffer.baseAddress! + 1
      var next = buffer.baseAddress! + lanes + 3
      for i in 0..<lanes { current[i] = i < w ? x[i] : .infinity }
      var initial = UnsafeMutableBufferPointer(start: current, count: w)
      initial.sort()
      out[0] = current[mid]
      for i in 1..<max(1, outputCount) {
        let outgoing = x[i - 1]
        let incoming = x[i + w - 1]
        // p: lanes below the outgoing value (its first copy is lane p); q: the incoming value's
        // lane once the outgoing one is removed.
        let p = countBelow(outgoing, in: current)
        let q = countBelow(incoming, in: current) &- (outgoing < incoming ? 1 : 0)
        for lane in 0..<Int32(lanes) {
          // Load all three candidates unconditionally so the selects need no branches.
          let j = Int(lane)
          let below = current[j &- 1]
          let same = current[j]
          let above = current[j &+ 1]
          let shiftedDown = lane < p ? same : above
          let shiftedUp = lane <= p ? below : same
          next[j] = lane < q ? shiftedDown : (lane > q ? shiftedUp : incoming)
        }
        swap(&current, &next)
        out[i] = current[mid]
      }
    }
  }
}

/// How many of the 32 lanes hold a value below `value`: a branch-free count that vectorises.
@inline(__always)
private func countBelow(_ value: Float, in lanes: UnsafeMutablePointer<Float>) -> Int32 {
  var count: Int32 = 0
  for j in 0..<SlidingMedian.lanes {
    count &+= Int32(truncatingIfNeeded: unsafeBitCast(lanes[j] < value, to: UInt8.self))
  }
  return count
}

/// Median filter of size `window` along every row of a `rows × columns` row-major matrix, with
/// scipy.ndimage's `reflect` boundary (`median_filter(..., size=(1, window), mode='reflect')`).
func medianFilterRows(_ input: [Float], rows: Int, columns: Int, window: Int) -> [Float] {
  let half = window / 2
  var median = SlidingMedian(window: window)
  var extended = [Float](repeating: 0, count: columns + 2 * half)
  let boundary = (0..<extended.count).map { halfSampleSymmetricIndex($0 - half, count: columns) }
  return [Float](unsafeUninitializedCapacity: rows * columns) { out, count in
    count = out.count
    input.withUnsafeBufferPointer { x in
      extended.withUnsafeMutableBufferPointer { e in
        for r in 0..<rows {
          let row = x.baseAddress! + r * columns
          for j in 0..<e.count { e[j] = row[boundary[j]] }
          median.run(e.baseAddress!, outputCount: columns, into: out.baseAddress! + r * columns)
        }
      }
    }
  }
}

/// Row-major transpose of a `rows × columns` matrix.
func transposed(_ x: [Float], rows: Int, columns: Int) -> [Float] {
  [Float](unsafeUninitializedCapacity: x.count) { out, count in
    count = out.count
    x.withUnsafeBufferPointer { x in
      let block = 32
      for r0 in stride(from: 0, to: rows, by: block) {
        for c0 in stride(from: 0, to: columns, by: block) {
          for r in r0..<min(r0 + block, rows) {
            for c in c0..<min(c0 + block, columns) { out[c * rows + r] = x[r * columns + c] }
          }
        }
      }
    }
  }
}
