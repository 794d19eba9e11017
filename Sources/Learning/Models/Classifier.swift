import Foundation
import TensorIO

/// A model kind, as registered in `ModelRegistry`: its name, the input it reads, its options, and
/// how to make its settings and to load a fitted model from a model file. Everything that lists
/// or builds models (the command line, model files, `compare`, the conformance tests) finds the
/// kinds there.
public struct ModelKind: Sendable, Hashable, CustomStringConvertible {
  public let name: String
  public let input: InputKind
  /// One line for listings.
  public let summary: String
  /// The hyperparameter options this kind takes (command-line names without `--`).
  public let options: [String]
  /// Whether the feature-row pipeline standardises its input by default.
  public let scalesByDefault: Bool
  let makeSettings: @Sendable (_ seed: UInt64, _ options: OptionValues) throws(LearningError) -> any ModelSettings
  let loadFitted: @Sendable (_ modelJSON: Data, _ tensors: TensorArchive, _ shape: ModelShape) throws -> any FittedModel

  init(
    name: String, input: InputKind, summary: String, options: [String], scalesByDefault: Bool = false,
    makeSettings: @escaping @Sendable (UInt64, OptionValues) throws(LearningError) -> any ModelSettings,
    loadFitted: @escaping @Sendable (Data, TensorArchive, ModelShape) throws -> any FittedModel
  ) {
    self.name = name
    self.input = input
    self.summary = summary
    self.options = options
    self.scalesByDefault = scalesByDefault
    self.makeSettings = makeSettings
    self.loadFitted = loadFitted
  }

  /// The defaults (scikit-learn's, or the reference tool's) with `options` (name → text) applied;
  /// an option this kind does not take is an error naming the ones it does.
  public func settings(seed: UInt64, options: [String: String] = [:]) throws(LearningError) -> any ModelSettings {
    if let foreign = options.keys.sorted().first(where: { !self.options.contains($0) }) {
      throw .invalidParameter(
        name: foreign, value: options[foreign]!,
        reason: "\(name) does not take it" + (self.options.isEmpty ? "" : " (its options: \(self.options.joined(separator: ", ")))"))
    }
    let settings = try makeSettings(seed, OptionValues(options))
    try settings.validate()
    return settings
  }

  public var description: String { name }
  public static func == (a: ModelKind, b: ModelKind) -> Bool { a.name == b.name }
  public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}

/// A model's hyperparameters (scikit-learn's constructor arguments, linfa's params): a plain value
/// with documented defaults. `fit` turns it into a fitted model; nothing is ever half-fitted.
public protocol ModelSettings: Sendable {
  var kind: ModelKind { get }
  /// Checks the hyperparameters (called by `fit` first).
  func validate() throws(LearningError)
  /// The settings as text, for model files and reports.
  var summary: [String: String] { get }
  /// Fits on `data`, whose input must be of `kind.input`. The result does not depend on `threads`.
  /// `progress` is told of each step done (a tree, an epoch, an iteration), for a display.
  func fit(_ data: TrainingData, threads: Int, progress: ProgressHandler?) throws(LearningError) -> any FittedModel
}

/// A fitted model of any kind: class probabilities for new examples of its input kind.
public protocol FittedModel: Sendable {
  var kind: ModelKind { get }
  var classCount: Int { get }
  /// examples × classCount, rows in [0, 1] summing to 1. Examples are independent, so `threads`
  /// changes only the speed.
  func probabilities(_ input: ModelInput, threads: Int) throws(LearningError) -> Matrix
  /// A sentence when the fit stopped at its iteration limit instead of converging.
  var convergenceWarning: String? { get }
  /// Scores whose sums over a track's segments break ties in its vote (`TrackVerdicts`): by
  /// default the class probabilities.
  func segmentScores(_ input: ModelInput, threads: Int) throws(LearningError) -> Matrix
  /// The model file's fields of this kind, and its arrays.
  var modelFileHeader: any Encodable { get }
  func archive(into tensors: inout TensorArchive)
  func isEqual(to other: any FittedModel) -> Bool
}

/// Told how far a fit has come: `done` of `total` steps (trees, batches, EM iterations), with a
/// note for a display (a network's last epoch's losses). It may be called from any thread, and a
/// fit that stops early may end before `total`.
public typealias ProgressHandler = @Sendable (_ done: Int, _ total: Int, _ note: String) -> Void

extension FittedModel {
  public var convergenceWarning: String? { nil }

  public func segmentScores(_ input: ModelInput, threads: Int) throws(LearningError) -> Matrix {
    try probabilities(input, threads: threads)
  }

  /// The most probable class of each example (the lowest class index on ties).
  public func predict(_ input: ModelInput, threads: Int = 1) throws(LearningError) -> [Int] {
    argmaxPerRow(try probabilities(input, threads: threads))
  }
}

// MARK: Models of feature rows

/// A model of feature rows: the settings side.
public protocol RowClassifier: ModelSettings, Equatable {
  associatedtype Model: FittedRowClassifier
  /// - Parameters:
  ///   - x: training rows (n × d), finite.
  ///   - labels: class index of each row, in `0 ..< classCount`.
  ///   - groups: each row's group, for a validation part drawn by group.
  func fit(_ x: Matrix, labels: [Int], classCount: Int, groups: [String], threads: Int, progress: ProgressHandler?) throws(LearningError) -> Model
}

/// A fitted model of feature rows.
public protocol FittedRowClassifier: FittedModel, ArchivableModel, Equatable {
  var featureCount: Int { get }
  func probabilities(_ x: Matrix, threads: Int) -> Matrix
}

extension RowClassifier {
  public func fit(_ data: TrainingData, threads: Int, progress: ProgressHandler?) throws(LearningError) -> any FittedModel {
    guard case .rows(let x) = data.input else { throw .wrongInput(model: kind.name, expected: kind.input, got: data.input.kind) }
    return try fit(x, labels: data.labels, classCount: data.classCount, groups: data.groups, threads: threads, progress: progress)
  }

  /// Fits on rows that are each their own group.
  public func fit(_ x: Matrix, labels: [Int], classCount: Int, threads: Int, progress: ProgressHandler? = nil) throws(LearningError) -> Model {
    try fit(x, labels: labels, classCount: classCount, groups: labels.indices.map { "row \($0 + 1)" }, threads: threads, progress: progress)
  }
}

extension FittedRowClassifier {
  public func probabilities(_ input: ModelInput, threads: Int) throws(LearningError) -> Matrix {
    guard case .rows(let x) = input else { throw .wrongInput(model: kind.name, expected: kind.input, got: input.kind) }
    guard x.columns == featureCount else { throw .shapeMismatch(what: "feature columns", expected: featureCount, actual: x.columns) }
    return probabilities(x, threads: threads)
  }

  public func probabilities(_ x: Matrix) -> Matrix { probabilities(x, threads: 1) }

  /// The most probable class of each row (the lowest class index on ties).
  public func predict(_ x: Matrix, threads: Int = 1) -> [Int] { argmaxPerRow(probabilities(x, threads: threads)) }

  public var modelFileHeader: any Encodable { header }
  public func isEqual(to other: any FittedModel) -> Bool { (other as? Self) == self }
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

// MARK: Options

/// Hyperparameter options as text (from the command line), read with their type and range; a bad
/// value is an error naming the option.
public struct OptionValues: Sendable {
  let values: [String: String]

  init(_ values: [String: String]) { self.values = values }

  func int(_ name: String, atLeast minimum: Int = .min) throws(LearningError) -> Int? {
    guard let text = values[name] else { return nil }
    guard let value = Int(text.trimmingCharacters(in: .whitespaces)), value >= minimum else {
      throw .invalidParameter(name: name, value: text, reason: minimum == .min ? "not a whole number" : "not a whole number of at least \(minimum)")
    }
    return value
  }

  func double(_ name: String) throws(LearningError) -> Double? {
    guard let text = values[name] else { return nil }
    guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite else {
      throw .invalidParameter(name: name, value: text, reason: "not a number")
    }
    return value
  }

  /// A comma-separated list of whole numbers of at least 1 (`64,32`).
  func sizes(_ name: String) throws(LearningError) -> [Int]? {
    guard let text = values[name] else { return nil }
    let entries = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !entries.isEmpty, entries.allSatisfy({ ($0 ?? 0) >= 1 }) else {
      throw .invalidParameter(name: name, value: text, reason: "takes sizes of at least 1, such as 100 or 64,32")
    }
    return entries.map { $0! }
  }

  /// One of `choices` (the raw values of a `RawRepresentable` type).
  func choice<T: RawRepresentable & CaseIterable>(_ name: String, as _: T.Type) throws(LearningError) -> T? where T.RawValue == String {
    guard let text = values[name] else { return nil }
    guard let value = T(rawValue: text) else {
      throw .invalidParameter(name: name, value: text, reason: "is one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return value
  }
}
