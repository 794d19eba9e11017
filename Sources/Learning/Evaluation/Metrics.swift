import TabularIO

/// Classification quality on one test set.
public struct ClassificationReport: Sendable, Equatable, Codable {
  public var accuracy: Double
  public var macroF1: Double
  public var precision: [Double]
  public var recall: [Double]
  public var f1: [Double]
  /// confusion[true][predicted] counts.
  public var confusion: [[Int]]

  public init(truth: [Int], predicted: [Int], classCount: Int) {
    var confusion = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: classCount)
    for (t, p) in zip(truth, predicted) { confusion[t][p] += 1 }
    let correct = (0..<classCount).reduce(0) { $0 + confusion[$1][$1] }
    accuracy = truth.isEmpty ? 0 : Double(correct) / Double(truth.count)
    // scikit-learn's zero_division=0: an undefined ratio counts as 0.
    precision = (0..<classCount).map { c in
      let predictedCount = (0..<classCount).reduce(0) { $0 + confusion[$1][c] }
      return predictedCount == 0 ? 0 : Double(confusion[c][c]) / Double(predictedCount)
    }
    recall = (0..<classCount).map { c in
      let actual = confusion[c].reduce(0, +)
      return actual == 0 ? 0 : Double(confusion[c][c]) / Double(actual)
    }
    let f1 = zip(precision, recall).map { p, r in p + r == 0 ? 0 : 2 * p * r / (p + r) }
    // Macro average over the classes present in the truth or the predictions (scikit-learn's labels).
    let present = (0..<classCount).filter { c in confusion[c].reduce(0, +) > 0 || (0..<classCount).contains { confusion[$0][c] > 0 } }
    macroF1 = present.isEmpty ? 0 : present.reduce(0) { $0 + f1[$1] } / Double(present.count)
    self.f1 = f1
    self.confusion = confusion
  }
}

/// Mean and population standard deviation of a score over folds.
public struct FoldSummary: Sendable, Equatable, Codable {
  public var mean: Double
  public var std: Double

  public init(_ values: [Double]) {
    mean = values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    std = NumpyReduction.standardDeviationInOrder(values)
  }
}

/// Scores predictions against true labels by class name: a table may order its classes
/// differently from the model, or hold classes the model does not know, whose rows then count as
/// errors (the model can never predict them).
public struct ClassEvaluation: Sendable, Equatable {
  /// The model's classes and the table's, sorted.
  public var classes: [String]
  public var report: ClassificationReport
  public var warnings: [String] = []

  public init(truth: [String], predicted: [String], modelClasses: [String]) {
    classes = Array(Set(modelClasses + truth)).sorted()
    let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
    report = ClassificationReport(truth: truth.map { index[$0]! }, predicted: predicted.map { index[$0]! }, classCount: classes.count)
    let known = Set(modelClasses)
    let unknown = Dictionary(truth.filter { !known.contains($0) }.map { ($0, 1) }, uniquingKeysWith: +)
    for (name, rows) in unknown.sorted(by: { $0.key < $1.key }) {
      warnings.append("class \(excerpt(name)) of the table (\(rows) rows) is unknown to the model: its rows count as errors")
    }
    for names in TableReader.caseCollisions(classes) {
      warnings.append("labels \(names.map { excerpt($0) }.joined(separator: " and ")) differ only by case; they are different classes")
    }
  }
}

/// One of the classes ranked for a row.
public struct Prediction: Sendable, Equatable, Encodable {
  public var `class`: String
  public var probability: Double

  public init(class name: String, probability: Double) {
    self.class = name
    self.probability = probability
  }

  /// Per row, the `top` most probable classes, most probable first (ties: the first class).
  public static func ranked(_ probabilities: Matrix, classNames: [String], top: Int) -> [[Prediction]] {
    (0..<probabilities.rows).map { r in
      let order = (0..<probabilities.columns).sorted {
        probabilities[r, $0] != probabilities[r, $1] ? probabilities[r, $0] > probabilities[r, $1] : $0 < $1
      }
      return order.prefix(top).map { Prediction(class: classNames[$0], probability: probabilities[r, $0]) }
    }
  }
}
