import Foundation

/// Random forest of CART trees (scikit-learn `RandomForestClassifier`): each tree is grown on a
/// bootstrap sample with Gini impurity, trying `maxFeatures` random features per split; the forest
/// averages the trees' leaf class distributions.
///
/// Tree i draws from its own seeded stream (`seed`, i), and trees are gathered in order, so the
/// same seed gives the same forest for any number of threads.
public struct RandomForest: Classifier, Equatable, Codable {
  public enum MaxFeatures: Sendable, Codable, Equatable {
    /// ⌊√d⌋ (at least 1). The default.
    case squareRoot
    case all
    case count(Int)

    func resolved(for d: Int) -> Int {
      switch self {
      case .squareRoot: return max(1, Int(Double(d).squareRoot()))
      case .all: return d
      case .count(let n): return min(max(1, n), d)
      }
    }
  }

  /// Default 100.
  public var treeCount = 100
  /// Default `.squareRoot`.
  public var maxFeatures = MaxFeatures.squareRoot
  /// Default 1.
  public var minSamplesLeaf = 1
  /// Default nil (unlimited).
  public var maxDepth: Int?
  /// Default true.
  public var bootstrap = true
  public var seed: UInt64 = 0

  public init(
    treeCount: Int = 100, maxFeatures: MaxFeatures = .squareRoot, minSamplesLeaf: Int = 1,
    maxDepth: Int? = nil, bootstrap: Bool = true, seed: UInt64 = 0
  ) {
    self.treeCount = treeCount
    self.maxFeatures = maxFeatures
    self.minSamplesLeaf = minSamplesLeaf
    self.maxDepth = maxDepth
    self.bootstrap = bootstrap
    self.seed = seed
  }

  public func validate() throws(LearningError) {
    guard treeCount >= 1 else { throw .invalidParameter(name: "trees", value: "\(treeCount)", reason: "must be at least 1") }
    guard minSamplesLeaf >= 1 else { throw .invalidParameter(name: "min-samples-leaf", value: "\(minSamplesLeaf)", reason: "must be at least 1") }
    if let maxDepth, maxDepth < 1 { throw .invalidParameter(name: "max-depth", value: "\(maxDepth)", reason: "must be at least 1") }
  }

  public func fit(_ x: Matrix, labels: [Int], classCount: Int, threads: Int) throws(LearningError) -> Fitted {
    try validate()
    try validateTrainingData(x, labels: labels, classCount: classCount)
    let columns = ColumnMajor(x)
    let features = maxFeatures.resolved(for: x.columns)
    let trees = TreeSlots(count: treeCount)
    let settings = self
    DispatchQueue.concurrentPerform(iterations: max(1, min(threads, treeCount))) { worker in
      for t in stride(from: worker, to: settings.treeCount, by: max(1, min(threads, settings.treeCount))) {
        var generator = SeededGenerator(seed: settings.seed, stream: t)
        var weights = [Int32](repeating: settings.bootstrap ? 0 : 1, count: x.rows)
        if settings.bootstrap {
          for _ in 0..<x.rows { weights[Int(generator.next() % UInt64(x.rows))] += 1 }
        }
        var builder = TreeBuilder(
          columns: columns, labels: labels, weights: weights, classCount: classCount,
          maxFeatures: features, minSamplesLeaf: settings.minSamplesLeaf, maxDepth: settings.maxDepth ?? Int.max)
        trees.store(builder.build(using: &generator), at: t)
      }
    }
    return Fitted(featureCount: x.columns, classCount: classCount, trees: trees.all)
  }

  public struct Fitted: FittedClassifier {
    public var featureCount: Int
    public var classCount: Int
    public var trees: [DecisionTree]

    public func probabilities(_ x: Matrix, threads: Int) -> Matrix {
      parallelRows(x.rows, columns: classCount, threads: threads) { range, out in
        for r in range {
          let row = Array(x.row(r))
          let sums = out + r * classCount
          for tree in trees {
            let leaf = tree.leaf(for: row)
            for c in 0..<classCount { sums[c] += tree.distribution[leaf * classCount + c] }
          }
          for c in 0..<classCount { sums[c] /= Double(trees.count) }
        }
      }
    }
  }
}

/// A fitted binary tree in flat arrays. Internal node i sends a row left when
/// `row[feature[i]] <= threshold[i]`; leaves have feature −1 and a normalised class distribution.
public struct DecisionTree: Sendable, Codable, Equatable {
  public var feature: [Int32] = []
  public var threshold: [Double] = []
  public var left: [Int32] = []
  public var right: [Int32] = []
  /// classCount values per node (used at leaves).
  public var distribution: [Double] = []

  func leaf(for row: [Double]) -> Int {
    var node = 0
    while feature[node] >= 0 {
      node = Int(row[Int(feature[node])] <= threshold[node] ? left[node] : right[node])
    }
    return node
  }
}

/// The training matrix stored by column, with every sample sorted by each feature once per forest
/// (ties by sample index); each tree filters these orders by its bootstrap sample.
struct ColumnMajor: Sendable {
  let rows: Int
  let columns: [[Double]]
  let sortedSamples: [[Int32]]

  init(_ x: Matrix) {
    rows = x.rows
    let columns = (0..<x.columns).map { c in (0..<x.rows).map { x[$0, c] } }
    self.columns = columns
    sortedSamples = columns.map { column in
      (0..<Int32(x.rows)).map { (column[Int($0)], $0) }.sorted { $0 < $1 }.map(\.1)
    }
  }
}

/// Grows one tree depth-first. Every feature keeps the in-bag samples sorted by its values
/// (sorted once per tree); a node is the same index range in all of these orders, and a split
/// partitions each order stably, so no node ever sorts.
private struct TreeBuilder {
  let columns: ColumnMajor
  let labels: [Int]
  let weights: [Int32]
  let classCount: Int
  let maxFeatures: Int
  let minSamplesLeaf: Int
  let maxDepth: Int
  /// orders[f]: in-bag samples sorted by feature f (ties by sample index).
  var orders: [[Int32]]
  var goesLeft: [Bool]
  var scratch: [Int32]
  var tree = DecisionTree()

  init(columns: ColumnMajor, labels: [Int], weights: [Int32], classCount: Int, maxFeatures: Int, minSamplesLeaf: Int, maxDepth: Int) {
    self.columns = columns
    self.labels = labels
    self.weights = weights
    self.classCount = classCount
    self.maxFeatures = maxFeatures
    self.minSamplesLeaf = minSamplesLeaf
    self.maxDepth = maxDepth
    orders = columns.sortedSamples.map { order in order.filter { weights[Int($0)] > 0 } }
    goesLeft = [Bool](repeating: false, count: columns.rows)
    scratch = [Int32](repeating: 0, count: orders[0].count)
  }

  mutating func build(using generator: inout SeededGenerator) -> DecisionTree {
    var stack: [(node: Int, start: Int, end: Int, depth: Int)] = [(addNode(), 0, orders[0].count, 0)]
    while let (node, start, end, depth) = stack.popLast() {
      let counts = classCounts(start, end)
      let total = counts.reduce(0, +)
      for c in 0..<classCount { tree.distribution[node * classCount + c] = counts[c] / total }
      let pure = counts.filter { $0 > 0 }.count <= 1
      guard !pure, depth < maxDepth, end - start >= max(2, 2 * minSamplesLeaf),
        let split = bestSplit(start, end, parentCounts: counts, using: &generator)
      else { continue }
      let middle = partition(start, end, feature: split.feature, threshold: split.threshold)
      let leftNode = addNode()
      let rightNode = addNode()
      tree.feature[node] = Int32(split.feature)
      tree.threshold[node] = split.threshold
      tree.left[node] = Int32(leftNode)
      tree.right[node] = Int32(rightNode)
      stack.append((rightNode, middle, end, depth + 1))
      stack.append((leftNode, start, middle, depth + 1))
    }
    return tree
  }

  private mutating func addNode() -> Int {
    tree.feature.append(-1)
    tree.threshold.append(0)
    tree.left.append(-1)
    tree.right.append(-1)
    tree.distribution += [Double](repeating: 0, count: classCount)
    return tree.feature.count - 1
  }

  private func classCounts(_ start: Int, _ end: Int) -> [Double] {
    var counts = [Double](repeating: 0, count: classCount)
    for sample in orders[0][start..<end] { counts[labels[Int(sample)]] += Double(weights[Int(sample)]) }
    return counts
  }

  /// The split maximising the Gini decrease over up to `maxFeatures` non-constant random features
  /// (drawn without replacement, constant ones not counted, as scikit-learn).
  private func bestSplit(
    _ start: Int, _ end: Int, parentCounts: [Double], using generator: inout SeededGenerator
  ) -> (feature: Int, threshold: Double)? {
    var candidates = Array(0..<columns.columns.count)
    var visited = 0
    var best: (feature: Int, threshold: Double, score: Double)?
    let total = parentCounts.reduce(0, +)
    let parentScore = parentCounts.reduce(0) { $0 + $1 * $1 } / total
    var drawn = 0
    var leftCounts = [Double](repeating: 0, count: classCount)
    while visited < maxFeatures && drawn < candidates.count {
      let pick = drawn + Int(generator.next() % UInt64(candidates.count - drawn))
      candidates.swapAt(drawn, pick)
      let feature = candidates[drawn]
      drawn += 1
      let column = columns.columns[feature]
      let order = orders[feature]
      guard column[Int(order[start])] < column[Int(order[end - 1])] else { continue }  // constant here
      visited += 1
      for c in 0..<classCount { leftCounts[c] = 0 }
      var leftWeight = 0.0
      let count = end - start
      column.withUnsafeBufferPointer { column in
        order.withUnsafeBufferPointer { order in
          weights.withUnsafeBufferPointer { weights in
            labels.withUnsafeBufferPointer { labels in
              for i in 0..<(count - 1) {
                let sample = Int(order[start + i])
                let w = Double(weights[sample])
                leftCounts[labels[sample]] += w
                leftWeight += w
                let value = column[sample]
                let nextValue = column[Int(order[start + i + 1])]
                guard value < nextValue, i + 1 >= minSamplesLeaf, count - i - 1 >= minSamplesLeaf else { continue }
                let rightWeight = total - leftWeight
                var leftSquares = 0.0
                var rightSquares = 0.0
                for c in 0..<classCount {
                  leftSquares += leftCounts[c] * leftCounts[c]
                  let r = parentCounts[c] - leftCounts[c]
                  rightSquares += r * r
                }
                // Σ_side Σ_c counts² / n_side: larger is purer (the Gini decrease up to constants).
                let score = leftSquares / leftWeight + rightSquares / rightWeight
                if score > (best?.score ?? parentScore + 1e-12 * total) {
                  var threshold = value / 2 + nextValue / 2
                  if threshold == nextValue { threshold = value }
                  best = (feature, threshold, score)
                }
              }
            }
          }
        }
      }
    }
    return best.map { ($0.feature, $0.threshold) }
  }

  /// Stable partition of the node's range in every feature order; returns the first right index.
  private mutating func partition(_ start: Int, _ end: Int, feature: Int, threshold: Double) -> Int {
    let column = columns.columns[feature]
    for sample in orders[feature][start..<end] { goesLeft[Int(sample)] = column[Int(sample)] <= threshold }
    var middle = start
    goesLeft.withUnsafeBufferPointer { goesLeft in
      scratch.withUnsafeMutableBufferPointer { scratch in
        for f in orders.indices {
          orders[f].withUnsafeMutableBufferPointer { order in
            var left = start
            var right = 0
            for i in start..<end {
              let sample = order[i]
              if goesLeft[Int(sample)] {
                order[left] = sample
                left += 1
              } else {
                scratch[right] = sample
                right += 1
              }
            }
            for i in 0..<right { order[left + i] = scratch[i] }
            middle = left
          }
        }
      }
    }
    return middle
  }
}

/// Fitted trees written by worker threads into fixed slots (one per tree).
private final class TreeSlots: @unchecked Sendable {
  private var trees: [DecisionTree?]
  private let lock = NSLock()
  init(count: Int) { trees = Array(repeating: nil, count: count) }
  func store(_ tree: DecisionTree, at index: Int) {
    lock.lock()
    trees[index] = tree
    lock.unlock()
  }
  var all: [DecisionTree] { trees.map { $0! } }
}
