import Foundation

/// k-means as scikit-learn's `KMeans(n_clusters=k, n_init=10)` runs it (hmmlearn's initial
/// means): greedy k-means++ seeding (2 + ⌊ln k⌋ candidates per centre), Lloyd iterations until the
/// centres move less than `tolerance` × the mean feature variance (squared) or 300 iterations,
/// the best of `initialisations` runs by inertia. The random draws are GenreKit's own, so the
/// centres are the same kind of solution, not scikit-learn's to the digit.
enum KMeans {
  static func centres(
    of x: Matrix, k: Int, initialisations: Int = 10, maxIterations: Int = 300, tolerance: Double = 1e-4,
    generator: inout SeededGenerator
  ) -> Matrix {
    precondition(x.rows >= k && k >= 1, "k-means needs at least k rows")
    let d = x.columns
    let variances = (0..<d).map { c -> Double in
      let column = (0..<x.rows).map { x[$0, c] }
      let mean = column.reduce(0, +) / Double(x.rows)
      return column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.rows)
    }
    let shiftTolerance = tolerance * variances.reduce(0, +) / Double(d)
    var best: (centres: Matrix, inertia: Double)?
    for _ in 0..<initialisations {
      var centres = plusPlus(x, k: k, generator: &generator)
      var labels = [Int](repeating: -1, count: x.rows)
      for _ in 0..<maxIterations {
        var changed = false
        var sums = [Double](repeating: 0, count: k * d)
        var counts = [Int](repeating: 0, count: k)
        for r in 0..<x.rows {
          let c = nearest(x, row: r, centres: centres).index
          if c != labels[r] { changed = true }
          labels[r] = c
          counts[c] += 1
          for j in 0..<d { sums[c * d + j] += x[r, j] }
        }
        var shift = 0.0
        for c in 0..<k where counts[c] > 0 {
          for j in 0..<d {
            let moved = sums[c * d + j] / Double(counts[c])
            shift += (moved - centres[c, j]) * (moved - centres[c, j])
            centres[c, j] = moved
          }
        }
        if !changed || shift <= shiftTolerance { break }
      }
      let inertia = (0..<x.rows).reduce(0.0) { $0 + nearest(x, row: $1, centres: centres).squaredDistance }
      if inertia < best?.inertia ?? .infinity { best = (centres, inertia) }
    }
    return best!.centres
  }

  static func nearest(_ x: Matrix, row r: Int, centres: Matrix) -> (index: Int, squaredDistance: Double) {
    var bestIndex = 0
    var bestDistance = Double.infinity
    for c in 0..<centres.rows {
      var distance = 0.0
      for j in 0..<x.columns {
        let difference = x[r, j] - centres[c, j]
        distance += difference * difference
      }
      if distance < bestDistance {
        bestDistance = distance
        bestIndex = c
      }
    }
    return (bestIndex, bestDistance)
  }

  /// Greedy k-means++: each new centre is the best of a few candidates drawn in proportion to the
  /// squared distance to the nearest centre so far.
  static func plusPlus(_ x: Matrix, k: Int, generator: inout SeededGenerator) -> Matrix {
    let n = x.rows
    var centres = Matrix(rows: k, columns: x.columns)
    let first = Int(generator.next() % UInt64(n))
    for j in 0..<x.columns { centres[0, j] = x[first, j] }
    func squaredDistance(_ r: Int, _ s: Int) -> Double {
      (0..<x.columns).reduce(0.0) { $0 + (x[r, $1] - x[s, $1]) * (x[r, $1] - x[s, $1]) }
    }
    var closest = (0..<n).map { squaredDistance($0, first) }
    let trials = 2 + Int(log(Double(k)))
    for c in 1..<k {
      let potential = closest.reduce(0, +)
      var bestCandidate = 0
      var bestPotential = Double.infinity
      var bestClosest = closest
      for _ in 0..<trials {
        // Draw a row with probability closest[r] / potential (any row when all are at distance 0).
        var target = generator.nextUnit() * potential
        var candidate = n - 1
        for r in 0..<n {
          target -= closest[r]
          if target < 0 {
            candidate = r
            break
          }
        }
        let updated = (0..<n).map { min(closest[$0], squaredDistance($0, candidate)) }
        let total = updated.reduce(0, +)
        if total < bestPotential {
          bestPotential = total
          bestCandidate = candidate
          bestClosest = updated
        }
      }
      for j in 0..<x.columns { centres[c, j] = x[bestCandidate, j] }
      closest = bestClosest
    }
    return centres
  }
}
