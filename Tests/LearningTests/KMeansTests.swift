import Testing

@testable import Learning

/// Hamerly's bounds only skip distances that cannot change an assignment: from the same starting
/// centres, `KMeans.lloyd` ends where plain Lloyd's iterations (every distance measured, the
/// centres recomputed from scratch) end.
@Suite struct KMeansTests {
  /// Blobs around `k` random centres with overlap, so that points do change centre.
  static func points(rows: Int, d: Int, k: Int, seed: UInt64) -> [Double] {
    var generator = SeededGenerator(seed: seed)
    let centres = (0..<(k * d)).map { _ in generator.nextUnit() * 6 }
    return (0..<rows).flatMap { r in (0..<d).map { j in centres[(r % k) * d + j] + (generator.nextUnit() - 0.5) * 5 } }
  }

  static func plainLloyd(_ x: [Double], d: Int, centres start: [Double], shiftTolerance: Double) -> [Double] {
    var centres = start
    let (rows, k) = (x.count / d, start.count / d)
    var labels = [Int](repeating: -1, count: rows)
    for _ in 0..<300 {
      var changed = false
      for r in 0..<rows {
        var best = 0
        var bestDistance = Double.infinity
        for c in 0..<k {
          let distance = (0..<d).reduce(0.0) { $0 + (x[r * d + $1] - centres[c * d + $1]) * (x[r * d + $1] - centres[c * d + $1]) }
          if distance < bestDistance { (best, bestDistance) = (c, distance) }
        }
        changed = changed || labels[r] != best
        labels[r] = best
      }
      if !changed { break }
      var shift = 0.0
      for c in 0..<k {
        let members = (0..<rows).filter { labels[$0] == c }
        guard !members.isEmpty else { continue }
        for j in 0..<d {
          let mean = members.reduce(0.0) { $0 + x[$1 * d + j] } / Double(members.count)
          shift += (mean - centres[c * d + j]) * (mean - centres[c * d + j])
          centres[c * d + j] = mean
        }
      }
      if shift <= shiftTolerance { break }
    }
    return centres
  }

  @Test(arguments: [(d: 13, k: 4), (d: 3, k: 2), (d: 7, k: 6), (d: 1, k: 3)])
  func boundsChangeNothing(d: Int, k: Int) {
    let x = Self.points(rows: 2_000, d: d, k: k, seed: UInt64(d * 10 + k))
    let start = Array(x[0..<(k * d)])
    let ours = x.withUnsafeBufferPointer { KMeans.lloyd($0, rows: 2_000, columns: d, centres: start, maxIterations: 300, shiftTolerance: 1e-12) }
    let plain = Self.plainLloyd(x, d: d, centres: start, shiftTolerance: 1e-12)
    #expect(maxDifference(ours.centres, plain) < 1e-9, "d \(d), k \(k)")
    let inertia = (0..<2_000).reduce(0.0) { total, r in
      total + (0..<k).map { c in (0..<d).reduce(0.0) { $0 + (x[r * d + $1] - plain[c * d + $1]) * (x[r * d + $1] - plain[c * d + $1]) } }.min()!
    }
    #expect(abs(ours.inertia - inertia) <= 1e-9 * inertia)
  }
}
