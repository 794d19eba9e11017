import Foundation

/// A classifier's hyperparameters (scikit-learn's constructor arguments, linfa's params): a plain
/// value with documented defaults. `fit` turns it into a fitted model; nothing is ever half-fitted.
public protocol Classifier: Sendable {
  associatedtype Model: FittedClassifier
  /// Checks the hyperparameters (called by `fit` first).
  func validate() throws(LearningError)
  /// - Parameters:
  ///   - x: training rows (n × d), finite.
  ///   - labels: class index of each row, in `0 ..< classCount`.
  ///   - threads: the most threads the fit may use; the result does not depend on it.
  ///   - progress: told of each step done (a tree, an epoch), for a display.
  func fit(_ x: Matrix, labels: [Int], classCount: Int, threads: Int, progress: ProgressHandler?) throws(LearningError) -> Model
}

/// Told how far a fit has come: `done` of `total` steps (trees, epochs). It may be called from any
/// thread, and a fit that stops early may end before `total`.
public typealias ProgressHandler = @Sendable (_ done: Int, _ total: Int) -> Void

extension Classifier {
  public func fit(_ x: Matrix, labels: [Int], classCount: Int, threads: Int) throws(LearningError) -> Model {
    try fit(x, labels: labels, classCount: classCount, threads: threads, progress: nil)
  }
}

/// A fitted classifier: class probabilities for new rows.
public protocol FittedClassifier: Sendable, Equatable {
  var featureCount: Int { get }
  var classCount: Int { get }
  /// n × classCount, rows in [0, 1] summing to 1. Rows are independent, so `threads` changes
  /// only the speed.
  func probabilities(_ x: Matrix, threads: Int) -> Matrix
}

extension FittedClassifier {
  public func probabilities(_ x: Matrix) -> Matrix { probabilities(x, threads: 1) }

  /// The most probable class of each row (the lowest class index on ties).
  public func predict(_ x: Matrix, threads: Int = 1) -> [Int] { argmaxPerRow(probabilities(x, threads: threads)) }
}

/// Checks shared by every `fit`: shapes, finiteness, at least two classes present.
func validateTrainingData(_ x: Matrix, labels: [Int], classCount: Int) throws(LearningError) {
  guard x.rows == labels.count else { throw .shapeMismatch(what: "labels", expected: x.rows, actual: labels.count) }
  guard x.rows > 0 else { throw .notEnoughSamples(needed: 1, got: 0) }
  guard labels.allSatisfy({ $0 >= 0 && $0 < classCount }) else {
    throw .invalidParameter(name: "labels", value: "…", reason: "a label is outside 0..<\(classCount)")
  }
  guard Set(labels).count >= 2 else { throw .singleClass("all \(labels.count) rows are class \(labels[0])") }
  guard x.values.allSatisfy(\.isFinite) else {
    throw .invalidParameter(name: "features", value: "NaN/inf", reason: "training data must be finite")
  }
}
