import Testing

@testable import Learning

/// The forest's prediction layout (nodes renumbered breadth-first, rows walked 32 at a time)
/// gives exactly the probabilities of walking each tree's own arrays one row at a time.
@Suite struct ForestLayoutTests {
  /// Walks the tree's node arrays as stored (and archived) and adds the leaf's distribution.
  static func addReferenceDistribution(_ tree: DecisionTree, row: ArraySlice<Double>, to sums: inout [Double]) {
    var node = 0
    while tree.feature[node] >= 0 {
      let value = row[row.startIndex + Int(tree.feature[node])]
      node = Int(value <= tree.threshold[node] ? tree.left[node] : tree.right[node])
    }
    let leaf = tree.feature[..<node].filter { $0 < 0 }.count
    let counts = tree.leafCounts[(leaf * tree.classCount)..<((leaf + 1) * tree.classCount)].map(Double.init)
    let total = counts.reduce(0, +)
    for c in 0..<tree.classCount { sums[c] += counts[c] / total }
  }

  static func referenceProbabilities(_ forest: RandomForest.Fitted, _ x: Matrix) -> [Double] {
    (0..<x.rows).flatMap { r in
      var sums = [Double](repeating: 0, count: forest.classCount)
      for tree in forest.trees { addReferenceDistribution(tree, row: x.row(r), to: &sums) }
      return sums.map { $0 / Double(forest.trees.count) }
    }
  }

  @Test func fittedForestPredictsAsItsArraysSay() throws {
    var generator = SeededGenerator(seed: 5)
    let (rows, d) = (600, 5)
    let x = Matrix(rows: rows, columns: d, values: (0..<(rows * d)).map { _ in Double.random(in: -2...2, using: &generator) })
    let labels = (0..<rows).map { r in (x[r, 0] + x[r, 1] * x[r, 2] > 0 ? 1 : 0) + (x[r, 3] > 0.5 ? 2 : 0) }
    let forest = try RandomForest(treeCount: 12, seed: 3).fit(x, labels: labels, classCount: 4, threads: 2)
    // 77 rows: no whole walk of 32 at the end.
    let queries = Matrix(rows: 77, columns: d, values: (0..<(77 * d)).map { _ in Double.random(in: -2.5...2.5, using: &generator) })
    let expected = Self.referenceProbabilities(forest, queries)
    for threads in [1, 3] { #expect(forest.probabilities(queries, threads: threads).values == expected) }
  }

  /// A tree as a model file may hold it: depth-first, children far apart and the right child
  /// first; NaN goes right, as in the arrays' own walk.
  @Test func aDepthFirstTreeFromAFileIsWalkedAlike() throws {
    // 0: x0 ≤ 0 ? 4 : 1;  1: x1 ≤ 1 ? 2 : 3;  4: x1 ≤ −1 ? 5 : 6.  Leaves 2, 3, 5, 6.
    let tree = try DecisionTree(
      validating: [0, 1, -1, -1, 1, -1, -1], threshold: [0, 1, 0, 0, -1, 0, 0], left: [4, 2, -1, -1, 5, -1, -1],
      right: [1, 3, -1, -1, 6, -1, -1], leafCounts: [3, 1, 0, 4, 2, 2, 1, 0], classCount: 2, featureCount: 2)
    let forest = RandomForest.Fitted(featureCount: 2, classCount: 2, trees: [tree])
    let queries = Matrix(rows: 6, columns: 2, values: [-1, -2, -1, 0, 1, 0, 1, 2, .nan, 0, -1, .nan])
    let expected = Self.referenceProbabilities(forest, queries)
    #expect(forest.probabilities(queries, threads: 1).values == expected)
    #expect(expected == [0.5, 0.5, 1, 0, 0.75, 0.25, 0, 1, 0.75, 0.25, 1, 0])
  }
}
