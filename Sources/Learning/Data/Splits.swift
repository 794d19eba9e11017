import Foundation
import TabularIO

/// One train/test partition of a dataset's rows (row indices). `validation` holds the rows of a
/// split file's `valid` set; every model trains on them too (`trainingRows`).
public struct SplitFold: Sendable, Equatable {
  public var train: [Int]
  public var validation: [Int]
  public var test: [Int]

  /// The rows a model without a use for validation data trains on.
  public var trainingRows: [Int] { (train + validation).sorted() }
}

/// How a dataset is partitioned. Every way is by group, so rows of a track (or an artist) never
/// straddle training and test; every random choice takes the seed.
public enum SplitStrategy: Sendable, Equatable {
  /// Stratified group k-fold (scikit-learn's `StratifiedGroupKFold(shuffle=True)` algorithm).
  case folds(Int)
  /// One stratified group holdout with this fraction of the groups' rows in the test part.
  case holdout(testFraction: Double)
  /// Folds or sets assigned per group id (`SplitAssignment`).
  case assignment(SplitAssignment)
}

/// A predefined split: per group id, a fold number or a set (train, valid, test).
public enum SplitAssignment: Sendable, Equatable {
  case folds([String: Int])
  case sets([String: SplitSet])
}

public enum SplitSet: String, Sendable, CaseIterable {
  case train, valid, test
}

/// What a split needs of a data set: each example's class and group.
public protocol GroupedExamples {
  var count: Int { get }
  var labels: [Int] { get }
  var classCount: Int { get }
  var groups: [String] { get }
}

extension Dataset: GroupedExamples {
  public var classCount: Int { classNames.count }
}

extension TrainingData: GroupedExamples {}

public enum Splitter {
  /// The folds of `strategy` over `dataset`, and how many rows no assignment covers (left out).
  public static func folds(
    of dataset: some GroupedExamples, strategy: SplitStrategy, seed: UInt64
  ) throws(LearningError) -> (folds: [SplitFold], leftOut: Int) {
    switch strategy {
    case .folds(let k):
      return (try stratifiedGroupKFold(dataset, k: k, seed: seed), 0)
    case .holdout(let fraction):
      return ([try stratifiedGroupHoldout(dataset, testFraction: fraction, seed: seed)], 0)
    case .assignment(let assignment):
      return try apply(assignment, to: dataset)
    }
  }

  /// scikit-learn's `StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)`, to the
  /// fold: the groups in sorted order (as `np.unique`) are shuffled by numpy's `RandomState(seed)`
  /// (seeds above 2³² − 1 use their low 32 bits), stably ordered by how uneven their class counts
  /// are, and each goes to the fold where the spread of every class's share across folds stays
  /// smallest (ties within `np.isclose` to the fold with fewer rows). Sums follow numpy's order,
  /// so that near-ties fall as they do there.
  public static func stratifiedGroupKFold(_ dataset: some GroupedExamples, k: Int, seed: UInt64) throws(LearningError) -> [SplitFold] {
    try stratifiedGroupKFold(dataset, k: k, shuffleSeed: UInt32(truncatingIfNeeded: seed))
  }

  /// With `shuffleSeed` nil, as `shuffle=False`.
  static func stratifiedGroupKFold(_ dataset: some GroupedExamples, k: Int, shuffleSeed: UInt32?) throws(LearningError) -> [SplitFold] {
    guard k >= 2 else { throw .invalidParameter(name: "folds", value: "\(k)", reason: "need at least 2") }
    let (groupNames, groupRows, groupCounts) = classCountsPerGroup(dataset)
    guard groupNames.count >= k else {
      throw .invalidSplit("\(k) folds need at least \(k) groups; the table has \(groupNames.count)")
    }
    let classCount = dataset.classCount
    let classTotals = (0..<classCount).map { c in Double(max(1, groupCounts.reduce(0) { $0 + $1[c] })) }
    var order = groupNames.indices.sorted { groupNames[$0].unicodeScalars.lexicographicallyPrecedes(groupNames[$1].unicodeScalars) }
    if let shuffleSeed {
      var random = NumpyRandomState(seed: shuffleSeed)
      random.shuffle(&order)
    }
    let spread = groupCounts.map { NumpyReduction.standardDeviation($0.map(Double.init)) }
    order = order.enumerated().sorted { a, b in
      spread[a.element] != spread[b.element] ? spread[a.element] > spread[b.element] : a.offset < b.offset
    }.map(\.element)

    var foldCounts = [[Double]](repeating: [Double](repeating: 0, count: classCount), count: k)
    var foldOfGroup = [Int](repeating: 0, count: groupNames.count)
    for g in order {
      let counts = groupCounts[g].map(Double.init)
      var bestFold = 0
      var bestSpread = Double.infinity
      var bestSize = Double.infinity
      for f in 0..<k {
        foldCounts[f] = zip(foldCounts[f], counts).map(+)
        // np.std over folds (axis 0: summed fold by fold), then np.mean over classes (pairwise).
        let shares = (0..<classCount).map { c in
          NumpyReduction.standardDeviationInOrder((0..<k).map { foldCounts[$0][c] / classTotals[c] })
        }
        let meanSpread = NumpyReduction.sum(shares) / Double(classCount)
        foldCounts[f] = zip(foldCounts[f], counts).map(-)
        let size = NumpyReduction.sum(foldCounts[f])
        if meanSpread < bestSpread || (NumpyReduction.isClose(meanSpread, bestSpread) && size < bestSize) {
          bestFold = f
          bestSpread = meanSpread
          bestSize = size
        }
      }
      foldCounts[bestFold] = zip(foldCounts[bestFold], counts).map(+)
      foldOfGroup[g] = bestFold
    }
    return (0..<k).map { f in
      SplitFold(
        train: groupNames.indices.filter { foldOfGroup[$0] != f }.flatMap { groupRows[$0] }.sorted(),
        validation: [],
        test: groupNames.indices.filter { foldOfGroup[$0] == f }.flatMap { groupRows[$0] }.sorted())
    }
  }

  /// Groups of each majority class, shuffled by the seed; the first `testFraction` of each class's
  /// rows (whole groups) form the test part.
  public static func stratifiedGroupHoldout(_ dataset: some GroupedExamples, testFraction: Double, seed: UInt64) throws(LearningError)
    -> SplitFold
  {
    guard testFraction > 0, testFraction < 1 else {
      throw .invalidParameter(name: "test-size", value: "\(testFraction)", reason: "must be between 0 and 1")
    }
    let (groupNames, groupRows, groupCounts) = classCountsPerGroup(dataset)
    guard groupNames.count >= 2 else { throw .invalidSplit("a holdout needs at least 2 groups") }
    var generator = SeededGenerator(seed: seed)
    var testGroups = Set<Int>()
    let majority = groupCounts.map { counts in counts.indices.max { counts[$0] < counts[$1] }! }
    for c in 0..<dataset.classCount {
      var members = groupNames.indices.filter { majority[$0] == c }
      members.shuffle(using: &generator)
      let rows = members.reduce(0) { $0 + groupRows[$1].count }
      var taken = 0
      for g in members where Double(taken) < testFraction * Double(rows) - 0.5 * Double(groupRows[g].count) {
        testGroups.insert(g)
        taken += groupRows[g].count
      }
    }
    if testGroups.isEmpty || testGroups.count == groupNames.count {
      throw .invalidSplit("test size \(testFraction) leaves one side of the holdout empty")
    }
    return SplitFold(
      train: groupNames.indices.filter { !testGroups.contains($0) }.flatMap { groupRows[$0] }.sorted(),
      validation: [],
      test: testGroups.sorted().flatMap { groupRows[$0] }.sorted())
  }

  static func apply(_ assignment: SplitAssignment, to dataset: some GroupedExamples) throws(LearningError) -> (folds: [SplitFold], leftOut: Int) {
    var leftOut = 0
    switch assignment {
    case .folds(let foldOf):
      let k = (foldOf.values.max() ?? -1) + 1
      var folds = [SplitFold](repeating: SplitFold(train: [], validation: [], test: []), count: k)
      for (row, group) in dataset.groups.enumerated() {
        guard let fold = foldOf[group] else {
          leftOut += 1
          continue
        }
        for f in 0..<k { if f == fold { folds[f].test.append(row) } else { folds[f].train.append(row) } }
      }
      guard k >= 2, folds.allSatisfy({ !$0.test.isEmpty && !$0.train.isEmpty }) else {
        throw .invalidSplit("the split file's folds do not cover the table (every fold needs rows)")
      }
      return (folds, leftOut)
    case .sets(let setOf):
      var fold = SplitFold(train: [], validation: [], test: [])
      for (row, group) in dataset.groups.enumerated() {
        switch setOf[group] {
        case .train: fold.train.append(row)
        case .valid: fold.validation.append(row)
        case .test: fold.test.append(row)
        case nil: leftOut += 1
        }
      }
      guard !fold.train.isEmpty, !fold.test.isEmpty else {
        throw .invalidSplit("no table row is in the split's \(fold.train.isEmpty ? "train" : "test") set")
      }
      return ([fold], leftOut)
    }
  }

  /// Per group (in order of first appearance): its rows and class counts.
  static func classCountsPerGroup(_ dataset: some GroupedExamples) -> (names: [String], rows: [[Int]], counts: [[Int]]) {
    var index: [String: Int] = [:]
    var names: [String] = []
    var rows: [[Int]] = []
    var counts: [[Int]] = []
    for (row, group) in dataset.groups.enumerated() {
      let g: Int
      if let existing = index[group] {
        g = existing
      } else {
        g = names.count
        index[group] = g
        names.append(group)
        rows.append([])
        counts.append([Int](repeating: 0, count: dataset.classCount))
      }
      rows[g].append(row)
      counts[g][dataset.labels[row]] += 1
    }
    return (names, rows, counts)
  }
}

/// Split files: `id,fold` or `id,set` CSV, and list files such as the GTZAN fault-filtered lists.
public enum SplitFiles {
  public static func read(path: String) throws -> SplitAssignment {
    let records = try CSVReader.read(path: path)
    guard let header = records.first?.fields, header.count == 2, header[0] == "id", header[1] == "fold" || header[1] == "set" else {
      throw CSVError(path: path, line: 1, reason: "a split file has the header id,fold or id,set")
    }
    var folds: [String: Int] = [:]
    var sets: [String: SplitSet] = [:]
    for record in records.dropFirst() {
      guard record.fields.count == 2 else {
        throw CSVError(path: path, line: record.line, reason: "expected 2 fields, found \(record.fields.count)")
      }
      if header[1] == "fold" {
        guard let fold = Int(record.fields[1]), fold >= 0 else {
          throw CSVError(path: path, line: record.line, column: 2, reason: "fold \(excerpt(record.fields[1])) is not a number ≥ 0")
        }
        folds[record.fields[0]] = fold
      } else {
        guard let set = SplitSet(rawValue: record.fields[1]) else {
          throw CSVError(path: path, line: record.line, column: 2, reason: "set \(excerpt(record.fields[1])) is not train, valid or test")
        }
        sets[record.fields[0]] = set
      }
    }
    return header[1] == "fold" ? .folds(folds) : .sets(sets)
  }

  /// Three list files (train, valid, test), one track path per line (`blues/blues.00012.wav`).
  public static func readLists(train: String, valid: String, test: String) throws -> SplitAssignment {
    var sets: [String: SplitSet] = [:]
    for (path, set) in [(train, SplitSet.train), (valid, .valid), (test, .test)] {
      guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        throw CSVError(path: path, reason: "cannot read the split list")
      }
      for line in text.split(whereSeparator: \.isNewline) where !line.trimmingCharacters(in: .whitespaces).isEmpty {
        sets[trackIdentifier(ofFileName: line.trimmingCharacters(in: .whitespaces))] = set
      }
    }
    return .sets(sets)
  }

  /// `id,fold` lines for the groups of `folds` (each group's test fold).
  public static func csv(folds: [SplitFold], of dataset: some GroupedExamples) -> String {
    var foldOfGroup: [String: Int] = [:]
    for (f, fold) in folds.enumerated() { for row in fold.test { foldOfGroup[dataset.groups[row]] = f } }
    if folds.count == 1 {
      var lines = [CSVFormat.line(["id", "set"])]
      var seen = Set<String>()
      for row in 0..<dataset.count where seen.insert(dataset.groups[row]).inserted {
        lines.append(CSVFormat.line([dataset.groups[row], foldOfGroup[dataset.groups[row]] == nil ? "train" : "test"]))
      }
      return lines.joined()
    }
    return ([CSVFormat.line(["id", "fold"])] + foldOfGroup.sorted { $0.key < $1.key }.map { CSVFormat.line([$0.key, String($0.value)]) }).joined()
  }
}
