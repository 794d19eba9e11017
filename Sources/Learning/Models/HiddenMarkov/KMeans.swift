import Foundation

/// k-means as scikit-learn's `KMeans(n_clusters=k, n_init=10)` runs it (hmmlearn's initial
/// means): greedy k-means++ seeding (2 + ⌊ln k⌋ candidates per centre), Lloyd iterations until the
/// centres move less than `tolerance` × the mean feature variance (squared) or 300 iterations,
/// the best of `initialisations` runs by inertia. The random draws are GenreKit's own, so the
/// centres are the same kind of solution, not scikit-learn's to the digit. The runs go in
/// parallel, each with its own random stream, so the result does not depend on `threads`.
enum KMeans {
  static func centres(
    of x: Matrix, k: Int, initialisations: Int = 10, maxIterations: Int = 300, tolerance: Double = 1e-4, seed: UInt64, threads: Int = 1
  ) -> Matrix {
    precondition(x.rows >= k && k >= 1, "k-means needs at least k rows")
    let d = x.columns
    let variances = (0..<d).map { c -> Double in
      let column = (0..<x.rows).map { x[$0, c] }
      let mean = column.reduce(0, +) / Double(x.rows)
      return column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.rows)
    }
    let shiftTolerance = tolerance * variances.reduce(0, +) / Double(d)
    let runs = parallelMap(count: initialisations, threads: threads) { run -> (centres: [Double], inertia: Double) in
      var generator = SeededGenerator(seed: seed, stream: run)
      return x.values.withUnsafeBufferPointer { points in
        lloyd(points, rows: x.rows, columns: d, centres: plusPlus(points, rows: x.rows, columns: d, k: k, generator: &generator),
              maxIterations: maxIterations, shiftTolerance: shiftTolerance)
      }
    }
    // The lowest inertia; on ties, the first run.
    let best = runs.indices.min { runs[$0].inertia < runs[$1].inertia || (runs[$0].inertia == runs[$1].inertia && $0 < $1) }!
    return Matrix(rows: k, columns: d, values: runs[best].centres)
  }

  /// Lloyd's iterations from `centres` (k × d, row-major); the final centres and their inertia.
  /// Each iteration assigns every point to its nearest centre as Lloyd's does, but with Hamerly's
  /// bounds (an upper bound on the distance to the own centre, a lower bound on the distance to
  /// any other): a point whose bounds prove its centre unchanged is not measured again.
  static func lloyd(
    _ points: UnsafeBufferPointer<Double>, rows: Int, columns d: Int, centres start: [Double], maxIterations: Int, shiftTolerance: Double
  ) -> (centres: [Double], inertia: Double) {
    var centres = start
    let k = centres.count / d
    let labels = UnsafeMutableBufferPointer<Int>.allocate(capacity: rows)
    let upper = UnsafeMutableBufferPointer<Double>.allocate(capacity: rows)
    let lower = UnsafeMutableBufferPointer<Double>.allocate(capacity: rows)
    let candidates = UnsafeMutableBufferPointer<Int>.allocate(capacity: rows)
    defer { labels.deallocate(); upper.deallocate(); lower.deallocate(); candidates.deallocate() }
    let point = { (r: Int) in points.baseAddress! + r &* d }
    // The first assignment measures every distance.
    let lanes = CentreLanes(k: k, d: d)
    defer { lanes.deallocate() }
    lanes.load(centres)
    for r in 0..<rows { (labels[r], upper[r], lower[r]) = lanes.nearestTwo(point(r)) }
    // The centres' sums, kept up to date as points change centre (no pass over every point).
    var sums = [Double](repeating: 0, count: k * d)
    var counts = [Int](repeating: 0, count: k)
    sums.withUnsafeMutableBufferPointer { sums in
      for r in 0..<rows {
        counts[labels[r]] += 1
        let sum = sums.baseAddress! + labels[r] &* d
        for j in 0..<d { sum[j] += point(r)[j] }
      }
    }
    var moves = [Double](repeating: 0, count: k)
    var halfGap = [Double](repeating: .infinity, count: k)
    for _ in 0..<maxIterations {
      var shift = 0.0
      for c in 0..<k {
        moves[c] = 0
        guard counts[c] > 0 else { continue }
        var moved = 0.0
        for j in 0..<d {
          let value = sums[c * d + j] / Double(counts[c])
          moved += (value - centres[c * d + j]) * (value - centres[c * d + j])
          centres[c * d + j] = value
        }
        shift += moved
        moves[c] = moved.squareRoot()
      }
      if shift <= shiftTolerance { break }
      // Bounds after the move, and half the distance from each centre to its nearest other.
      let largestAt = moves.indices.max { moves[$0] < moves[$1] }!
      let largest = moves[largestAt]
      let secondLargest = moves.indices.filter { $0 != largestAt }.map { moves[$0] }.max() ?? 0
      centres.withUnsafeBufferPointer { centres in
        for a in 0..<k {
          halfGap[a] = .infinity
          for b in 0..<k where a != b {
            halfGap[a] = min(halfGap[a], squaredDistance(centres.baseAddress! + a * d, centres.baseAddress! + b * d, d).squareRoot() / 2)
          }
        }
      }
      lanes.load(centres)
      var changed = false
      centres.withUnsafeBufferPointer { centres in
        moves.withUnsafeBufferPointer { moves in
          halfGap.withUnsafeBufferPointer { halfGap in
            // Three passes, each over the points the previous one could not settle, written
            // without branches: the bounds after the move; the distance to the own centre;
            // then, for the rest, the distances to every centre.
            let unsettled = widenBounds(
              labels: labels.baseAddress!, upper: upper.baseAddress!, lower: lower.baseAddress!, rows: rows, moves: moves.baseAddress!,
              largestAt: largestAt, largest: largest, secondLargest: secondLargest, halfGap: halfGap.baseAddress!,
              unsettled: candidates.baseAddress!)
            var measured = 0
            for c in 0..<unsettled {
              let r = candidates[c]
              let own = labels[r]
              upper[r] = squaredDistance(point(r), centres.baseAddress! + own &* d, d).squareRoot()
              candidates[measured] = r
              measured &+= upper[r] > max(halfGap[own], lower[r]) ? 1 : 0
            }
            sums.withUnsafeMutableBufferPointer { sums in
              for c in 0..<measured {
                let r = candidates[c]
                let own = labels[r]
                let (index, nearest, second) = lanes.nearestTwo(point(r))
                if index != own {
                  changed = true
                  labels[r] = index
                  counts[own] -= 1
                  counts[index] += 1
                  let (from, to) = (sums.baseAddress! + own &* d, sums.baseAddress! + index &* d)
                  for j in 0..<d {
                    from[j] -= point(r)[j]
                    to[j] += point(r)[j]
                  }
                }
                (upper[r], lower[r]) = (nearest, second)
              }
            }
          }
        }
      }
      // Lloyd's last step: the centres of an unchanged assignment.
      if !changed { break }
    }
    let inertia = centres.withUnsafeBufferPointer { centres in
      (0..<rows).reduce(0.0) { $0 + squaredDistance(point($1), centres.baseAddress! + labels[$1] &* d, d) }
    }
    return (centres, inertia)
  }

  /// Hamerly's bounds after the centres moved (`moves`, the largest at `largestAt`); writes the
  /// points whose bounds no longer settle their centre to `unsettled` and returns their count.
  /// Branch-free, and on plain pointers so that the loop stays in registers: it runs over every
  /// point in every iteration.
  @inline(never)
  static func widenBounds(
    labels: UnsafePointer<Int>, upper: UnsafeMutablePointer<Double>, lower: UnsafeMutablePointer<Double>, rows: Int,
    moves: UnsafePointer<Double>, largestAt: Int, largest: Double, secondLargest: Double, halfGap: UnsafePointer<Double>,
    unsettled: UnsafeMutablePointer<Int>
  ) -> Int {
    var count = 0
    var r = 0
    while r < rows {
      let own = labels[r]
      let high = upper[r] + moves[own]
      let low = lower[r] - (own == largestAt ? secondLargest : largest)
      upper[r] = high
      lower[r] = low
      let gap = halfGap[own]
      unsettled[count] = r
      count &+= high > (gap > low ? gap : low) ? 1 : 0
      r &+= 1
    }
    return count
  }

  /// The centres by coordinate, four at a time, so that one pass over a point's coordinates
  /// measures its distance to four centres at once. The blocks live in a buffer of their own (no
  /// reference counting in the per-point loops); `deallocate` frees it.
  struct CentreLanes {
    let k: Int
    let d: Int
    /// Per block of four centres and coordinate j: the four centres' j-th coordinates (absent
    /// centres at infinity).
    let blocks: UnsafeMutableBufferPointer<SIMD4<Double>>

    init(k: Int, d: Int) {
      self.k = k
      self.d = d
      blocks = .allocate(capacity: (k + 3) / 4 * d)
    }

    /// Lays out `centres` (k × d, row-major).
    func load(_ centres: [Double]) {
      for (b, block) in stride(from: 0, to: k, by: 4).enumerated() {
        for j in 0..<d {
          var lane = SIMD4<Double>(repeating: .infinity)
          for i in 0..<min(4, k - block) { lane[i] = centres[(block + i) * d + j] }
          blocks[b * d + j] = lane
        }
      }
    }

    func deallocate() { blocks.deallocate() }

    /// The nearest centre (the first on ties) and the distances to it and to the second nearest.
    @inline(__always)
    func nearestTwo(_ point: UnsafePointer<Double>) -> (index: Int, nearest: Double, second: Double) {
      var bestIndex = 0
      var best = Double.infinity
      var second = Double.infinity
      for (b, block) in stride(from: 0, to: k, by: 4).enumerated() {
        // Even and odd coordinates in two sums, so that the additions overlap.
        var even = SIMD4<Double>.zero
        var odd = SIMD4<Double>.zero
        let centre = blocks.baseAddress! + b &* d
        var j = 0
        while j &+ 2 <= d {
          let first = SIMD4<Double>(repeating: point[j]) - centre[j]
          let next = SIMD4<Double>(repeating: point[j &+ 1]) - centre[j &+ 1]
          even += first * first
          odd += next * next
          j &+= 2
        }
        if j < d {
          let last = SIMD4<Double>(repeating: point[j]) - centre[j]
          even += last * last
        }
        let distances = even + odd
        for i in 0..<min(4, k - block) {
          if distances[i] < best {
            second = best
            best = distances[i]
            bestIndex = block + i
          } else if distances[i] < second {
            second = distances[i]
          }
        }
      }
      return (bestIndex, best.squareRoot(), second.squareRoot())
    }
  }

  /// Greedy k-means++: each new centre is the best of a few candidates drawn in proportion to the
  /// squared distance to the nearest centre so far.
  static func plusPlus(_ points: UnsafeBufferPointer<Double>, rows n: Int, columns d: Int, k: Int, generator: inout SeededGenerator) -> [Double] {
    let point = { (r: Int) in points.baseAddress! + r &* d }
    let first = Int(generator.next() % UInt64(n))
    var centres = Array(points[(first * d)..<((first + 1) * d)])
    var closest = (0..<n).map { squaredDistance(point($0), point(first), d) }
    let trials = 2 + Int(log(Double(k)))
    // Each candidate's closest distances, candidate-major, all measured in one pass over the points.
    var updated = [Double](repeating: 0, count: trials * n)
    for _ in 1..<k {
      let potential = closest.reduce(0, +)
      let candidates = (0..<trials).map { _ in
        // A row with probability closest[r] / potential (the last row when all are at distance 0).
        var target = generator.nextUnit() * potential
        return closest.firstIndex { distance in
          target -= distance
          return target < 0
        } ?? n - 1
      }
      var totals = [Double](repeating: 0, count: trials)
      updated.withUnsafeMutableBufferPointer { updated in
        for r in 0..<n {
          for (t, candidate) in candidates.enumerated() {
            let distance = min(closest[r], squaredDistance(point(r), point(candidate), d))
            updated[t &* n &+ r] = distance
            totals[t] += distance
          }
        }
      }
      // The candidate that lowers the potential most (the first on ties).
      let best = totals.indices.min { totals[$0] < totals[$1] }!
      centres += points[(candidates[best] * d)..<((candidates[best] + 1) * d)]
      closest = Array(updated[(best * n)..<((best + 1) * n)])
    }
    return centres
  }
}
