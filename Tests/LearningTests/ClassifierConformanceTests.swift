import Foundation
import TestSupport
import Testing

@testable import Learning

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

/// Three classes a model of each input kind can tell apart, in groups of two examples.
func separableData(for input: InputKind, perClass: Int = 40, seed: UInt64 = 1) -> TrainingData {
  switch input {
  case .featureRows:
    let (x, y) = blobs(perClass: perClass, seed: seed)
    return TrainingData(input: .rows(x), labels: y, classCount: 3, groups: y.indices.map { "g\($0 / 2)" })
  case .frameSequences:
    // Class c: frames alternating between two Gaussians around 3c and 3c + 1.5, 4 coefficients.
    var generator = SeededGenerator(seed: seed)
    var sequences: [Matrix] = []
    var labels: [Int] = []
    for c in 0..<3 {
      for _ in 0..<perClass {
        let frames = 12 + Int(generator.next() % 9)
        sequences.append(Matrix((0..<frames).map { t in (0..<4).map { _ in 3 * Double(c) + (t % 2 == 0 ? 0 : 1.5) + 0.5 * generator.nextGaussian() } }))
        labels.append(c)
      }
    }
    return TrainingData(
      input: .sequences(FrameSequences(sequences, coefficients: 4)), labels: labels, classCount: 3, groups: labels.indices.map { "g\($0 / 2)" })
  case .spectrograms:
    // Class c: 8 bands × 12 frames of noise, bands 3c and 3c + 1 raised by 1.5.
    var generator = SeededGenerator(seed: seed)
    var values: [Float] = []
    var labels: [Int] = []
    for c in 0..<3 {
      for _ in 0..<perClass {
        for band in 0..<8 { for _ in 0..<12 { values.append(Float((band / 3 == c && band % 3 < 2 ? 1.5 : 0) + 0.5 * generator.nextGaussian())) } }
        labels.append(c)
      }
    }
    return TrainingData(
      input: .spectrograms(Spectrograms(bands: 8, frames: 12, values: values)), labels: labels, classCount: 3,
      groups: labels.indices.map { "g\($0 / 2)" })
  }
}

/// The checks every registered model passes (scikit-learn's `check_estimator`), run over
/// `ModelRegistry.kinds`: a new model kind is checked by registering it.
@Suite struct ModelConformanceTests {
  static let kinds = ModelRegistry.kinds

  func settings(_ kind: ModelKind) throws -> any ModelSettings { try kind.settings(seed: 7) }

  @Test(arguments: kinds)
  func probabilitiesAreDistributionsAndPredictIsTheirArgmax(kind: ModelKind) throws {
    let data = separableData(for: kind.input)
    let model = try settings(kind).fit(data, threads: 2, progress: nil)
    #expect(model.kind == kind && model.classCount == 3)
    let p = try model.probabilities(data.input, threads: 1)
    #expect(p.rows == data.count && p.columns == 3)
    for r in 0..<p.rows {
      let row = Array(p.row(r))
      #expect(row.allSatisfy { $0 >= 0 && $0 <= 1 })
      #expect(abs(row.reduce(0, +) - 1) < 1e-9)
    }
    #expect(try model.predict(data.input) == argmaxPerRow(p))
  }

  @Test(arguments: kinds)
  func separableClassesAreLearned(kind: ModelKind) throws {
    let test = separableData(for: kind.input, seed: 2)
    let predicted = try settings(kind).fit(separableData(for: kind.input), threads: 2, progress: nil).predict(test.input)
    let accuracy = Double(zip(predicted, test.labels).filter { $0 == $1 }.count) / Double(test.count)
    #expect(accuracy >= 0.95)
  }

  @Test(arguments: kinds)
  func sameSeedSameModelForAnyThreadCount(kind: ModelKind) throws {
    let data = separableData(for: kind.input)
    let one = try settings(kind).fit(data, threads: 1, progress: nil)
    let two = try settings(kind).fit(data, threads: 2, progress: nil)
    #expect(one.isEqual(to: two))
  }

  /// Prediction in parallel blocks gives exactly the single-threaded probabilities, and a
  /// subset's probabilities are those rows of the whole (scikit-learn's subset invariance).
  @Test(arguments: kinds)
  func predictionDependsOnNeitherThreadsNorTheOtherExamples(kind: ModelKind) throws {
    let model = try settings(kind).fit(separableData(for: kind.input), threads: 1, progress: nil)
    let many = separableData(for: kind.input, perClass: 400, seed: 5).input
    let whole = try model.probabilities(many, threads: 1)
    for threads in [3, 4] { #expect(try model.probabilities(many, threads: threads) == whole, "\(threads) threads") }
    // An odd number of rows: BLAS picks other kernels for it.
    let subset = [7, 3, 1000, 999, 12]
    #expect(try model.probabilities(many.selecting(subset), threads: 1) == whole.selecting(rows: subset))
  }

  @Test(arguments: kinds)
  func modelFilesRoundTrip(kind: ModelKind) throws {
    let data = separableData(for: kind.input)
    let model = try settings(kind).fit(data, threads: 2, progress: nil)
    var columns: [String] = []
    var input: InputDescription?
    switch data.input {
    case .rows(let x): columns = (1...x.columns).map { "f\($0)" }
    case .sequences(let s):
      input = InputDescription(kind: .frameSequences, representation: "mfcc", coefficients: s.coefficients, frames: nil, segmentSeconds: 3, compat: "kaggle")
    case .spectrograms(let s):
      input = InputDescription(kind: .spectrograms, representation: "logmel", coefficients: s.bands, frames: s.frames, segmentSeconds: 3, compat: "kaggle")
    }
    let pipeline = FittedPipeline(kind: kind, inputColumns: columns, imputer: nil, encoder: nil, scaler: nil, pca: nil, model: model)
    let file = ModelFile(
      pipeline: pipeline, hyperparameters: try settings(kind).summary, classNames: ["x", "y", "z"], labelColumn: "label", input: input)
    let path = try makeTemporaryFolder(prefix: "model").appendingPathComponent("model.json").path
    try file.write(to: path)
    let loaded = try ModelFile.read(path: path)
    #expect(loaded == file)
    #expect(try loaded.pipeline.model.probabilities(data.input, threads: 1) == model.probabilities(data.input, threads: 1))
  }

  @Test(arguments: kinds)
  func anotherInputKindOrShapeIsRefused(kind: ModelKind) throws {
    let model = try settings(kind).fit(separableData(for: kind.input), threads: 1, progress: nil)
    let other: ModelInput = kind.input == .featureRows
      ? .spectrograms(Spectrograms(bands: 2, frames: 2, values: [0, 0, 0, 0])) : .rows(Matrix(rows: 1, columns: 4))
    #expect(throws: LearningError.wrongInput(model: kind.name, expected: kind.input, got: other.kind)) {
      _ = try model.probabilities(other, threads: 1)
    }
    if kind.input == .featureRows {
      #expect(throws: LearningError.shapeMismatch(what: "feature columns", expected: 4, actual: 3)) {
        _ = try model.probabilities(.rows(Matrix(rows: 1, columns: 3)), threads: 1)
      }
    }
  }

  @Test(arguments: kinds)
  func oneClassIsAClearError(kind: ModelKind) throws {
    var data = separableData(for: kind.input)
    data.labels = [Int](repeating: 1, count: data.count)
    let error = try #require(throws: LearningError.self) { _ = try settings(kind).fit(data, threads: 1, progress: nil) }
    #expect(error.description.contains("single class"))
  }

  @Test(arguments: kinds)
  func optionsAreCheckedByName(kind: ModelKind) throws {
    let error = try #require(throws: LearningError.self) { _ = try kind.settings(seed: 0, options: ["no-such-option": "1"]) }
    #expect(error.description.contains("\(kind.name) does not take it"))
    for option in kind.options {
      #expect(throws: LearningError.self, "\(option)") { _ = try kind.settings(seed: 0, options: [option: "nonsense"]) }
    }
  }

  @Test func everyKindIsRegisteredOnceByName() {
    #expect(Set(ModelRegistry.kinds.map(\.name)).count == ModelRegistry.kinds.count)
    #expect(ModelRegistry.kind(named: "forest") == RandomForest.registration)
  }
}
