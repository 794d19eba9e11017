/// The models GenreKit compares, by their command-line names.
public enum ModelKind: String, Sendable, CaseIterable {
  case knn, forest, logreg, mlp

  /// Standardisation is on by default for the distance- and gradient-based models.
  public var scalesByDefault: Bool { self != .forest }
}

/// Hyperparameters of any model kind.
public enum ModelSettings: Sendable, Equatable {
  case knn(KNearestNeighbors)
  case forest(RandomForest)
  case logreg(LogisticRegression)
  case mlp(MultilayerPerceptron)

  /// scikit-learn's defaults (logistic regression max_iter 1000, MLP 500), with the seed.
  public static func defaults(for kind: ModelKind, seed: UInt64) -> ModelSettings {
    switch kind {
    case .knn: return .knn(KNearestNeighbors())
    case .forest: return .forest(RandomForest(seed: seed))
    case .logreg: return .logreg(LogisticRegression())
    case .mlp: return .mlp(MultilayerPerceptron(seed: seed))
    }
  }

  public var kind: ModelKind {
    switch self {
    case .knn: return .knn
    case .forest: return .forest
    case .logreg: return .logreg
    case .mlp: return .mlp
    }
  }
}

/// A fitted model of any kind (for files and for the CLI).
public enum FittedModel: Sendable, Equatable {
  case knn(KNearestNeighbors.Fitted)
  case forest(RandomForest.Fitted)
  case logreg(LogisticRegression.Fitted)
  case mlp(MultilayerPerceptron.Fitted)

  public func probabilities(_ x: Matrix, threads: Int = 1) -> Matrix {
    switch self {
    case .knn(let m): return m.probabilities(x, threads: threads)
    case .forest(let m): return m.probabilities(x, threads: threads)
    case .logreg(let m): return m.probabilities(x, threads: threads)
    case .mlp(let m): return m.probabilities(x, threads: threads)
    }
  }
}

/// Preprocessing steps fitted on the training rows only, then the model.
public struct PipelineSettings: Sendable, Equatable {
  public var model: ModelSettings
  /// Standardise the features (default: the model kind's `scalesByDefault`).
  public var scale: Bool
  /// Project on this many principal components first.
  public var pcaComponents: Int?

  public init(model: ModelSettings, scale: Bool? = nil, pcaComponents: Int? = nil) {
    self.model = model
    self.scale = scale ?? model.kind.scalesByDefault
    self.pcaComponents = pcaComponents
  }

  /// The settings as text, for model files.
  public var summary: [String: String] {
    var summary = ["scale": String(scale), "pca": pcaComponents.map(String.init) ?? "none"]
    switch model {
    case .knn(let m): summary.merge(["k": "\(m.k)", "weights": m.weighting.rawValue]) { $1 }
    case .forest(let m):
      summary.merge(["trees": "\(m.treeCount)", "max_features": "\(m.maxFeatures)", "min_samples_leaf": "\(m.minSamplesLeaf)",
                     "max_depth": m.maxDepth.map(String.init) ?? "none", "bootstrap": "\(m.bootstrap)", "seed": "\(m.seed)"]) { $1 }
    case .logreg(let m): summary.merge(["C": "\(m.c)", "max_iter": "\(m.maxIterations)", "tol": "\(m.tolerance)"]) { $1 }
    case .mlp(let m):
      summary.merge(["hidden": m.hiddenLayers.map(String.init).joined(separator: ","), "alpha": "\(m.alpha)",
                     "learning_rate": "\(m.learningRate)", "batch_size": "\(m.batchSize)", "max_iter": "\(m.maxEpochs)",
                     "dropout": "\(m.dropout)", "validation_fraction": m.validationFraction.map { "\($0)" } ?? "none", "seed": "\(m.seed)"]) { $1 }
    }
    return summary
  }

  /// Fits imputer/scaler, PCA and the model on `x`. Missing values (NaN) are replaced by the
  /// training means.
  public func fit(_ x: Matrix, labels: [Int], classCount: Int, threads: Int) throws(LearningError) -> FittedPipeline {
    let scaler = StandardScaler(fitting: x)
    var transformed = scale ? scaler.transform(x) : scaler.imputeOnly(x)
    let pca = try pcaComponents.map { components throws(LearningError) in try PCA(fitting: transformed, componentCount: components) }
    if let pca { transformed = pca.transform(transformed) }
    let model: FittedModel
    switch self.model {
    case .knn(let s): model = .knn(try s.fit(transformed, labels: labels, classCount: classCount, threads: threads))
    case .forest(let s): model = .forest(try s.fit(transformed, labels: labels, classCount: classCount, threads: threads))
    case .logreg(let s): model = .logreg(try s.fit(transformed, labels: labels, classCount: classCount, threads: threads))
    case .mlp(let s): model = .mlp(try s.fit(transformed, labels: labels, classCount: classCount, threads: threads))
    }
    return FittedPipeline(kind: self.model.kind, scaler: scaler, scales: scale, pca: pca, model: model)
  }
}

public struct FittedPipeline: Sendable, Equatable {
  public var kind: ModelKind
  /// Always fitted: it imputes missing values even when `scales` is false.
  public var scaler: StandardScaler
  public var scales: Bool
  public var pca: PCA?
  public var model: FittedModel

  public var featureCount: Int { scaler.means.count }

  public func probabilities(_ x: Matrix, threads: Int = 1) throws(LearningError) -> Matrix {
    guard x.columns == featureCount else { throw .shapeMismatch(what: "feature columns", expected: featureCount, actual: x.columns) }
    var transformed = scales ? scaler.transform(x) : scaler.imputeOnly(x)
    if let pca { transformed = pca.transform(transformed) }
    let probabilities = model.probabilities(transformed, threads: threads)
    // Finite weights can still overflow on extreme inputs; a NaN must not pass for a result.
    if let bad = probabilities.values.firstIndex(where: { !$0.isFinite }) {
      throw .nonFiniteResult("row \(bad / max(1, probabilities.columns) + 1): the model's class probabilities are not finite (its arithmetic overflows on this row)")
    }
    return probabilities
  }

  public func predict(_ x: Matrix, threads: Int = 1) throws(LearningError) -> [Int] {
    argmaxPerRow(try probabilities(x, threads: threads))
  }
}
