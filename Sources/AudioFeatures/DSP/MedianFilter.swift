import CSlidingMedian

/// `scipy.ndimage.median_filter` with `mode='reflect'` along one axis of a row-major matrix: the
/// two filters of HPSS (`size=(1, 31)` and `(31, 1)` on librosa's bin × frame spectrogram).
///
/// Both run the C kernel of `CSlidingMedian`, which filters 8 neighbouring sequences side by side:
/// `RowMedians` along 8 rows at a time (transposed into the kernel's lanes by the C helpers
/// `genrekit_interleave_x8`/`genrekit_deinterleave_x8`), `ColumnMedians` down 8 columns at a time,
/// a few rows after the other, so that HPSS consumes each frame's medians as they come, with no
/// matrix of them.
enum MedianFilter {
  static let lanes = Int(GENREKIT_MEDIAN_LANES)

  /// Where element i of a sequence extended by h = window / 2 on both sides comes from, under
  /// scipy's `reflect` (d c b a | a b c d | d c b a, repeated however far the window reaches).
  static func reflectedPositions(length: Int, window: Int) -> [Int] {
    precondition(window % 2 == 1 && window <= GENREKIT_MEDIAN_MAX_WINDOW, "median window must be odd and ≤ 31")
    return (0..<(length + window - 1)).map { halfSampleSymmetricIndex($0 - window / 2, count: length) }
  }
}

/// Medians along the rows of up to 8 rows of a row-major matrix at a time (HPSS's percussive
/// filter: across frequency within each frame).
final class RowMedians {
  private let columns: Int
  private let window: Int
  private let positions: [Int32]
  /// The rows transposed into the kernel's lanes, and their medians: `columns × 8` each.
  private let block: UnsafeMutablePointer<Float>
  private let medians: UnsafeMutablePointer<Float>

  init(columns: Int, window: Int) {
    self.columns = columns
    self.window = window
    positions = MedianFilter.reflectedPositions(length: columns, window: window).map { Int32($0) }
    block = .allocate(capacity: columns * MedianFilter.lanes)
    medians = .allocate(capacity: columns * MedianFilter.lanes)
  }

  deinit {
    block.deallocate()
    medians.deallocate()
  }

  /// The medians of `count` ≤ 8 consecutive rows starting at `rows`, written row-major to `out`.
  func compute(rows: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Float>) {
    let lanes = MedianFilter.lanes
    genrekit_interleave_x8(rows, columns, count, columns, block)
    genrekit_sliding_median_x8(block, lanes, positions, Int32(window), 0, columns, medians, lanes)
    genrekit_deinterleave_x8(medians, columns, count, out, columns)
  }
}

/// Medians down the columns of a row-major matrix, a few rows after the other (HPSS's harmonic
/// filter: across time within each bin), 8 columns side by side read in place; a row's medians
/// need the rows up to h = window / 2 after it.
final class ColumnMedians {
  private let x: UnsafePointer<Float>
  private let rows: Int
  private let columns: Int
  private let window: Int
  private let positions: [Int32]
  /// The left-over columns (`columns mod 8`) of a block's rows padded to 8 lanes, then their
  /// medians, and the positions of those rows in it (0, 1, 2, …).
  private let padded: UnsafeMutablePointer<Float>
  private let paddedPositions: [Int32]
  /// With the 31-row window, what each group of 8 columns' windows share with the next call's
  /// (`genrekit_sliding_median31_x8_carrying`), and whether the last call left it for this row.
  private let carried: UnsafeMutablePointer<Float>?
  private var carriedIsForThisRow = false
  /// The next row whose medians are due.
  private var row = 0

  /// - Parameter x: `rows × columns` values that must outlive this filter.
  init(of x: UnsafePointer<Float>, rows: Int, columns: Int, window: Int) {
    let lanes = MedianFilter.lanes
    self.x = x
    self.rows = rows
    self.columns = columns
    self.window = window
    positions = MedianFilter.reflectedPositions(length: rows, window: window).map { Int32($0) }
    paddedPositions = (0..<Int32(lanes + window - 1)).map { $0 }
    // Lanes past the left-over columns stay 0.
    padded = .allocate(capacity: (paddedPositions.count + lanes) * lanes)
    padded.initialize(repeating: 0, count: (paddedPositions.count + lanes) * lanes)
    carried = window == GENREKIT_MEDIAN_MAX_WINDOW
      ? .allocate(capacity: columns / lanes * Int(GENREKIT_MEDIAN31_CARRIED_FLOATS)) : nil
  }

  deinit {
    padded.deallocate()
    carried?.deallocate()
  }

  /// Writes the medians of the next `count` rows (at most 8) to `out`, row-major (`count ×
  /// columns` floats).
  func next(_ count: Int, into out: UnsafeMutablePointer<Float>) {
    let lanes = MedianFilter.lanes
    precondition(count <= lanes && row + count <= rows, "at most 8 rows at a time, and no more than the matrix has")
    let fullGroups = columns / lanes
    // Row r's window is extended elements r ..< r + window.
    positions.withUnsafeBufferPointer { positions in
      for group in 0..<fullGroups {
        let (input, output) = (x + group * lanes, out + group * lanes)
        if let carried {
          genrekit_sliding_median31_x8_carrying(
            input, columns, positions.baseAddress!, row, count, output, columns,
            carried + group * Int(GENREKIT_MEDIAN31_CARRIED_FLOATS), carriedIsForThisRow ? 1 : 0)
        } else {
          genrekit_sliding_median_x8(input, columns, positions.baseAddress!, Int32(window), row, count, output, columns)
        }
      }
    }
    carriedIsForThisRow = count == lanes
    let leftOver = columns - fullGroups * lanes
    if leftOver > 0 {
      let first = fullGroups * lanes
      let span = count + window - 1
      for i in 0..<span { (padded + i * lanes).update(from: x + Int(positions[row + i]) * columns + first, count: leftOver) }
      let medians = padded + paddedPositions.count * lanes
      genrekit_sliding_median_x8(padded, lanes, paddedPositions, Int32(window), 0, count, medians, lanes)
      for i in 0..<count { (out + i * columns + first).update(from: medians + i * lanes, count: leftOver) }
    }
    row += count
  }
}
