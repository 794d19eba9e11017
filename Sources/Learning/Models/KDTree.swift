/// An exact nearest-neighbour search tree for points of few dimensions (a k-d tree): each node
/// splits its points at the median of the coordinate with the largest spread. A query descends to
/// the nearer child first and skips every cell farther than its k-th neighbour so far, the
/// distance to a cell kept incrementally along the path (Arya and Mount's update: only the split
/// coordinate's offset changes from a node to its far child), so a node costs O(1), not O(d).
///
/// The neighbours are exactly the brute-force ones, ordered by (squared distance, training row):
/// ties go to the lower row, as `smallestIndices` breaks them.
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
  }

  let dimensions: Int
  /// The points in tree order, row-major.
  let points: [Double]
  /// Per point in tree order, its training row.
  let rows: [Int]
  let nodes: [Node]

  /// `leafSize`: scikit-learn's `leaf_size` default; a node of at most that many points is a leaf.
  init(_ x: Matrix, leafSize: Int = 30) {
    let d = x.columns
    var order = Array(0..<x.rows)
    var nodes: [Node] = []
    // Breadth-first, so that a node's two children are adjacent.
    var pending = [(start: 0, end: x.rows)]
    var next = 0
    x.values.withUnsafeBufferPointer { values in
      while next < pending.count {
        let (start, end) = pending[next]
        next += 1
        var low = [Double](repeating: .infinity, count: d)
        var high = [Double](repeating: -.infinity, count: d)
        for i in start..<end {
          for j in 0..<d {
            let value = values[order[i] * d + j]
            low[j] = min(low[j], value)
            high[j] = max(high[j], value)
          }
        }
        let spreads = (0..<d).map { high[$0] - low[$0] }
        let axis = spreads.indices.max { spreads[$0] < spreads[$1] } ?? 0
        guard end - start > leafSize, spreads[axis] > 0 else {
          nodes.append(Node(start: start, end: end, firstChild: -1, axis: 0, split: 0))
          continue
        }
        let middle = (start + end) / 2
        Self.select(&order, start..<end, rank: middle) { values[$0 * d + axis] }
        nodes.append(Node(start: start, end: end, firstChild: pending.count, axis: axis, split: values[order[middle] * d + axis]))
        pending.append((start, middle))
        pending.append((middle, end))
      }
    }
    self.dimensions = d
    self.points = x.selecting(rows: order).values
    self.rows = order
    self.nodes = nodes
  }

  /// Reorders `order[range]` so that the element at `rank` is the one a sort by (key, row) would
  /// put there, with no greater element before it and no smaller after (quickselect).
  static func select(_ order: inout [Int], _ range: Range<Int>, rank: Int, key: (Int) -> Double) {
    func less(_ a: Int, _ b: Int) -> Bool { (key(a), a) < (key(b), b) }
    var (low, high) = (range.lowerBound, range.upperBound - 1)
    while low < high {
      // The median of the first, middle and last as the pivot.
      let mid = low + (high - low) / 2
      let candidates = [order[low], order[mid], order[high]].sorted(by: less)
      let pivot = candidates[1]
      var (i, j) = (low, high)
      while i <= j {
        while less(order[i], pivot) { i += 1 }
        while less(pivot, order[j]) { j -= 1 }
        if i <= j {
          order.swapAt(i, j)
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

  /// The k nearest neighbours so far, nearest first, by (squared distance, row); storage for
  /// one query after another.
  struct Neighbours {
    let k: Int
    private(set) var distances: [Double]
    private(set) var rows: [Int]

    init(k: Int) {
      self.k = k
      distances = [Double](repeating: .infinity, count: k)
      rows = [Int](repeating: .max, count: k)
    }

    mutating func removeAll() {
      for i in 0..<k { (distances[i], rows[i]) = (.infinity, .max) }
    }

    /// The squared distance a point must not exceed to enter (∞ until there are k).
    var bound: Double { distances[k - 1] }

    /// Keeps (distance, row) if it is among the k smallest so far.
    @inline(__always)
    mutating func offer(_ distance: Double, row: Int) {
      guard distance < distances[k - 1] || (distance == distances[k - 1] && row < rows[k - 1]) else { return }
      var position = k - 1
      while position > 0 && (distances[position - 1] > distance || (distances[position - 1] == distance && rows[position - 1] > row)) {
        (distances[position], rows[position]) = (distances[position - 1], rows[position - 1])
        position -= 1
      }
      (distances[position], rows[position]) = (distance, row)
    }
  }

  /// The `found.k` nearest training rows to `query` and their squared distances, nearest first.
  /// `offsets` (`dimensions` values) is scratch space.
  func nearest(_ query: UnsafePointer<Double>, into found: inout Neighbours, offsets: UnsafeMutablePointer<Double>) {
    found.removeAll()
    let d = dimensions
    offsets.update(repeating: 0, count: d)
    points.withUnsafeBufferPointer { points in
      nodes.withUnsafeBufferPointer { nodes in
        rows.withUnsafeBufferPointer { rows in
          /// `cell`: the squared distance from the query to node n's cell, whose per-coordinate
          /// offsets are `offsets`.
          func visit(_ n: Int, _ cell: Double) {
            // Equal to the bound may still hold a lower row at that distance.
            guard cell <= found.bound else { return }
            let node = nodes[n]
            guard node.firstChild >= 0 else {
              for i in node.start..<node.end {
                let candidate = squaredDistance(query, points.baseAddress! + i &* d, d)
                if candidate <= found.bound { found.offer(candidate, row: rows[i]) }
              }
              return
            }
            let difference = query[node.axis] - node.split
            let (near, far) = difference <= 0 ? (node.firstChild, node.firstChild + 1) : (node.firstChild + 1, node.firstChild)
            visit(near, cell)
            let previous = offsets[node.axis]
            let farCell = cell - previous * previous + difference * difference
            offsets[node.axis] = difference
            visit(far, farCell)
            offsets[node.axis] = previous
          }
          visit(0, 0)
        }
      }
    }
  }
}
