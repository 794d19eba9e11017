/// Preprocessing steps fitted on the training rows only, then the model: missing values imputed,
/// categorical columns one-hot encoded (appended after the numeric ones), standardised, projected
/// on principal components.
public struct PipelineSettings: Sendable {
  /// A model of feature rows.
  public var model: any ModelSettings
  /// Standardise the features (default: the model kind's `scalesByDefault`).
  public var scale: Bool
  /// Project on this many principal components first.
  public var pcaComponents: Int?
  /// How missing values are filled; nil: the data must have none.
  public var imputation: Imputer.Strategy?

  public init(model: any ModelSettings, scale: Bool? = nil, pcaComponents: Int? = nil, imputation: Imputer.Strategy? = nil) {
    self.model = model
    self.scale = scale ?? model.kind.scalesByDefault
    self.pcaComponents = pcaComponents
    self.imputation = imputation
  }

  /// The settings as text, for model files.
  public var summary: [String: String] {
    var summary = [
      "scale": String(scale), "pca": pcaComponents.map(String.init) ?? "none", "impute": imputation?.rawValue ?? "none",
    ]
    summary.merge(model.summary) { $1 }
    return summary
  }

  /// Fits every step on `data` (the training rows); `progress` follows the model's fit.
  public func fit(_ data: Dataset, threads: Int, progress: ProgressHandler? = nil) throws(LearningError) -> FittedPipeline {
    guard model.kind.input == .featureRows else { throw .wrongInput(model: model.kind.name, expected: model.kind.input, got: .featureRows) }
    let imputer = imputation.map { Imputer(fitting: data.features, strategy: $0) }
    var numeric = imputer?.transform(data.features) ?? data.features
    guard numeric.values.allSatisfy(\.isFinite) else {
      throw .invalidParameter(name: "features", value: "NaN", reason: "the training data has missing values and no imputation was chosen")
    }
    let encoder = data.categorical.isEmpty ? nil : OneHotEncoder(fitting: data.categorical)
    if let encoder { numeric = numeric.appendingColumns(encoder.transform(data.categorical, rows: data.count)) }
    let scaler = scale ? StandardScaler(fitting: numeric) : nil
    var transformed = scaler?.transform(numeric) ?? numeric
    let pca = try pcaComponents.map { components throws(LearningError) in try PCA(fitting: transformed, componentCount: components) }
    if let pca { transformed = pca.transform(transformed) }
    let model = try self.model.fit(
      TrainingData(input: .rows(transformed), labels: data.labels, classCount: data.classNames.count, groups: data.groups),
      threads: threads, progress: progress)
    return FittedPipeline(
      kind: self.model.kind, inputColumns: data.featureNames, imputer: imputer, encoder: encoder, scaler: scaler, pca: pca,
      model: model)
  }

  /// Fits on a bare matrix whose columns are named by position (for tests and library users).
  public func fit(_ x: Matrix, labels: [Int], classCount: Int, threads: Int) throws(LearningError) -> FittedPipeline {
    try fit(Dataset.unnamed(x, labels: labels, classCount: classCount), threads: threads)
  }
}

/// A fitted pipeline. It reads the columns it was trained on by name, so a table may order its
/// columns differently or hold others.
public struct FittedPipeline: Sendable, Equatable {
  public static func == (a: FittedPipeline, b: FittedPipeline) -> Bool {
    a.kind == b.kind && a.inputColumns == b.inputColumns && a.imputer == b.imputer && a.encoder == b.encoder
      && a.scaler == b.scaler && a.pca == b.pca && a.model.isEqual(to: b.model)
  }

  public var kind: ModelKind
  /// The numeric columns the pipeline reads, in order.
  public var inputColumns: [String]
  public var imputer: Imputer?
  public var encoder: OneHotEncoder?
  public var scaler: StandardScaler?
  public var pca: PCA?
  public var model: any FittedModel

  /// Class probabilities (rows × classes) for `data`, which must hold every input column (and
  /// categorical column) of the pipeline.
  public func probabilities(_ data: Dataset, threads: Int = 1) throws(LearningError) -> Matrix {
    var numeric = try inputMatrix(data)
    if let imputer { numeric = imputer.transform(numeric) }
    if let bad = numeric.values.firstIndex(where: { !$0.isFinite }) {
      throw .invalidTable("row \(bad / max(1, numeric.columns) + 1): column \(inputColumns[bad % max(1, numeric.columns)]) is missing and the model was trained without imputation")
    }
    if let encoder {
      let index = Dictionary(uniqueKeysWithValues: data.categorical.enumerated().map { ($1.name, $0) })
      let missing = encoder.columns.map(\.name).filter { index[$0] == nil }
      guard missing.isEmpty else { throw .invalidTable("the table lacks the model's categorical columns: \(missing.joined(separator: ", "))") }
      numeric = numeric.appendingColumns(encoder.transform(encoder.columns.map { data.categorical[index[$0.name]!] }, rows: data.count))
    }
    var transformed = scaler?.transform(numeric) ?? numeric
    if let pca { transformed = pca.transform(transformed) }
    let probabilities = try model.probabilities(.rows(transformed), threads: threads)
    // Finite weights can still overflow on extreme inputs; a NaN must not pass for a result.
    if let bad = probabilities.values.firstIndex(where: { !$0.isFinite }) {
      throw .nonFiniteResult("row \(bad / max(1, probabilities.columns) + 1): the model's class probabilities are not finite (its arithmetic overflows on this row)")
    }
    return probabilities
  }

  public func predict(_ data: Dataset, threads: Int = 1) throws(LearningError) -> [Int] {
    argmaxPerRow(try probabilities(data, threads: threads))
  }

  /// For a bare matrix whose columns are the input columns in order.
  public func probabilities(_ x: Matrix, threads: Int = 1) throws(LearningError) -> Matrix {
    guard x.columns == inputColumns.count else {
      throw .shapeMismatch(what: "feature columns", expected: inputColumns.count, actual: x.columns)
    }
    return try probabilities(Dataset.unnamed(x, labels: [Int](repeating: 0, count: x.rows), classCount: 1, names: inputColumns), threads: threads)
  }

  public func predict(_ x: Matrix, threads: Int = 1) throws(LearningError) -> [Int] {
    argmaxPerRow(try probabilities(x, threads: threads))
  }

  /// The table's input columns in the pipeline's order; names the missing ones.
  func inputMatrix(_ data: Dataset) throws(LearningError) -> Matrix {
    if data.featureNames == inputColumns { return data.features }
    let index = Dictionary(data.featureNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    let missing = inputColumns.filter { index[$0] == nil }
    guard missing.isEmpty else {
      throw .invalidTable("the table lacks the model's feature columns: \(missing.joined(separator: ", "))")
    }
    let columns = inputColumns.map { index[$0]! }
    var values = [Double]()
    values.reserveCapacity(data.count * columns.count)
    for r in 0..<data.count { for c in columns { values.append(data.features[r, c]) } }
    return Matrix(rows: data.count, columns: columns.count, values: values)
  }
}

extension FittedPipeline {
  /// A model of frame sequences or spectrograms, which has no table preprocessing.
  public init(model: any FittedModel) {
    self.init(kind: model.kind, inputColumns: [], imputer: nil, encoder: nil, scaler: nil, pca: nil, model: model)
  }
}

extension Dataset {
  /// A dataset of bare rows: columns `x1`, `x2`, … (or `names`), classes `0`, `1`, …, one group per row.
  static func unnamed(_ x: Matrix, labels: [Int], classCount: Int, names: [String]? = nil) -> Dataset {
    Dataset(
      features: x, labels: labels, classNames: (0..<classCount).map(String.init),
      featureNames: names ?? (0..<x.columns).map { "x\($0 + 1)" }, groups: (0..<x.rows).map { "row \($0 + 1)" },
      rowNames: (0..<x.rows).map { String($0 + 1) })
  }
}
