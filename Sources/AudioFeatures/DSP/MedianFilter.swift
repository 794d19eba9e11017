import CSlidingMedian

/// `scipy.ndimage.median_filter` with `mode='reflect'` along one axis of a row-major matrix: the
/// two filters of HPSS (`size=(1, 31)` and `(31, 1)` on librosa's bin × frame spectrogram).
///
/// Both run the C kernel `genrekit_sliding_median_x8`, which filters 8 neighbouring sequences at
/// once, on a small block that stays in cache: 8 adjacent columns, or 8 rows transposed. (Run in
/// place down the columns of a 1025-wide spectrogram, its strided loads make it 3× slower.)
enum MedianFilter {
  private static let lanes = Int(GENREKIT_MEDIAN_LANES)

  /// `out[r, c] = median(x[r − h ... r + h, c])`, h = window / 2, reflected at the first and last row.
  static func alongColumns(_ x: [Float], rows: Int, columns: Int, window: Int) -> [Float] {
    filter(x, count: rows * columns, sequenceLength: rows, sequenceCount: columns, window: window) {
      block, x, first, width in
      for r in 0..<rows { copy(width, from: x + r * columns + first, to: block + r * lanes) }
    } scatter: { block, out, first, width in
      for r in 0..<rows { copy(width, from: block + r * lanes, to: out + r * columns + first) }
    }
  }

  /// `out[r, c] = median(x[r, c − h ... c + h])`, h = window / 2, reflected at the first and last column.
  static func alongRows(_ x: [Float], rows: Int, columns: Int, window: Int) -> [Float] {
    filter(x, count: rows * columns, sequenceLength: columns, sequenceCount: rows, window: window) {
      block, x, first, height in
      for lane in 0..<height {
        for c in 0..<columns { block[c * lanes + lane] = x[(first + lane) * columns + c] }
      }
    } scatter: { block, out, first, height in
      for lane in 0..<height {
        for c in 0..<columns { out[(first + lane) * columns + c] = block[c * lanes + lane] }
      }
    }
  }

  /// Copies `count` ≤ 8 floats; a full 8 as one vector, the common case of the column gathers.
  @inline(__always)
  private static func copy(_ count: Int, from source: UnsafePointer<Float>, to destination: UnsafeMutablePointer<Float>) {
    if count == lanes {
      UnsafeMutableRawPointer(destination).storeBytes(
        of: UnsafeRawPointer(source).loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
    } else {
      destination.update(from: source, count: count)
    }
  }

  /// Filters `sequenceCount` sequences of `sequenceLength` values, 8 at a time: `gather(block, x,
  /// first, width)` copies sequences `first ..< first + width` into the lanes of a
  /// `sequenceLength × 8` block, `scatter` copies the block of medians back.
  private static func filter(
    _ x: [Float], count: Int, sequenceLength: Int, sequenceCount: Int, window: Int,
    gather: (UnsafeMutablePointer<Float>, UnsafePointer<Float>, Int, Int) -> Void,
    scatter: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int, Int) -> Void
  ) -> [Float] {
    precondition(window % 2 == 1 && window <= GENREKIT_MEDIAN_MAX_WINDOW, "median window must be odd and ≤ 31")
    // Indices of the boundary-extended sequence x[−h ..< length + h] under scipy's `reflect`.
    let positions = (0..<(sequenceLength + window - 1)).map {
      Int32(halfSampleSymmetricIndex($0 - window / 2, count: sequenceLength))
    }
    let block = UnsafeMutablePointer<Float>.allocate(capacity: sequenceLength * lanes)
    let medians = UnsafeMutablePointer<Float>.allocate(capacity: sequenceLength * lanes)
    defer {
      block.deallocate()
      medians.deallocate()
    }
    return [Float](unsafeUninitializedCapacity: count) { out, initialized in
      x.withUnsafeBufferPointer { x in
        for first in stride(from: 0, to: sequenceCount, by: lanes) {
          let width = min(lanes, sequenceCount - first)
          // Unused lanes of the last block hold zeros, not uninitialised memory.
          if width < lanes { block.initialize(repeating: 0, count: sequenceLength * lanes) }
          gather(block, x.baseAddress!, first, width)
          genrekit_sliding_median_x8(block, lanes, positions, positions.count, Int32(window), medians, lanes)
          scatter(medians, out.baseAddress!, first, width)
        }
      }
      initialized = count
    }
  }
}
