import Testing

@testable import Learning

/// The forest's tree builder (orders presorted once with their values' ranks, partitioned stably
/// at each split, class tallies in whole numbers) grows exactly the tree that a plain CART
/// builder grows from the same random draws: one that sorts each node's samples by value and sums
/// every cut's class counts anew.
@Suite struct ForestBuilderTests {
  /// Tree `stream` of a forest with these settings, grown the plain way.
  static func plainTree(_ x: Matrix, labels: [Int], classCount: Int, settings: RandomForest, stream: Int) -> DecisionTree {
    var generator = SeededGenerator(seed: settings.seed, stream: stream)
    var weights = [Int](repeating: settings.bootstrap ? 0 : 1, count: x.rows)
    if settings.bootstrap {
      for _ in 0..<x.rows { weights[Int(generator.next() % UInt64(x.rows))] += 1 }
    }
    let maxFeatures = settings.maxFeatures.resolved(for: x.columns)
    let (minLeaf, maxDepth) = (settings.minSamplesLeaf, settings.maxDepth ?? .max)
    var (feature, threshold, left, right): ([Int32], [Double], [Int32], [Int32]) = ([], [], [], [])
    var nodeCounts: [[Int32]] = []
    func addNode() -> Int {
      feature.append(-1)
      threshold.append(0)
      left.append(-1)
      right.append(-1)
      nodeCounts.append([])
      return feature.count - 1
    }
    func squares(_ counts: [Int]) -> Int { counts.reduce(0) { $0 + $1 * $1 } }

    var stack = [(node: addNode(), samples: (0..<x.rows).filter { weights[$0] > 0 }, depth: 0)]
    while let (node, samples, depth) = stack.popLast() {
      var counts = [Int](repeating: 0, count: classCount)
      for s in samples { counts[labels[s]] += weights[s] }
      nodeCounts[node] = counts.map { Int32($0) }
      guard counts.filter({ $0 > 0 }).count > 1, depth < maxDepth, samples.count >= max(2, 2 * minLeaf) else { continue }
      let total = counts.reduce(0, +)
      var bestScore = Double(squares(counts)) / Double(total) + 1e-12 * Double(total)
      var best: (feature: Int, threshold: Double)?
      var candidates = Array(0..<x.columns)
      var (drawn, visited) = (0, 0)
      while visited < maxFeatures && drawn < x.columns {
        candidates.swapAt(drawn, drawn + Int(generator.next() % UInt64(x.columns - drawn)))
        let f = candidates[drawn]
        drawn += 1
        let sorted = samples.sorted { (x[$0, f], $0) < (x[$1, f], $1) }
        guard x[sorted[0], f] < x[sorted[sorted.count - 1], f] else { continue }
        visited += 1
        var leftCounts = [Int](repeating: 0, count: classCount)
        for i in 0..<(sorted.count - 1) {
          leftCounts[labels[sorted[i]]] += weights[sorted[i]]
          let (value, next) = (x[sorted[i], f], x[sorted[i + 1], f])
          guard value < next, i + 1 >= minLeaf, sorted.count - i - 1 >= minLeaf else { continue }
          let leftWeight = leftCounts.reduce(0, +)
          let rightCounts = zip(counts, leftCounts).map { $0 - $1 }
          let score = Double(squares(leftCounts)) / Double(leftWeight) + Double(squares(rightCounts)) / Double(total - leftWeight)
          if score > bestScore {
            bestScore = score
            let midpoint = value / 2 + next / 2
            best = (f, midpoint == next ? value : midpoint)
          }
        }
      }
      guard let best else { continue }
      let (leftNode, rightNode) = (addNode(), addNode())
      (feature[node], threshold[node], left[node], right[node]) = (Int32(best.feature), best.threshold, Int32(leftNode), Int32(rightNode))
      stack.append((rightNode, samples.filter { x[$0, best.feature] > best.threshold }, depth + 1))
      stack.append((leftNode, samples.filter { x[$0, best.feature] <= best.threshold }, depth + 1))
    }
    let leafCounts = feature.indices.filter { feature[$0] < 0 }.flatMap { nodeCounts[$0] }
    return DecisionTree(feature: feature, threshold: threshold, left: left, right: right, leafCounts: leafCounts, classCount: classCount)
  }

  /// 240 rows: two continuous features, one of 5 values (ties), one binary, one constant; four
  /// classes from a noisy rule.
  static func table() -> (Matrix, [Int]) {
    var generator = SeededGenerator(seed: 11)
    let rows = 240
    var values: [Double] = []
    var labels: [Int] = []
    for _ in 0..<rows {
      let (a, b) = (Double.random(in: -1...1, using: &generator), Double.random(in: 0...10, using: &generator))
      let (steps, flag) = (Double(Int.random(in: 0..<5, using: &generator)), Double(Int.random(in: 0...1, using: &generator)))
      values += [a, b, steps, flag, 3]
      let noise = Int.random(in: 0..<10, using: &generator) == 0 ? 1 : 0
      labels.append(((a > 0 ? 1 : 0) + (b + steps > 7 ? 2 : 0) + noise) % 4)
    }
    return (Matrix(rows: rows, columns: 5, values: values), labels)
  }

  @Test(arguments: [
    RandomForest(treeCount: 3, seed: 1),
    RandomForest(treeCount: 3, minSamplesLeaf: 4, seed: 2),
    RandomForest(treeCount: 3, maxFeatures: .all, maxDepth: 5, seed: 3),
    RandomForest(treeCount: 3, maxFeatures: .count(1), bootstrap: false, seed: 4),
  ])
  func growsThePlainCARTTrees(settings: RandomForest) throws {
    let (x, labels) = Self.table()
    let forest = try settings.fit(x, labels: labels, classCount: 4, threads: 2)
    for (t, tree) in forest.trees.enumerated() {
      let plain = Self.plainTree(x, labels: labels, classCount: 4, settings: settings, stream: t)
      let same = tree == plain  // not the trees themselves in a failure's message: they are long
      #expect(same, "tree \(t): \(tree.feature.count) nodes, splits \(tree.feature.prefix(8))…; the plain builder's \(plain.feature.count), \(plain.feature.prefix(8))…")
    }
  }
}
