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
    let offsets = UnsafeMutablePointer<Double>.allocate(capacity: d)
    defer { offsets.deallocate() }
    for k in [1, 5, 40] {
      var found = KDTree.Neighbours(k: k)
      for q in 0..<queries.rows {
        queries.values.withUnsafeBufferPointer { tree.nearest($0.baseAddress! + q * d, into: &found, offsets: offsets) }
        let expected = Self.bruteForce(training, queries.row(q), k: k)
        #expect(found.rows == expected.rows, "d \(d), k \(k), query \(q)")
        #expect(found.distances == expected.distances)
      }
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
