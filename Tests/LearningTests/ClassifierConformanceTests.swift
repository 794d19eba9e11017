import Foundation
import Learning
import Testing

/// Separable Gaussian blobs: class c is centred at 6·c on every axis.
func blobs(perClass: Int = 40, classes: Int = 3, dimensions: Int = 4, seed: UInt64 = 1) -> (Matrix, [Int]) {
  var generator = SeededGenerator(seed: seed)
  var rows: [[Double]] = []
  var labels: [Int] = []
  for c in 0..<classes {
    for _ in 0..<perClass {
      rows.append((0..<dimensions).map { _ in 6 * Double(c) + generator.nextGaussian() })
      labels.append(c)
    }
  }
  return (Matrix(rows), labels)
}

/// The checks every model must pass (scikit-learn's `check_estimator`, run over each kind).
@Suite struct ClassifierConformanceTests {
  static let kinds = ModelKind.allCases

  func settings(_ kind: ModelKind) -> PipelineSettings {
    PipelineSettings(model: .defaults(for: kind, seed: 7))
  }

  @Test(arguments: kinds)
  func probabilitiesAreDistributionsAndPredictIsTheirArgmax(kind: ModelKind) throws {
    let (x, y) = blobs()
    let model = try settings(kind).fit(x, labels: y, classCount: 3, threads: 2)
    let p = try model.probabilities(x)
    #expect(p.rows == x.rows && p.columns == 3)
    for r in 0..<p.rows {
      let row = Array(p.row(r))
      #expect(row.allSatisfy { $0 >= 0 && $0 <= 1 })
      #expect(abs(row.reduce(0, +) - 1) < 1e-9)
    }
    #expect(try model.predict(x) == argmaxPerRow(p))
  }

  @Test(arguments: kinds)
  func separableBlobsAreLearned(kind: ModelKind) throws {
    let (x, y) = blobs()
    let (testX, testY) = blobs(seed: 2)
    let predicted = try settings(kind).fit(x, labels: y, classCount: 3, threads: 2).predict(testX)
    let accuracy = Double(zip(predicted, testY).filter { $0 == $1 }.count) / Double(testY.count)
    #expect(accuracy >= 0.95)
  }

  @Test(arguments: kinds)
  func sameSeedSameModelForAnyThreadCount(kind: ModelKind) throws {
    let (x, y) = blobs()
    let one = try settings(kind).fit(x, labels: y, classCount: 3, threads: 1)
    let two = try settings(kind).fit(x, labels: y, classCount: 3, threads: 2)
    #expect(one == two)
  }

  /// Prediction in parallel blocks of rows gives exactly the single-threaded probabilities.
  @Test(arguments: kinds)
  func parallelPredictionEqualsSerial(kind: ModelKind) throws {
    let (x, y) = blobs()
    let (many, _) = blobs(perClass: 400, seed: 5)
    let model = try settings(kind).fit(x, labels: y, classCount: 3, threads: 1)
    #expect(try model.probabilities(many, threads: 4) == model.probabilities(many, threads: 1))
  }

  @Test(arguments: kinds)
  func predictionsSurviveAModelFileRoundTrip(kind: ModelKind) throws {
    let (x, y) = blobs()
    let model = try settings(kind).fit(x, labels: y, classCount: 3, threads: 2)
    let file = ModelFile(pipeline: model, hyperparameters: settings(kind).summary, classNames: ["x", "y", "z"], labelColumn: "label")
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("model-\(UUID()).json").path
    try file.write(to: path)
    let loaded = try ModelFile.read(path: path)
    #expect(loaded == file)
    #expect(try loaded.pipeline.probabilities(x) == model.probabilities(x))
  }

  @Test(arguments: kinds)
  func wrongColumnCountIsRefused(kind: ModelKind) throws {
    let (x, y) = blobs()
    let model = try settings(kind).fit(x, labels: y, classCount: 3, threads: 1)
    #expect(throws: LearningError.shapeMismatch(what: "feature columns", expected: 4, actual: 3)) {
      _ = try model.predict(Matrix(rows: 1, columns: 3))
    }
  }

  @Test(arguments: kinds)
  func oneClassIsAClearError(kind: ModelKind) throws {
    let (x, _) = blobs()
    let error = try #require(throws: LearningError.self) {
      _ = try settings(kind).fit(x, labels: [Int](repeating: 1, count: x.rows), classCount: 3, threads: 1)
    }
    #expect(error.description.contains("single class"))
  }
}
