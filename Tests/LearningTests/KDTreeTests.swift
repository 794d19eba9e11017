import CDistanceKernels
import Testing

@testable import Learning

/// The k-d tree returns exactly the brute-force neighbours, ties to the lower training row.
@Suite struct KDTreeTests {
  /// Small integer coordinates, so that many distances tie exactly and both distance formulas
  /// (the tree's differences, brute force's |a|² + |b|² − 2a·b) are exact.
  static func points(_ rows: Int, _ d: Int, levels: Int, generator: inout SeededGenerator) -> Matrix {
    Matrix(rows: rows, columns: d, values: (0..<(rows * d)).map { _ in Double(generator.next() % UInt64(levels)) })
  }

  static func bruteForce(_ x: Matrix, _ query: ArraySlice<Double>, k: Int) -> (rows: [Int], distances: [Double]) {
    let distances = (0..<x.rows).map { r in zip(x.row(r), query).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
    let nearest = (0..<x.rows).sorted { (distances[$0], $0) < (distances[$1], $1) }.prefix(k)
    return (Array(nearest), nearest.map { distances[$0] })
  }

  @Test(arguments: [(d: 1, levels: 50), (d: 3, levels: 4), (d: 12, levels: 3), (d: 15, levels: 20), (d: 6, levels: 1000)])
  func neighboursAreTheBruteForceOnes(d: Int, levels: Int) {
    var generator = SeededGenerator(seed: UInt64(d * 1000 + levels))
    let training = Self.points(3_000, d, levels: levels, generator: &generator)
    let queries = Self.points(300, d, levels: levels + 2, generator: &generator)
    let tree = KDTree(training)
    let scratch = KDTree.SearchScratch(dimensions: d)
    for k in [1, 5, 40] {
      let found = Neighbours(k: k)
      for q in 0..<queries.rows {
        queries.values.withUnsafeBufferPointer { tree.nearest($0.baseAddress! + q * d, into: found, scratch: scratch) }
        let expected = Self.bruteForce(training, queries.row(q), k: k)
        #expect(Array(UnsafeBufferPointer(start: found.rows, count: k)) == expected.rows, "d \(d), k \(k), query \(q)")
        #expect(Array(UnsafeBufferPointer(start: found.distances, count: k)) == expected.distances)
      }
    }
  }

  /// Real coordinates at scales from 10⁻³⁰ to past float32's range (10¹⁹, read in double
  /// throughout), in tight clusters so that many distances nearly tie: float32's first reading of
  /// the leaves must not lose a neighbour or change an order.
  @Test(arguments: [1e-30, 1e-3, 1.0, 1e6, 1e17, 1e19])
  func neighboursAreExactAtAnyScale(scale: Double) {
    var generator = SeededGenerator(seed: UInt64(scale.exponent + 200))
    let d = 12
    let centres = (0..<20).map { _ in (0..<d).map { _ in Double.random(in: -1...1, using: &generator) } }
    func point() -> [Double] {
      let centre = centres[Int(generator.next() % 20)]
      return centre.map { ($0 + Double.random(in: -1e-6...1e-6, using: &generator)) * scale }
    }
    let training = Matrix(rows: 2_000, columns: d, values: (0..<2_000).flatMap { _ in point() })
    let queries = (0..<200).map { _ in point() }
    let tree = KDTree(training)
    let scratch = KDTree.SearchScratch(dimensions: d)
    let found = Neighbours(k: 5)
    for (q, query) in queries.enumerated() {
      tree.nearest(query, into: found, scratch: scratch)
      let distances = (0..<training.rows).map { r in training.values.withUnsafeBufferPointer { squaredDistance(query, $0.baseAddress! + r * d, d) } }
      let expected = (0..<training.rows).sorted { (distances[$0], $0) < (distances[$1], $1) }.prefix(5)
      #expect(Array(UnsafeBufferPointer(start: found.rows, count: 5)) == Array(expected), "scale \(scale), query \(q)")
      #expect(Array(UnsafeBufferPointer(start: found.distances, count: 5)) == expected.map { distances[$0] })
    }
  }

  /// float32's threshold admits every point whose double distance is within the bound, at every
  /// scale and for distances a few ulps either side of it, and rules out those clearly beyond.
  @Test(arguments: [1e-35, 1e-3, 1.0, 1e4, 1e12, 1e17])
  func floatCandidatesHoldEveryPointWithinTheBound(scale: Double) {
    var generator = SeededGenerator(seed: UInt64(scale.exponent + 300))
    let lanes = KDTree.Lanes.scalarCount
    let count = KDTree.maxBlocksPerCall
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: count * lanes)
    defer { scratch.deallocate() }
    for d in [1, 3, 4, 12, 15, 17] {
      for _ in 0..<20 {
        let query = (0..<d).map { _ in Double.random(in: -1...1, using: &generator) * scale }
        // Points on a shell around the query (radius about the scale), the first at the bound;
        // the last 16 twice as far (told apart wherever float32 squares them without underflow).
        let radius = scale * Double.random(in: 0.01...1, using: &generator)
        let points = (0..<(count * lanes)).map { i in
          let direction = (0..<d).map { _ in Double.random(in: -1...1, using: &generator) }
          let norm = direction.reduce(0) { $0 + $1 * $1 }.squareRoot()
          let length = radius * (i >= count * lanes - 16 ? 2 : 1 + Double.random(in: -1e-6...1e-6, using: &generator))
          return zip(query, direction).map { $0 + $1 / norm * length }
        }
        let blocks = (0..<(count * d * lanes)).map { i in points[i / (d * lanes) * lanes + i % lanes][i / lanes % d] }
        let distances = points.map { squaredDistance(query, $0, d) }
        let bound = distances[0]
        let pointScale = points.joined().reduce(0) { max($0, abs($1)) }
        let margin = genrekit_candidate_margin_for(query.reduce(0) { max($0, abs($1)) } + pointScale, d)
        let candidates = genrekit_blocks_candidates(
          query.map { Float($0) }, blocks.map { Float($0) }, count, d, genrekit_candidate_threshold(margin, bound), scratch)
        for (i, distance) in distances.enumerated() {
          if distance <= bound { #expect((candidates >> i) & 1 == 1, "d \(d), scale \(scale), point \(i)") }
          if i >= count * lanes - 16 && scale >= 1e-3 { #expect((candidates >> i) & 1 == 0, "d \(d), scale \(scale), far point \(i)") }
        }
      }
    }
  }

  /// A run of blocks' distances, eight points a block, are `squaredDistance`'s bit for bit (real
  /// values, so that the order of the additions shows), and the bits mark those within the bound.
  @Test func blockDistancesAreTheScalarOnes() {
    var generator = SeededGenerator(seed: 11)
    let lanes = KDTree.Lanes.scalarCount
    let blockCount = KDTree.maxBlocksPerCall
    let out = UnsafeMutablePointer<Double>.allocate(capacity: blockCount * lanes)
    defer { out.deallocate() }
    for d in 1...17 {
      for count in [1, 3, blockCount] {
        let query = (0..<d).map { _ in Double.random(in: -3...3, using: &generator) }
        let points = (0..<(count * lanes)).map { _ in (0..<d).map { _ in Double.random(in: -3...3, using: &generator) } }
        // Block b, coordinate j, lane l at (b·d + j)·lanes + l.
        let blocks = (0..<(count * d * lanes)).map { i in points[i / (d * lanes) * lanes + i % lanes][i / lanes % d] }
        let expected = points.map { squaredDistance(query, $0, d) }
        let bound = expected.sorted()[count * 3]
        let within = KDTree.squaredDistances(query, blocks: blocks, count: count, d, within: bound, into: out)
        for point in 0..<(count * lanes) {
          #expect(out[point].bitPattern == expected[point].bitPattern, "d \(d), point \(point)")
          #expect((within >> point) & 1 == (expected[point] <= bound ? 1 : 0))
        }
        #expect(within >> (count * lanes) == 0)
      }
    }
  }

  /// The brute-force search (tiles of 256 × 256 cross terms) returns the sorted neighbours, ties
  /// to the lower row, with training rows and queries that fill no whole tile.
  @Test(arguments: [(d: 20, levels: 3), (d: 57, levels: 4)])
  func bruteForceNeighboursAreTheSortedOnes(d: Int, levels: Int) {
    var generator = SeededGenerator(seed: UInt64(d))
    let training = Self.points(700, d, levels: levels, generator: &generator)
    let queries = Self.points(300, d, levels: levels + 1, generator: &generator)
    for k in [1, 5, 40] {
      let fitted = KNearestNeighbors.Fitted(k: k, weighting: .uniform, classCount: 1, training: training, labels: Array(repeating: 0, count: 700))
      var visited: [Int] = []
      fitted.bruteForceNearest(queries, queries: 0..<300, trainingNorms: squaredNorms(training, rows: 0..<700)) { q, found in
        visited.append(q)
        let expected = Self.bruteForce(training, queries.row(q), k: k)
        #expect(Array(UnsafeBufferPointer(start: found.rows, count: k)) == expected.rows, "d \(d), k \(k), query \(q)")
        #expect(Array(UnsafeBufferPointer(start: found.distances, count: k)) == expected.distances)
      }
      #expect(visited == Array(0..<300))
    }
  }

  /// The classifier's tree and brute-force paths give the same probabilities, both weightings.
  @Test(arguments: KNearestNeighbors.Weighting.allCases)
  func treeAndBruteForceAgree(weighting: KNearestNeighbors.Weighting) throws {
    var generator = SeededGenerator(seed: 7)
    let training = Self.points(2_000, 8, levels: 5, generator: &generator)
    let labels = (0..<2_000).map { _ in Int(generator.next() % 4) }
    let queries = Self.points(500, 8, levels: 6, generator: &generator)
    let fitted = KNearestNeighbors.Fitted(k: 7, weighting: weighting, classCount: 4, training: training, labels: labels)
    #expect(fitted.usesTree)
    #expect(fitted.treeProbabilities(queries, threads: 2) == fitted.bruteForceProbabilities(queries, threads: 1))
  }
}
