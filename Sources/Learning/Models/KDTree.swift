import CDistanceKernels

/// An exact nearest-neighbour search tree for points of few dimensions (a k-d tree): each node
/// splits its points near the median of the coordinate with the largest spread. A query descends to
/// the nearer child first and skips every cell farther than its k-th neighbour so far, the
/// distance to a cell kept incrementally along the path (Arya and Mount's update: only the split
/// coordinate's offset changes from a node to its far child), so a node costs O(1), not O(d).
///
/// The neighbours are exactly the brute-force ones, ordered by (squared distance, training row):
/// ties go to the lower row (`Neighbours`). A leaf is read in float32 first and only the points
/// float32 cannot rule out (its error bounded from the coordinates' magnitudes) are measured in
/// double; coordinates beyond 10¹⁸ are read in double throughout.
struct KDTree: Sendable {
  struct Node: Sendable {
    /// The node's points, `start..<end` in tree order.
    var start: Int
    var end: Int
    /// The first child (the second is `firstChild + 1`); −1 for a leaf.
    var firstChild: Int
    /// The split: the first child's points have `axis` coordinates ≤ `split`, the second's ≥.
    var axis: Int
    var split: Double
    /// A leaf: the first of its blocks of points in `blocks`.
    var firstBlock = 0
  }

  /// Points compared with a query at once (`GENREKIT_DISTANCE_LANES`).
  typealias Lanes = SIMD8<Double>
  /// Blocks measured in one call at most.
  static let maxBlocksPerCall = Int(GENREKIT_DISTANCE_MAX_BLOCKS)

  let dimensions: Int
  /// Each leaf's points in blocks of `Lanes.scalarCount`, coordinate-major within a block (block
  /// b, coordinate j, lane l at (b·d + j)·lanes + l), so that a query meets a block's points in
  /// one pass. Lanes past a leaf's end hold NaN, which no bound admits.
  let blocks: [Double]
  /// `blocks` rounded to float32, read first (`genrekit_blocks_candidates`).
  let floatBlocks: [Float]
  /// The largest magnitude of a training coordinate, which bounds float32's rounding.
  let scale: Double
  /// Per point in tree order, its training row.
  let rows: [Int]
  let nodes: [Node]

  /// A node of at most `leafSize` points is a leaf. 128, not scikit-learn's 30: with a leaf's
  /// points measured eight at a time in float32, larger leaves cost less to visit than their
  /// extra points (Spotify, 12 features: 64 → 128 is 7 % faster; 256 no faster again).
  init(_ x: Matrix, leafSize: Int = 128) {
    let d = x.columns
    let lanes = Lanes.scalarCount
    var order = Array(0..<x.rows)
    // The points in tree order, moved with `order` as nodes split, so that every node's points
    // are read in sequence.
    var points = x.values
    var nodes: [Node] = []
    // Breadth-first, so that a node's two children are adjacent.
    var pending = [(start: 0, end: x.rows)]
    var next = 0
    var blockCount = 0
    var (low, high) = ([Double](repeating: 0, count: d), [Double](repeating: 0, count: d))
    points.withUnsafeMutableBufferPointer { points in
      order.withUnsafeMutableBufferPointer { order in
        while next < pending.count {
          let (start, end) = pending[next]
          next += 1
          for j in 0..<d { (low[j], high[j]) = (.infinity, -.infinity) }
          for i in start..<end {
            for j in 0..<d {
              let value = points[i &* d &+ j]
              low[j] = min(low[j], value)
              high[j] = max(high[j], value)
            }
          }
          let spreads = (0..<d).map { high[$0] - low[$0] }
          let axis = spreads.indices.max { spreads[$0] < spreads[$1] } ?? 0
          guard end - start > leafSize, spreads[axis] > 0 else {
            nodes.append(Node(start: start, end: end, firstChild: -1, axis: 0, split: 0, firstBlock: blockCount))
            blockCount += (end - start + lanes - 1) / lanes
            continue
          }
          // The first child takes half the points rounded to whole blocks, so that leaves fill
          // their blocks (fewer NaN lanes measured).
          let middle = start + ((end - start) / 2 + lanes / 2) / lanes * lanes
          Self.select(points: points.baseAddress!, order: order.baseAddress!, dimensions: d, start..<end, rank: middle, axis: axis)
          nodes.append(Node(start: start, end: end, firstChild: pending.count, axis: axis, split: points[middle * d + axis]))
          pending.append((start, middle))
          pending.append((middle, end))
        }
      }
    }
    var blocks = [Double](repeating: .nan, count: blockCount * d * lanes)
    for node in nodes where node.firstChild < 0 {
      for i in node.start..<node.end {
        let (block, lane) = (node.firstBlock + (i - node.start) / lanes, (i - node.start) % lanes)
        for j in 0..<d { blocks[(block * d + j) * lanes + lane] = points[i * d + j] }
      }
    }
    self.dimensions = d
    self.blocks = blocks
    floatBlocks = blocks.map { Float($0) }
    scale = x.values.reduce(0) { max($0, abs($1)) }
    self.rows = order
    self.nodes = nodes
  }

  /// Reorders the points of `range` (rows of `dimensions` values, with their training rows in
  /// `order`) so that the one at `rank` is the one a sort by (coordinate `axis`, training row)
  /// would put there, with no greater point before it and no smaller after (quickselect).
  static func select(
    points: UnsafeMutablePointer<Double>, order: UnsafeMutablePointer<Int>, dimensions d: Int, _ range: Range<Int>, rank: Int, axis: Int
  ) {
    func key(_ i: Int) -> (Double, Int) { (points[i &* d &+ axis], order[i]) }
    func swap(_ i: Int, _ j: Int) {
      for c in 0..<d { Swift.swap(&points[i &* d &+ c], &points[j &* d &+ c]) }
      Swift.swap(&order[i], &order[j])
    }
    var (low, high) = (range.lowerBound, range.upperBound - 1)
    while low < high {
      // The median of the first, middle and last as the pivot.
      let mid = low + (high - low) / 2
      let pivot = [key(low), key(mid), key(high)].sorted(by: <)[1]
      var (i, j) = (low, high)
      while i <= j {
        while key(i) < pivot { i += 1 }
        while pivot < key(j) { j -= 1 }
        if i <= j {
          swap(i, j)
          i += 1
          j -= 1
        }
      }
      if rank <= j {
        high = j
      } else if rank >= i {
        low = i
      } else {
        return
      }
    }
  }

  /// The squared distances from `query` to the points of `count` (at most `maxBlocksPerCall`)
  /// consecutive blocks, `squaredDistance`'s bit for bit, into `out` (`count` · lanes values),
  /// and the points within `bound` (bit i for point i).
  @inline(__always)
  static func squaredDistances(
    _ query: UnsafePointer<Double>, blocks: UnsafePointer<Double>, count: Int, _ d: Int, within bound: Double, into out: UnsafeMutablePointer<Double>
  ) -> UInt64 {
    UInt64(genrekit_blocks_squared_distances(query, blocks, count, d, bound, out))
  }

  /// The `found.k` nearest training rows to `query` and their squared distances, nearest first.
  func nearest(_ query: UnsafePointer<Double>, into found: Neighbours, scratch: SearchScratch) {
    found.removeAll()
    scratch.offsets.update(repeating: 0, count: dimensions)
    var queryScale = 0.0
    for j in 0..<dimensions {
      scratch.floatQuery[j] = Float(query[j])
      queryScale = max(queryScale, abs(query[j]))
    }
    // Beyond this scale float32's squares could overflow: every leaf is read in double.
    let candidateMargin = scale + queryScale <= GENREKIT_CANDIDATE_MAX_SCALE ? genrekit_candidate_margin_for(scale + queryScale, dimensions) : nil
    blocks.withUnsafeBufferPointer { blocks in
      floatBlocks.withUnsafeBufferPointer { floatBlocks in
        nodes.withUnsafeBufferPointer { nodes in
          rows.withUnsafeBufferPointer { rows in
            Search(
              query: query, floatQuery: scratch.floatQuery, candidateMargin: candidateMargin, dimensions: dimensions, nodes: nodes.baseAddress!,
              blocks: blocks.baseAddress!, floatBlocks: floatBlocks.baseAddress!, rows: rows.baseAddress!, found: found,
              offsets: scratch.offsets, distances: scratch.distances, floatDistances: scratch.floatDistances
            ).visit(0, 0)
          }
        }
      }
    }
  }

  /// One query's buffers, allocated once per thread: the offsets from the query to the current
  /// cell (one per coordinate), the query in float32 and a run of blocks' distances.
  final class SearchScratch {
    let offsets: UnsafeMutablePointer<Double>
    let floatQuery: UnsafeMutablePointer<Float>
    let distances = UnsafeMutablePointer<Double>.allocate(capacity: KDTree.maxBlocksPerCall * Lanes.scalarCount)
    let floatDistances = UnsafeMutablePointer<Float>.allocate(capacity: KDTree.maxBlocksPerCall * Lanes.scalarCount)

    init(dimensions: Int) {
      offsets = .allocate(capacity: dimensions)
      floatQuery = .allocate(capacity: dimensions)
    }
    deinit {
      offsets.deallocate()
      floatQuery.deallocate()
      distances.deallocate()
      floatDistances.deallocate()
    }
  }

  /// A query's descent, on raw pointers: a node costs a few instructions, and a leaf one call of
  /// the float32 kernel per 64 points and a double distance per candidate.
  private struct Search {
    let query: UnsafePointer<Double>
    let floatQuery: UnsafePointer<Float>
    /// How far float32's distances may exceed double's, when float32 may read the leaves first.
    let candidateMargin: genrekit_candidate_margin?
    let dimensions: Int
    let nodes: UnsafePointer<Node>
    let blocks: UnsafePointer<Double>
    let floatBlocks: UnsafePointer<Float>
    let rows: UnsafePointer<Int>
    let found: Neighbours
    /// The per-coordinate offsets of the current cell from the query.
    let offsets: UnsafeMutablePointer<Double>
    let distances: UnsafeMutablePointer<Double>
    let floatDistances: UnsafeMutablePointer<Float>

    /// `cell`: the squared distance from the query to node n's cell.
    func visit(_ n: Int, _ cell: Double) {
      // Equal to the bound may still hold a lower row at that distance.
      guard cell <= found.bound else { return }
      let node = nodes[n]
      guard node.firstChild >= 0 else { return measureLeaf(node) }
      let difference = query[node.axis] - node.split
      let (near, far) = difference <= 0 ? (node.firstChild, node.firstChild + 1) : (node.firstChild + 1, node.firstChild)
      visit(near, cell)
      let previous = offsets[node.axis]
      let farCell = cell - previous * previous + difference * difference
      offsets[node.axis] = difference
      visit(far, farCell)
      offsets[node.axis] = previous
    }

    func measureLeaf(_ node: Node) {
      let lanes = Lanes.scalarCount
      let blockCount = (node.end - node.start + lanes - 1) / lanes
      for first in stride(from: 0, to: blockCount, by: KDTree.maxBlocksPerCall) {
        let count = min(KDTree.maxBlocksPerCall, blockCount - first)
        let offset = (node.firstBlock + first) &* dimensions &* lanes
        let block = blocks + offset
        // Until k points are found every point is a candidate: then double at once.
        if let candidateMargin, found.bound < .infinity {
          // The few points float32 cannot rule out, measured in double.
          let threshold = genrekit_candidate_threshold(candidateMargin, found.bound)
          var candidates = genrekit_blocks_candidates(floatQuery, floatBlocks + offset, count, dimensions, threshold, floatDistances)
          while candidates != 0 {
            let point = Int(candidates.trailingZeroBitCount)
            let distance = genrekit_block_point_squared_distance(query, block + (point / lanes) &* dimensions &* lanes, point % lanes, dimensions)
            found.offer(distance, row: rows[node.start + first * lanes + point])
            candidates &= candidates - 1
          }
          continue
        }
        var admitted = KDTree.squaredDistances(query, blocks: block, count: count, dimensions, within: found.bound, into: distances)
        while admitted != 0 {
          let point = admitted.trailingZeroBitCount
          found.offer(distances[point], row: rows[node.start + first * lanes + point])
          admitted &= admitted - 1
        }
      }
    }
  }
}
