import Foundation
import TensorIO

/// Random forest of CART trees (scikit-learn `RandomForestClassifier`): each tree is grown on a
/// bootstrap sample with Gini impurity, trying `maxFeatures` random features per split; the forest
/// averages the trees' leaf class distributions.
///
/// Tree i draws from its own seeded stream (`seed`, i), and trees are gathered in order, so the
/// same seed gives the same forest for any number of threads.
public struct RandomForest: RowClassifier {
  public static let registration = ModelKind(
    name: "forest", input: .featureRows, summary: "random forest of CART trees (Gini, bootstrap, √d features)",
    options: ["trees", "max-depth"],
    makeSettings: { seed, options throws(LearningError) in
      var settings = RandomForest(seed: seed)
      if let trees = try options.int("trees") { settings.treeCount = trees }
      if let depth = try options.int("max-depth") { settings.maxDepth = depth }
      return settings
    },
    loadFitted: { json, tensors, shape in try Fitted(modelJSON: json, tensors: tensors, shape: shape) })

  public var kind: ModelKind { Self.registration }
  public var summary: [String: String] {
    ["trees": "\(treeCount)", "max_features": "\(maxFeatures)", "min_samples_leaf": "\(minSamplesLeaf)",
     "max_depth": maxDepth.map(String.init) ?? "none", "bootstrap": "\(bootstrap)", "seed": "\(seed)"]
  }

  public enum MaxFeatures: Sendable, Equatable {
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
  /// Fixes every tree's bootstrap sample and feature draws (tree i uses stream i). Default 0.
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

  /// `progress` counts trees.
  public func fit(
    _ x: Matrix, labels: [Int], classCount: Int, groups: [String], threads: Int, progress: ProgressHandler?
  ) throws(LearningError) -> Fitted {
    try validate()
    try validateTrainingData(x, labels: labels, classCount: classCount)
    let columns = ColumnMajor(x)
    let features = maxFeatures.resolved(for: x.columns)
    let settings = self
    let grown = Counter()
    let trees = parallelMap(count: treeCount, threads: threads) { t in
      defer { progress?(grown.increment(), settings.treeCount, "") }
      var generator = SeededGenerator(seed: settings.seed, stream: t)
      var weights = [Int32](repeating: settings.bootstrap ? 0 : 1, count: x.rows)
      if settings.bootstrap {
        for _ in 0..<x.rows { weights[Int(generator.next() % UInt64(x.rows))] += 1 }
      }
      var builder = TreeBuilder(
        columns: columns, labels: labels, weights: weights, classCount: classCount,
        maxFeatures: features, minSamplesLeaf: settings.minSamplesLeaf, maxDepth: settings.maxDepth ?? Int.max)
      return builder.build(using: &generator)
    }
    return Fitted(featureCount: x.columns, classCount: classCount, trees: trees)
  }

  public struct Fitted: FittedRowClassifier {
    public var kind: ModelKind { RandomForest.registration }
    public var featureCount: Int
    public var classCount: Int
    public var trees: [DecisionTree]

    public func probabilities(_ x: Matrix, threads: Int) -> Matrix {
      parallelRows(x.rows, columns: classCount, threads: threads) { range, out in
        // Tree by tree over blocks of rows, so that a tree's upper nodes stay in cache; each
        // row still adds the trees in order.
        x.values.withUnsafeBufferPointer { values in
          for block in stride(from: range.lowerBound, to: range.upperBound, by: 256) {
            let rows = block..<min(block + 256, range.upperBound)
            for tree in trees {
              for group in stride(from: rows.lowerBound, to: rows.upperBound, by: DecisionTree.walkWidth) {
                let count = min(DecisionTree.walkWidth, rows.upperBound - group)
                tree.addDistributions(for: values.baseAddress! + group * x.columns, count: count, columns: x.columns, to: out + group * classCount)
              }
            }
            for r in rows {
              for c in 0..<classCount { out[r * classCount + c] /= Double(trees.count) }
            }
          }
        }
      }
    }
  }
}

/// A fitted binary tree in flat arrays (as scikit-learn's `tree_`). Internal node i sends a row
/// left when `row[feature[i]] <= threshold[i]`; leaves have feature, left and right −1. Each leaf
/// keeps the bootstrap-weighted class counts of its training samples, from which its class
/// distribution is computed.
public struct DecisionTree: Sendable, Equatable {
  public let feature: [Int32]
  public let threshold: [Double]
  public let left: [Int32]
  public let right: [Int32]
  /// `classCount` counts per leaf, leaves in node order.
  public let leafCounts: [Int32]
  public let classCount: Int
  /// `leafCounts` normalised per leaf.
  private let leafDistributions: [Double]

  /// What prediction reads of a node, in 16 bytes (four to a cache line).
  struct PackedNode: Sendable, Equatable {
    var threshold: Double
    /// The split feature, or −1 for a leaf.
    var feature: Int32
    /// Internal: the first child (the second follows it); leaf: the leaf itself, so that a row
    /// that has reached it stays there while the others of its walk descend.
    var next: Int32
  }

  /// The nodes renumbered breadth-first, so that each node's children are adjacent: a step is
  /// `next + (goes right ? 1 : 0)`, with no load of a second child index.
  private let packed: [PackedNode]
  /// Per packed node, a leaf's row of `leafDistributions` (−1 for internal nodes).
  private let packedLeafRows: [Int32]

  init(feature: [Int32], threshold: [Double], left: [Int32], right: [Int32], leafCounts: [Int32], classCount: Int) {
    self.feature = feature
    self.threshold = threshold
    self.left = left
    self.right = right
    self.leafCounts = leafCounts
    self.classCount = classCount
    // Leaves' rows in node order, as `leafCounts` holds them.
    var leafRow = [Int32](repeating: -1, count: feature.count)
    var leaves: Int32 = 0
    for i in feature.indices where feature[i] < 0 {
      leafRow[i] = leaves
      leaves += 1
    }
    var packed = [PackedNode](repeating: PackedNode(threshold: 0, feature: -1, next: 0), count: feature.count)
    var packedLeafRows = [Int32](repeating: -1, count: feature.count)
    // (original node, its packed slot), breadth-first; slots are handed out in pairs.
    var pending = [(node: 0, slot: 0)]
    var next = 0
    while next < pending.count {
      let (node, slot) = pending[next]
      next += 1
      guard feature[node] >= 0 else {
        packed[slot] = PackedNode(threshold: 0, feature: -1, next: Int32(slot))
        packedLeafRows[slot] = leafRow[node]
        continue
      }
      packed[slot] = PackedNode(threshold: threshold[node], feature: feature[node], next: Int32(pending.count))
      pending.append((Int(left[node]), pending.count))
      pending.append((Int(right[node]), pending.count))
    }
    self.packed = packed
    self.packedLeafRows = packedLeafRows
    var distributions = [Double](repeating: 0, count: leafCounts.count)
    for start in stride(from: 0, to: leafCounts.count, by: max(1, classCount)) {
      let total = leafCounts[start..<(start + classCount)].reduce(0) { $0 + Double($1) }
      for c in start..<(start + classCount) { distributions[c] = Double(leafCounts[c]) / total }
    }
    leafDistributions = distributions
  }

  /// The rows that descend a tree together: 32 (Spotify predictions, 2 threads: 8 → 16 → 32
  /// is 0.10 → 0.074 → 0.068 s; one row at a time, 0.16 s).
  static let walkWidth = 32

  /// Adds the class distribution of the leaf each of `count` (at most `walkWidth`)
  /// consecutive rows of `columns` values falls in to its row of `sums` (`classCount` values per
  /// row). The rows descend in step, with no branch on the data: each step is a dependent load,
  /// and `walkWidth` independent ones overlap where one row alone would wait on each (a row at
  /// its leaf stays there until the walk's deepest one arrives).
  func addDistributions(for rows: UnsafePointer<Double>, count: Int, columns: Int, to sums: UnsafeMutablePointer<Double>) {
    // Each row's node in memory, not in a SIMD vector: a lane written into a vector makes every
    // row's step wait on the one before it.
    withUnsafeTemporaryAllocation(of: Int32.self, capacity: Self.walkWidth) { at in
      packed.withUnsafeBufferPointer { nodes in
        at.initialize(repeating: 0)
        var descending: Int32 = 1
        while descending != 0 {
          descending = 0
          for r in 0..<count {
            let node = nodes[Int(at[r])]
            // 1 for an internal node, 0 for a leaf (feature −1).
            let isInternal = ~(node.feature >> 31) & 1
            let value = rows[r &* columns &+ Int(max(node.feature, 0))]
            // NaN goes right, as `value <= threshold` is false for it.
            let goesRight: Int32 = value <= node.threshold ? 0 : 1
            at[r] = node.next &+ (goesRight & isInternal)
            descending |= isInternal
          }
        }
      }
      leafDistributions.withUnsafeBufferPointer { distributions in
        packedLeafRows.withUnsafeBufferPointer { leafRows in
          for r in 0..<count {
            let distribution = distributions.baseAddress! + Int(leafRows[Int(at[r])]) * classCount
            for c in 0..<classCount { sums[r &* classCount &+ c] += distribution[c] }
          }
        }
      }
    }
  }

  /// A tree read from a model file, checked so that prediction can neither fail nor loop: every
  /// child index points forward within the tree (so no node is its own ancestor), every node but
  /// the root is the child of exactly one node, features index the model's columns, thresholds are
  /// finite, and every leaf has non-negative counts with a positive total.
  init(validating feature: [Int32], threshold: [Double], left: [Int32], right: [Int32], leafCounts: [Int32], classCount: Int, featureCount: Int) throws(LearningError) {
    let nodes = feature.count
    guard nodes >= 1 else { throw .invalidModelFile("a tree has no nodes") }
    var parents = [Int32](repeating: 0, count: nodes)
    var leaves = 0
    for i in 0..<nodes {
      if feature[i] < 0 {
        guard feature[i] == -1, left[i] == -1, right[i] == -1 else {
          throw .invalidModelFile("node \(i) is a leaf (feature \(feature[i])) but has children \(left[i]), \(right[i])")
        }
        leaves += 1
        continue
      }
      guard Int(feature[i]) < featureCount else {
        throw .invalidModelFile("node \(i) splits on feature \(feature[i]); the model has \(featureCount) features")
      }
      guard threshold[i].isFinite else { throw .invalidModelFile("node \(i) has threshold \(threshold[i])") }
      for child in [left[i], right[i]] {
        guard Int(child) > i, Int(child) < nodes else {
          throw .invalidModelFile("node \(i) has child \(child); children must lie in \(i + 1)..<\(nodes)")
        }
        parents[Int(child)] += 1
      }
    }
    if let orphan = (1..<nodes).first(where: { parents[$0] != 1 }) {
      throw .invalidModelFile("node \(orphan) is the child of \(parents[orphan]) nodes; every node but the root must be reached once")
    }
    guard leafCounts.count == leaves * classCount else {
      throw .invalidModelFile("\(leafCounts.count) leaf counts for \(leaves) leaves of \(classCount) classes")
    }
    for start in stride(from: 0, to: leafCounts.count, by: classCount) {
      let counts = leafCounts[start..<(start + classCount)]
      guard counts.allSatisfy({ $0 >= 0 }), counts.contains(where: { $0 > 0 }) else {
        throw .invalidModelFile("leaf \(start / classCount) has counts \(Array(counts)); they must be ≥ 0 and not all 0")
      }
    }
    self.init(feature: feature, threshold: threshold, left: left, right: right, leafCounts: leafCounts, classCount: classCount)
  }
}

/// The training matrix stored by column, with every sample sorted by each feature once per forest
/// (ties by sample index); each tree filters these orders by its bootstrap sample.
struct ColumnMajor: Sendable {
  let rows: Int
  let columns: [[Double]]
  /// rankedOrders[f]: every sample by its value of feature f (ties by sample index), with that value's rank.
  let rankedOrders: [[RankedSample]]

  init(_ x: Matrix) {
    rows = x.rows
    let columns = (0..<x.columns).map { c in (0..<x.rows).map { x[$0, c] } }
    self.columns = columns
    rankedOrders = columns.map { column in
      let order = (0..<Int32(x.rows)).map { (column[Int($0)], $0) }.sorted { $0 < $1 }
      var rank: Int32 = 0
      return order.indices.map { i in
        if i > 0, order[i - 1].0 < order[i].0 { rank += 1 }
        return RankedSample(sample: order[i].1, rank: rank)
      }
    }
  }
}

/// A sample in one feature's sorted order, with the rank of its value among the column's distinct
/// values. Two samples' values are equal exactly when their ranks are, so a scan along the order
/// compares neighbours' ranks, beside them in memory, instead of loading each value by its sample.
/// One word (the rank above, the sample below), so that a partition moves it in one store.
struct RankedSample: Sendable {
  private var word: UInt64

  init(sample: Int32, rank: Int32) { word = UInt64(UInt32(bitPattern: rank)) << 32 | UInt64(UInt32(bitPattern: sample)) }

  var sample: Int { Int(UInt32(truncatingIfNeeded: word)) }
  var rank: Int { Int(word >> 32) }
}

/// Grows one tree depth-first. Every feature keeps the in-bag samples sorted by its values
/// (filtered once per tree from the forest's orders); a node is the same index range in each of
/// these orders, and a split partitions each order stably, so no node ever sorts.
private struct TreeBuilder {
  /// A sample's class and bootstrap weight, which the split scan reads together.
  struct ClassAndWeight {
    var label: Int32
    var weight: Int32
  }

  /// A node's split: the first `leftSize` samples in the feature's order go left.
  struct Split {
    var feature: Int
    var threshold: Double
    var leftSize: Int
  }

  let columns: ColumnMajor
  let samples: [ClassAndWeight]
  let classCount: Int
  let maxFeatures: Int
  let minSamplesLeaf: Int
  let maxDepth: Int
  /// The in-bag samples (bootstrap weight above 0).
  let inBag: Int
  /// Feature f's in-bag samples sorted by it, in `orders[(f * inBag)..<((f + 1) * inBag)]`.
  var orders: [RankedSample]
  /// Per sample, 1 if it goes left at the split being made, else 0 (a number, so that the
  /// partition adds it rather than branching on it; a byte, so that all samples' stay in L1).
  var goesLeft: [UInt8]
  var scratch: [RankedSample]
  /// Per node, reused: its class counts, the features in draw order, and the scan's tallies.
  var counts: [Int]
  var candidates: [Int]
  var tallies: [ClassTally]
  var feature: [Int32] = []
  var threshold: [Double] = []
  var left: [Int32] = []
  var right: [Int32] = []
  /// `classCount` bootstrap-weighted class counts per node.
  var nodeCounts: [Int32] = []

  init(columns: ColumnMajor, labels: [Int], weights: [Int32], classCount: Int, maxFeatures: Int, minSamplesLeaf: Int, maxDepth: Int) {
    self.columns = columns
    samples = zip(labels, weights).map { ClassAndWeight(label: Int32($0), weight: $1) }
    self.classCount = classCount
    self.maxFeatures = maxFeatures
    self.minSamplesLeaf = minSamplesLeaf
    self.maxDepth = maxDepth
    let inBag = weights.lazy.filter { $0 > 0 }.count
    self.inBag = inBag
    // Branch-free: every entry is written and the end advances past the in-bag ones (which
    // samples are in the bag is a coin toss to the branch predictor); one spare slot takes the
    // write after the last.
    orders = weights.withUnsafeBufferPointer { weights in
      [RankedSample](unsafeUninitializedCapacity: inBag * columns.rankedOrders.count + 1) { orders, initialized in
        var end = 0
        for ranked in columns.rankedOrders {
          for entry in ranked {
            orders[end] = entry
            end &+= Int(min(weights[entry.sample], 1))
          }
        }
        initialized = end
      }
    }
    goesLeft = [UInt8](repeating: 0, count: columns.rows)
    scratch = [RankedSample](repeating: RankedSample(sample: 0, rank: 0), count: inBag)
    counts = [Int](repeating: 0, count: classCount)
    candidates = Array(columns.columns.indices)
    tallies = [ClassTally](repeating: ClassTally(node: 0, left: 0), count: classCount)
  }

  mutating func build(using generator: inout SeededGenerator) -> DecisionTree {
    let root = addNode()
    countClasses(of: root)
    var stack: [(node: Int, start: Int, end: Int, depth: Int)] = [(root, 0, inBag, 0)]
    while let (node, start, end, depth) = stack.popLast() {
      for c in 0..<classCount { counts[c] = Int(nodeCounts[node * classCount + c]) }
      let pure = counts.lazy.filter { $0 > 0 }.count <= 1
      // A leaf keeps the counts it has in `nodeCounts`.
      guard !pure, depth < maxDepth, end - start >= max(2, 2 * minSamplesLeaf),
        let split = bestSplit(start, end, using: &generator)
      else { continue }
      let leftNode = addNode()
      let rightNode = addNode()
      markSides(start, end, split, counting: (node, leftNode, rightNode))
      partition(start, end, split)
      feature[node] = Int32(split.feature)
      threshold[node] = split.threshold
      left[node] = Int32(leftNode)
      right[node] = Int32(rightNode)
      stack.append((rightNode, start + split.leftSize, end, depth + 1))
      stack.append((leftNode, start, start + split.leftSize, depth + 1))
    }
    var leafCounts: [Int32] = []
    for node in feature.indices where feature[node] < 0 { leafCounts += nodeCounts[(node * classCount)..<((node + 1) * classCount)] }
    return DecisionTree(feature: feature, threshold: threshold, left: left, right: right, leafCounts: leafCounts, classCount: classCount)
  }

  private mutating func addNode() -> Int {
    nodeCounts += repeatElement(0, count: classCount)
    feature.append(-1)
    threshold.append(0)
    left.append(-1)
    right.append(-1)
    return feature.count - 1
  }

  /// The root's bootstrap-weighted class counts into `nodeCounts` (`markSides` counts every
  /// split's children's).
  private mutating func countClasses(of root: Int) {
    for sample in samples { nodeCounts[root * classCount + Int(sample.label)] += sample.weight }
  }

  /// The split maximising the Gini decrease over up to `maxFeatures` non-constant random features
  /// (drawn without replacement, constant ones not counted, as scikit-learn).
  private mutating func bestSplit(_ start: Int, _ end: Int, using generator: inout SeededGenerator) -> Split? {
    for f in candidates.indices { candidates[f] = f }
    let total = counts.reduce(0, +)
    let parentSquares = counts.reduce(0) { $0 + $1 * $1 }
    var bestScore = Double(parentSquares) / Double(total) + 1e-12 * Double(total)
    var best: (feature: Int, position: Int)?
    let count = end - start
    // Splitting after position i leaves i + 1 samples on the left and count − i − 1 on the right.
    let positions = (minSamplesLeaf - 1)...(count - 1 - minSamplesLeaf)
    var (visited, drawn) = (0, 0)
    while visited < maxFeatures && drawn < candidates.count {
      let pick = drawn + Int(generator.next() % UInt64(candidates.count - drawn))
      candidates.swapAt(drawn, pick)
      let feature = candidates[drawn]
      drawn += 1
      let first = feature * inBag + start
      guard orders[first].rank < orders[first + count - 1].rank else { continue }  // constant here
      visited += 1
      for c in 0..<classCount { tallies[c] = ClassTally(node: counts[c], left: 0) }
      let found = orders.withUnsafeBufferPointer { orders in
        samples.withUnsafeBufferPointer { samples in
          tallies.withUnsafeMutableBufferPointer { tallies in
            Self.bestPosition(
              orders.baseAddress! + first, positions: positions, samples: samples.baseAddress!, tallies: tallies.baseAddress!,
              total: total, parentSquares: parentSquares, above: bestScore)
          }
        }
      }
      if let found { (best, bestScore) = ((feature, found.position), found.score) }
    }
    guard let best else { return nil }
    let column = columns.columns[best.feature]
    let at = best.feature * inBag + start + best.position
    let (value, nextValue) = (column[orders[at].sample], column[orders[at + 1].sample])
    var threshold = value / 2 + nextValue / 2
    if threshold == nextValue { threshold = value }
    return Split(feature: best.feature, threshold: threshold, leftSize: best.position + 1)
  }

  /// Per class, the node's count and how many of them the scan has moved left so far, side by
  /// side (one load per sample).
  struct ClassTally {
    var node: Int
    var left: Int
  }

  /// Scans a node's samples in one feature's order and returns the first position within
  /// `positions`, between two different values, whose split scores highest, if that is above
  /// `bestScore`. The score is Σ_side Σ_c counts² / n_side: larger is purer (the Gini decrease up
  /// to constants). Not inlined, so that its few variables all stay in registers.
  @inline(never)
  private static func bestPosition(
    _ node: UnsafePointer<RankedSample>, positions: ClosedRange<Int>, samples: UnsafePointer<ClassAndWeight>,
    tallies: UnsafeMutablePointer<ClassTally>, total: Int, parentSquares: Int, above bestScore: Double
  ) -> (position: Int, score: Double)? {
    var bestPosition = -1
    var bestScore = bestScore
    var leftWeight = 0
    // Σ_c counts² of each side, kept as samples move left: whole numbers far below 2^53, so
    // exact as Doubles too, the same as summing anew.
    var leftSquares = 0
    var rightSquares = parentSquares
    func moveLeft(_ entry: RankedSample) {
      let sample = samples[entry.sample]
      let (w, c) = (Int(sample.weight), Int(sample.label))
      let tally = tallies[c]
      tallies[c].left = tally.left &+ w
      leftSquares &+= w &* (2 &* tally.left &+ w)
      rightSquares &-= w &* (2 &* (tally.node &- tally.left) &- w)
      leftWeight &+= w
    }
    for i in 0..<positions.lowerBound { moveLeft(node[i]) }
    var entry = node[positions.lowerBound]
    for i in positions {
      moveLeft(entry)
      let next = node[i &+ 1]
      if entry.rank < next.rank {
        let score = Double(leftSquares) / Double(leftWeight) + Double(rightSquares) / Double(total &- leftWeight)
        // Without a branch: while the scan climbs toward the best split, each step is a new best.
        let better = score > bestScore
        bestPosition = better ? i : bestPosition
        bestScore = better ? score : bestScore
      }
      entry = next
    }
    return bestPosition < 0 ? nil : (bestPosition, bestScore)
  }

  /// Marks which way each of the node's samples goes (the first `leftSize` in the split
  /// feature's order go left) and sums the children's class counts.
  private mutating func markSides(_ start: Int, _ end: Int, _ split: Split, counting nodes: (parent: Int, left: Int, right: Int)) {
    let (chosen, middle) = (split.feature * inBag, start + split.leftSize)
    let (parent, left, right) = (nodes.parent * classCount, nodes.left * classCount, nodes.right * classCount)
    for i in start..<middle {
      let sample = orders[chosen + i].sample
      goesLeft[sample] = 1
      nodeCounts[left + Int(samples[sample].label)] += samples[sample].weight
    }
    for i in middle..<end { goesLeft[orders[chosen + i].sample] = 0 }
    for c in 0..<classCount { nodeCounts[right + c] = nodeCounts[parent + c] - nodeCounts[left + c] }
  }

  /// Stable partition of the node's range in every feature order by `goesLeft`. The split's own
  /// order is already partitioned; the others are branch-free (each sample is written to both
  /// sides and the side's end advances by its 0 or 1): which way a sample goes is a coin toss to
  /// the branch predictor.
  private mutating func partition(_ start: Int, _ end: Int, _ split: Split) {
    let (inBag, featureCount) = (self.inBag, columns.columns.count)
    orders.withUnsafeMutableBufferPointer { orders in
      goesLeft.withUnsafeBufferPointer { goesLeft in
        scratch.withUnsafeMutableBufferPointer { scratch in
          for f in 0..<featureCount where f != split.feature {
            let node = (f * inBag + start)..<(f * inBag + end)
            // A feature constant here stays so in every descendant, which never scans it (its
            // ranks, the same in any order, say so): its order is left as it is.
            guard orders[node.lowerBound].rank < orders[node.upperBound - 1].rank else { continue }
            var left = node.lowerBound
            var right = 0
            for i in node {
              let entry = orders[i]
              let toLeft = Int(goesLeft[entry.sample])
              orders[left] = entry
              scratch[right] = entry
              left &+= toLeft
              right &+= 1 &- toLeft
            }
            (orders.baseAddress! + left).update(from: scratch.baseAddress!, count: right)
          }
        }
      }
    }
  }
}

extension RandomForest.Fitted: ArchivableModel {
  public struct Header: Codable, Sendable, Equatable {}

  public var header: Header { Header() }

  /// Every tree's node arrays end to end (children index nodes of their own tree), with
  /// `forest.node_offsets[t]` the first node of tree t, and the leaves' counts in node order.
  public func archive(into tensors: inout TensorArchive) {
    var offsets: [Int64] = [0]
    for tree in trees { offsets.append(offsets.last! + Int64(tree.feature.count)) }
    let nodes = Int(offsets.last!)
    tensors.add("forest.node_offsets", offsets, shape: [offsets.count])
    tensors.add("forest.feature", trees.flatMap(\.feature), shape: [nodes])
    tensors.add("forest.threshold", trees.flatMap(\.threshold), shape: [nodes])
    tensors.add("forest.left", trees.flatMap(\.left), shape: [nodes])
    tensors.add("forest.right", trees.flatMap(\.right), shape: [nodes])
    let leafCounts = trees.flatMap(\.leafCounts)
    tensors.add("forest.leaf_counts", leafCounts, shape: [leafCounts.count / classCount, classCount])
  }

  public init(header: Header, tensors: TensorArchive, shape: ModelShape) throws {
    let treeCount = try tensors.shape(of: "forest.node_offsets", rank: 1)[0] - 1
    guard treeCount >= 1 else { throw LearningError.invalidModelFile("forest.node_offsets holds no tree") }
    let nodes = try tensors.shape(of: "forest.feature", rank: 1)[0]
    let offsets = try tensors.int64s("forest.node_offsets", shape: [treeCount + 1])
    guard offsets.first == 0, offsets.last == Int64(nodes), zip(offsets, offsets.dropFirst()).allSatisfy({ $0 < $1 }) else {
      throw LearningError.invalidModelFile("forest.node_offsets must rise from 0 to the \(nodes) nodes, each tree at least one node")
    }
    let classes = shape.classCount
    let feature = try tensors.int32s("forest.feature", shape: [nodes])
    let threshold = try tensors.doubles("forest.threshold", shape: [nodes], finite: false)
    let left = try tensors.int32s("forest.left", shape: [nodes])
    let right = try tensors.int32s("forest.right", shape: [nodes])
    let leaves = feature.filter { $0 < 0 }.count
    let leafCounts = try tensors.int32s("forest.leaf_counts", shape: [leaves, classes])
    var leafStart = 0
    var trees: [DecisionTree] = []
    for t in 0..<treeCount {
      let range = Int(offsets[t])..<Int(offsets[t + 1])
      let treeLeaves = feature[range].filter { $0 < 0 }.count
      do {
        trees.append(
          try DecisionTree(
            validating: Array(feature[range]), threshold: Array(threshold[range]), left: Array(left[range]),
            right: Array(right[range]), leafCounts: Array(leafCounts[(leafStart * classes)..<((leafStart + treeLeaves) * classes)]),
            classCount: classes, featureCount: shape.featureCount))
      } catch {
        throw LearningError.invalidModelFile("tree \(t): \(error)")
      }
      leafStart += treeLeaves
    }
    self.init(featureCount: shape.featureCount, classCount: classes, trees: trees)
  }
}
