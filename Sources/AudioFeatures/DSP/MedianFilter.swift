/// Running median of an odd-length window: `out[i] = median(x[i ..< i + window])` for
/// `i = 0 ..< count − window + 1`.
///
/// Keeps the window sorted; each step removes the outgoing sample and slides the incoming one into
/// place, moving only the elements ranked between them (O(window) worst case, usually a few).
/// This replaces scipy's per-output selection, which dominates librosa's HPSS time.
struct SlidingMedian {
  let window: Int
  private var sorted: [Float]

  init(window: Int) {
    precondition(window % 2 == 1, "median window must be odd")
    self.window = window
    sorted = [Float](repeating: 0, count: window)
  }

  /// `x` must hold `outputCount + window − 1` values; writes `outputCount` medians to `out` with
  /// stride `outStride`.
  mutating func run(
    _ x: UnsafePointer<Float>, outputCount: Int,
    into out: UnsafeMutablePointer<Float>, outStride: Int
  ) {
    let w = window
    let mid = w / 2
    sorted.withUnsafeMutableBufferPointer { s in
      for i in 0..<w { s[i] = x[i] }
      s.sort()
      out[0] = s[mid]
      guard outputCount > 1 else { return }
      for i in 1..<outputCount {
        let outgoing = x[i - 1]
        let incoming = x[i + w - 1]
        if outgoing != incoming {
          // Binary search for one occurrence of the outgoing value.
          var lo = 0
          var hi = w - 1
          while lo < hi {
            let m = (lo + hi) >> 1
            if s[m] < outgoing { lo = m + 1 } else { hi = m }
          }
          var p = lo
          if incoming > outgoing {
            while p + 1 < w && s[p + 1] < incoming {
              s[p] = s[p + 1]
              p += 1
            }
          } else {
            while p > 0 && s[p - 1] > incoming {
              s[p] = s[p - 1]
              p -= 1
            }
          }
          s[p] = incoming
        }
        out[i * outStride] = s[mid]
      }
    }
  }
}

/// Median filter of size `window` along every row of a `rows × columns` row-major matrix, with
/// scipy.ndimage's `reflect` boundary (`median_filter(..., size=(1, window), mode='reflect')`).
/// Output is written row-major into `out`, or transposed (`columns × rows`) when `transposeOutput`.
func medianFilterRows(
  _ input: [Float], rows: Int, columns: Int, window: Int, transposeOutput: Bool = false
) -> [Float] {
  let half = window / 2
  var out = [Float](repeating: 0, count: rows * columns)
  var median = SlidingMedian(window: window)
  var extended = [Float](repeating: 0, count: columns + 2 * half)
  out.withUnsafeMutableBufferPointer { out in
    input.withUnsafeBufferPointer { x in
      extended.withUnsafeMutableBufferPointer { e in
        for r in 0..<rows {
          let row = x.baseAddress! + r * columns
          for j in 0..<e.count {
            e[j] = row[halfSampleSymmetricIndex(j - half, count: columns)]
          }
          let target = transposeOutput ? out.baseAddress! + r : out.baseAddress! + r * columns
          median.run(
            e.baseAddress!, outputCount: columns, into: target,
            outStride: transposeOutput ? rows : 1)
        }
      }
    }
  }
  return out
}

/// Row-major transpose of a `rows × columns` matrix.
func transposed(_ x: [Float], rows: Int, columns: Int) -> [Float] {
  var out = [Float](repeating: 0, count: x.count)
  out.withUnsafeMutableBufferPointer { out in
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
  return out
}
