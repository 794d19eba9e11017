import CSlidingMedian

/// `scipy.ndimage.median_filter` with `mode='reflect'` along one axis of a row-major matrix: the
/// two filters of HPSS (`size=(1, 31)` and `(31, 1)` on librosa's bin × frame spectrogram).
///
/// Both run the C kernel of `CSlidingMedian`, which keeps the window of 8 neighbouring sequences
/// sorted and advances them together: `RowMedians` along 8 rows at a time (transposed into the
/// kernel's lanes by the C helpers `genrekit_interleave_x8`/`genrekit_deinterleave_x8`),
/// `ColumnMedians` down the columns one row at a time, so that HPSS consumes each frame's medians as
/// they come, with no matrix of them.
enum MedianFilter {
  static let lanes = Int(GENREKIT_MEDIAN_LANES)

  /// `out[r, c] = median(x[r − h ... r + h, c])`, h = window / 2, reflected at the first and last row.
  static func alongColumns(_ x: [Float], rows: Int, columns: Int, window: Int) -> [Float] {
    [Float](unsafeUninitializedCapacity: rows * columns) { out, count in
      x.withUnsafeBufferPointer { x in
        let medians = ColumnMedians(of: x.baseAddress!, rows: rows, columns: columns, window: window)
        for r in 0..<rows { medians.next(into: out.baseAddress! + r * columns) }
      }
      count = rows * columns
    }
  }

  /// `out[r, c] = median(x[r, c − h ... c + h])`, h = window / 2, reflected at the first and last column.
  static func alongRows(_ x: [Float], rows: Int, columns: Int, window: Int) -> [Float] {
    [Float](unsafeUninitializedCapacity: rows * columns) { out, count in
      x.withUnsafeBufferPointer { x in
        let medians = RowMedians(columns: columns, window: window)
        for first in stride(from: 0, to: rows, by: lanes) {
          medians.compute(
            rows: x.baseAddress! + first * columns, count: min(lanes, rows - first),
            into: out.baseAddress! + first * columns)
        }
      }
      count = rows * columns
    }
  }

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
    genrekit_sliding_median_x8(block, lanes, positions, positions.count, Int32(window), medians, lanes)
    genrekit_deinterleave_x8(medians, columns, count, out, columns)
  }
}

/// Medians down the columns of a row-major matrix, one row after the other (HPSS's harmonic
/// filter: across time within each bin). The kernel's sorted window of every 8 columns is kept
/// from one row to the next; a row's medians need the rows up to h = window / 2 after it.
final class ColumnMedians {
  private let x: UnsafePointer<Float>
  private let rows: Int
  private let columns: Int
  private let window: Int
  private let positions: [Int]
  private let fullGroups: Int
  /// Each group's sorted window (`window × 8` floats per group; the last group holds the
  /// `columns mod 8` columns left over, if any).
  private let sorted: UnsafeMutablePointer<Float>
  /// The left-over columns of the incoming and the outgoing row, padded to 8 lanes.
  private let leftOver: UnsafeMutablePointer<Float>
  private var row = 0

  /// - Parameter x: `rows × columns` values that must outlive this filter.
  init(of x: UnsafePointer<Float>, rows: Int, columns: Int, window: Int) {
    let lanes = MedianFilter.lanes
    self.x = x
    self.rows = rows
    self.columns = columns
    self.window = window
    positions = MedianFilter.reflectedPositions(length: rows, window: window)
    fullGroups = columns / lanes
    let groups = (columns + lanes - 1) / lanes
    sorted = .allocate(capacity: groups * window * lanes)
    leftOver = .allocate(capacity: 2 * lanes)
    leftOver.initialize(repeating: 0, count: 2 * lanes)
    genrekit_sliding_median_start_x8(sorted, groups, Int32(window))
    for i in 0..<window { push(outgoing: nil, incoming: positions[i]) }
  }

  deinit {
    sorted.deallocate()
    leftOver.deallocate()
  }

  /// Writes the medians of the next row (the first on the first call) to `out`, `columns` floats.
  func next(into out: UnsafeMutablePointer<Float>) {
    precondition(row < rows, "every row's medians were taken")
    let lanes = MedianFilter.lanes
    let middle = window / 2
    let columnsLeftOver = columns - fullGroups * lanes
    for group in 0...fullGroups {
      let width = group < fullGroups ? lanes : columnsLeftOver
      guard width > 0 else { continue }
      (out + group * lanes).update(from: sorted + (group * window + middle) * lanes, count: width)
    }
    row += 1
    if row < rows { push(outgoing: positions[row - 1], incoming: positions[row + window - 1]) }
  }

  /// Moves every column's window on by one element: row `incoming` enters, row `outgoing` leaves.
  private func push(outgoing: Int?, incoming: Int) {
    let lanes = MedianFilter.lanes
    let window = Int32(window)
    genrekit_sliding_median_push_x8(sorted, fullGroups, window, outgoing.map { x + $0 * columns }, x + incoming * columns)
    let columnsLeftOver = columns - fullGroups * lanes
    guard columnsLeftOver > 0 else { return }
    let first = fullGroups * lanes
    leftOver.update(from: x + incoming * columns + first, count: columnsLeftOver)
    if let outgoing { (leftOver + lanes).update(from: x + outgoing * columns + first, count: columnsLeftOver) }
    genrekit_sliding_median_push_x8(
      sorted + fullGroups * Int(window) * lanes, 1, window, outgoing == nil ? nil : leftOver + lanes, leftOver)
  }
}
