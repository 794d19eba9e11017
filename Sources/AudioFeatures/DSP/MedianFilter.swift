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
        for first in stride(from: 0, to: rows, by: lanes) {
          medians.next(min(lanes, rows - first), into: out.baseAddress! + first * columns)
        }
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

/// Medians down the columns of a row-major matrix, a few rows after the other (HPSS's harmonic
/// filter: across time within each bin). The kernel's sorted window of every 8 columns is kept
/// from one call to the next; a row's medians need the rows up to h = window / 2 after it.
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
  /// The next row whose medians are due.
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
    genrekit_sliding_median_start_x8(sorted, groups, Int32(window))
    // All of row 0's window but its last element, which the first row's step adds.
    advance(steps: (0..<(window - 1)).map { (outgoing: nil, incoming: positions[$0]) }, medians: nil)
  }

  deinit { sorted.deallocate() }

  /// Writes the medians of the next `count` rows to `out`, row-major (`count × columns` floats).
  func next(_ count: Int, into out: UnsafeMutablePointer<Float>) {
    precondition(row + count <= rows, "more rows than the matrix has")
    // Row r's window is extended elements r ..< r + window: the step to it adds the last one and
    // removes the one before the first.
    let steps = (row..<(row + count)).map { r in (outgoing: r == 0 ? nil : positions[r - 1], incoming: positions[r + window - 1]) }
    advance(steps: steps, medians: out)
    row += count
  }

  private func advance(steps: [(outgoing: Int?, incoming: Int)], medians: UnsafeMutablePointer<Float>?) {
    let lanes = MedianFilter.lanes
    let window = Int32(window)
    let outgoing = steps.map { step in step.outgoing.map { x + $0 * columns } }
    let incoming: [UnsafePointer<Float>?] = steps.map { x + $0.incoming * columns }
    genrekit_sliding_median_push_x8(sorted, fullGroups, window, steps.count, outgoing, incoming, medians, columns)
    let leftOver = columns - fullGroups * lanes
    guard leftOver > 0 else { return }
    // The left-over columns of every step's rows, padded to 8 lanes, through the last group.
    let first = fullGroups * lanes
    let padded = UnsafeMutablePointer<Float>.allocate(capacity: 3 * steps.count * lanes)
    defer { padded.deallocate() }
    padded.initialize(repeating: 0, count: 3 * steps.count * lanes)
    let (paddedIncoming, paddedOutgoing, paddedMedians) =
      (padded, padded + steps.count * lanes, padded + 2 * steps.count * lanes)
    for (s, step) in steps.enumerated() {
      (paddedIncoming + s * lanes).update(from: x + step.incoming * columns + first, count: leftOver)
      if let row = step.outgoing { (paddedOutgoing + s * lanes).update(from: x + row * columns + first, count: leftOver) }
    }
    let incomingLeftOver: [UnsafePointer<Float>?] = steps.indices.map { UnsafePointer(paddedIncoming + $0 * lanes) }
    let outgoingLeftOver: [UnsafePointer<Float>?] = steps.indices.map { steps[$0].outgoing == nil ? nil : UnsafePointer(paddedOutgoing + $0 * lanes) }
    genrekit_sliding_median_push_x8(
      sorted + fullGroups * Int(window) * lanes, 1, window, steps.count, outgoingLeftOver, incomingLeftOver,
      medians == nil ? nil : paddedMedians, lanes)
    guard let medians else { return }
    for s in steps.indices { (medians + s * columns + first).update(from: paddedMedians + s * lanes, count: leftOver) }
  }
}
