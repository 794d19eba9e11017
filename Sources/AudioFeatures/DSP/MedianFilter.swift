import CSlidingMedian

/// `scipy.ndimage.median_filter` with `mode='reflect'` along one axis of a row-major matrix: the
/// two filters of HPSS (`size=(1, 31)` and `(31, 1)` on librosa's bin × frame spectrogram).
///
/// Both run the C kernel `genrekit_sliding_median_x8`, which filters 8 neighbouring sequences at
/// once, on a small block that stays in cache: 8 adjacent columns, or 8 rows transposed (by the C
/// helpers `genrekit_interleave_x8`/`genrekit_deinterleave_x8`). Run in place down the columns of
/// a 1025-wide spectrogram, the kernel's strided loads make it 3× slower.
enum MedianFilter {
  private static let lanes = Int(GENREKIT_MEDIAN_LANES)

  /// `out[r, c] = median(x[r − h ... r + h, c])`, h = window / 2, reflected at the first and last row.
  static func alongColumns(_ x: [Float], rows: Int, columns: Int, window: Int) -> [Float] {
    [Float](unsafeUninitializedCapacity: rows * columns) { out, count in
      filter(x, sequenceLength: rows, sequenceCount: columns, window: window) { block, x, first, width in
        for r in 0..<rows { copy(width, from: x + r * columns + first, to: block + r * lanes) }
      } visit: { medians, first, width in
        for r in 0..<rows { copy(width, from: medians + r * lanes, to: out.baseAddress! + r * columns + first) }
      }
      count = rows * columns
    }
  }

  /// `out[r, c] = median(x[r, c − h ... c + h])`, h = window / 2, reflected at the first and last column.
  static func alongRows(_ x: [Float], rows: Int, columns: Int, window: Int) -> [Float] {
    [Float](unsafeUninitializedCapacity: rows * columns) { out, count in
      alongRows(x, rows: rows, columns: columns, window: window) { medians, firstRow, height in
        (out.baseAddress! + firstRow * columns).update(from: medians, count: height * columns)
      }
      count = rows * columns
    }
  }

  /// The medians along rows `firstRow ..< firstRow + height` (at most 8 rows, row-major) as they
  /// are computed, so that a caller can consume them without a matrix-sized result.
  static func alongRows(
    _ x: [Float], rows: Int, columns: Int, window: Int,
    visit: (_ medians: UnsafePointer<Float>, _ firstRow: Int, _ height: Int) -> Void
  ) {
    let rowMedians = UnsafeMutablePointer<Float>.allocate(capacity: lanes * columns)
    defer { rowMedians.deallocate() }
    filter(
      x, sequenceLength: columns, sequenceCount: rows, window: window,
      gather: { block, x, first, height in
        genrekit_interleave_x8(x + first * columns, columns, height, columns, block)
      },
      visit: { medians, first, height in
        genrekit_deinterleave_x8(medians, columns, height, rowMedians, columns)
        visit(rowMedians, first, height)
      })
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
  /// `sequenceLength × 8` block, `visit(medians, first, width)` receives the block of medians.
  private static func filter(
    _ x: [Float], sequenceLength: Int, sequenceCount: Int, window: Int,
    gather: (UnsafeMutablePointer<Float>, UnsafePointer<Float>, Int, Int) -> Void,
    visit: (UnsafePointer<Float>, Int, Int) -> Void
  ) {
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
    x.withUnsafeBufferPointer { x in
      for first in stride(from: 0, to: sequenceCount, by: lanes) {
        let width = min(lanes, sequenceCount - first)
        // Unused lanes of the last block hold zeros, not uninitialised memory.
        if width < lanes { block.initialize(repeating: 0, count: sequenceLength * lanes) }
        gather(block, x.baseAddress!, first, width)
        genrekit_sliding_median_x8(block, lanes, positions, positions.count, Int32(window), medians, lanes)
        visit(medians, first, width)
      }
    }
  }
}
