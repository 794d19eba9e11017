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
    var labels = [Int](repeating: 0, count: rows)
    var upper = [Double](repeating: .infinity, count: rows)
    var lower = [Double](repeating: 0, count: rows)
    var sums = [Double](repeating: 0, count: k * d)
    var counts = [Int](repeating: 0, count: k)
    func distance(_ r: Int, _ c: Int, _ centres: UnsafeBufferPointer<Double>) -> Double {
      var total = 0.0
      for j in 0..<d {
        let difference = points[r * d + j] - centres[c * d + j]
        total += difference * difference
      }
      return total.squareRoot()
    }
    // The first assignment measures every distance.
    var lanes = CentreLanes(centres, k: k, d: d)
    for r in 0..<rows {
      let (index, nearest, second) = lanes.nearestTwo(points.baseAddress! + r * d)
      (labels[r], upper[r], lower[r]) = (index, nearest, second)
    }
    // The centres' sums, kept up to date as points change centre (no pass over every point).
    sums.withUnsafeMutableBufferPointer { sums in
      for r in 0..<rows {
        let c = labels[r]
        counts[c] += 1
        for j in 0..<d { sums[c * d + j] += points[r * d + j] }
      }
    }
    for _ in 0..<maxIterations {
      var shift = 0.0
      var moves = [Double](repeating: 0, count: k)
      for c in 0..<k where counts[c] > 0 {
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
      let largest = moves.max() ?? 0
      let largestAt = moves.firstIndex(of: largest) ?? 0
      let secondLargest = moves.enumerated().filter { $0.offset != largestAt }.map(\.element).max() ?? 0
      var halfGap = [Double](repeating: .infinity, count: k)
      for a in 0..<k {
        for b in 0..<k where a != b {
          var total = 0.0
          for j in 0..<d { total += (centres[a * d + j] - centres[b * d + j]) * (centres[a * d + j] - centres[b * d + j]) }
          halfGap[a] = min(halfGap[a], total.squareRoot() / 2)
        }
      }
      lanes = CentreLanes(centres, k: k, d: d)
      var changed = false
      centres.withUnsafeBufferPointer { centres in
        labels.withUnsafeMutableBufferPointer { labels in
          upper.withUnsafeMutableBufferPointer { upper in
            lower.withUnsafeMutableBufferPointer { lower in
              for r in 0..<rows {
                let own = labels[r]
                upper[r] += moves[own]
                lower[r] -= own == largestAt ? secondLargest : largest
                let bound = max(halfGap[own], lower[r])
                guard upper[r] > bound else { continue }
                upper[r] = distance(r, own, centres)
                guard upper[r] > bound else { continue }
                let (index, nearest, second) = lanes.nearestTwo(points.baseAddress! + r * d)
                if index != own {
                  changed = true
                  labels[r] = index
                  counts[own] -= 1
                  counts[index] += 1
                  for j in 0..<d {
                    sums[own * d + j] -= points[r * d + j]
                    sums[index * d + j] += points[r * d + j]
                  }
                }
                (upper[r], lower[r]) = (nearest, second)
              }
            }
          }
        }
      }
      if !changed {
        // Lloyd's last step: the centres of an unchanged assignment.
        break
      }
    }
    let inertia = centres.withUnsafeBufferPointer { centres in
      (0..<rows).reduce(0.0) { total, r in
        let own = distance(r, labels[r], centres)
        return total + own * own
      }
    }
    return (centres, inertia)
  }

  /// The centres by coordinate, four at a time, so that one pass over a point's coordinates
  /// measures its distance to four centres at once.
  struct CentreLanes {
    let k: Int
    let d: Int
    /// Per block of four centres and coordinate j: the four centres' j-th coordinates (absent
    /// centres at infinity).
    let blocks: [SIMD4<Double>]

    init(_ centres: [Double], k: Int, d: Int) {
      self.k = k
      self.d = d
      var blocks: [SIMD4<Double>] = []
      for block in stride(from: 0, to: k, by: 4) {
        for j in 0..<d {
          var lane = SIMD4<Double>(repeating: .infinity)
          for i in 0..<min(4, k - block) { lane[i] = centres[(block + i) * d + j] }
          blocks.append(lane)
        }
      }
      self.blocks = blocks
    }

    /// The nearest centre (the first on ties) and the distances to it and to the second nearest.
    @inline(__always)
    func nearestTwo(_ point: UnsafePointer<Double>) -> (index: Int, nearest: Double, second: Double) {
      blocks.withUnsafeBufferPointer { blocks in
        var bestIndex = 0
        var best = Double.infinity
        var second = Double.infinity
        for (b, block) in stride(from: 0, to: k, by: 4).enumerated() {
          var distances = SIMD4<Double>(repeating: 0)
          for j in 0..<d {
            let difference = SIMD4<Double>(repeating: point[j]) - blocks[b * d + j]
            distances += difference * difference
          }
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

    /// The nearest centre (the first on ties) and the squared distance to it.
    @inline(__always)
    func nearest(_ point: UnsafePointer<Double>) -> (index: Int, squaredDistance: Double) {
      blocks.withUnsafeBufferPointer { blocks in
        var bestIndex = 0
        var bestDistance = Double.infinity
        for (b, block) in stride(from: 0, to: k, by: 4).enumerated() {
          var distances = SIMD4<Double>(repeating: 0)
          for j in 0..<d {
            let difference = SIMD4<Double>(repeating: point[j]) - blocks[b * d + j]
            distances += difference * difference
          }
          for i in 0..<min(4, k - block) where distances[i] < bestDistance {
            bestDistance = distances[i]
            bestIndex = block + i
          }
        }
        return (bestIndex, bestDistance)
      }
    }
  }

  /// Greedy k-means++: each new centre is the best of a few candidates drawn in proportion to the
  /// squared distance to the nearest centre so far.
  static func plusPlus(_ points: UnsafeBufferPointer<Double>, rows n: Int, columns d: Int, k: Int, generator: inout SeededGenerator) -> [Double] {
    func squaredDistance(_ r: Int, _ s: Int) -> Double {
      var distance = 0.0
      for j in 0..<d {
        let difference = points[r * d + j] - points[s * d + j]
        distance += difference * difference
      }
      return distance
    }
    let first = Int(generator.next() % UInt64(n))
    var centres = Array(points[(first * d)..<((first + 1) * d)])
    var closest = (0..<n).map { squaredDistance($0, first) }
    let trials = 2 + Int(log(Double(k)))
    var updated = [Double](repeating: 0, count: n)
    for _ in 1..<k {
      let potential = closest.reduce(0, +)
      var bestCandidate = 0
      var bestPotential = Double.infinity
      var bestClosest = closest
      for _ in 0..<trials {
        // A row with probability closest[r] / potential (the last row when all are at distance 0).
        var target = generator.nextUnit() * potential
        var candidate = n - 1
        for r in 0..<n {
          target -= closest[r]
          if target < 0 {
            candidate = r
            break
          }
        }
        var total = 0.0
        for r in 0..<n {
          updated[r] = min(closest[r], squaredDistance(r, candidate))
          total += updated[r]
        }
        if total < bestPotential {
          bestPotential = total
          bestCandidate = candidate
          bestClosest = updated
        }
      }
      centres += points[(bestCandidate * d)..<((bestCandidate + 1) * d)]
      closest = bestClosest
    }
    return centres
  }
}
