import TensorIO

/// A fitted part of a pipeline that a model file holds: its few scalar fields go to the JSON file
/// (`Header`), its arrays to the tensor file. Reading rebuilds it from both and checks every array
/// against the shapes the rest of the file implies, so a damaged or hand-edited file is refused
/// with a message instead of being trusted.
public protocol ArchivableModel {
  associatedtype Header: Codable, Sendable, Equatable
  var header: Header { get }
  func archive(into tensors: inout TensorArchive)
  /// - Throws: `LearningError.invalidModelFile` or `TensorArchiveError`, saying what is wrong.
  init(header: Header, tensors: TensorArchive, shape: ModelShape) throws
}

/// What the rest of a model file says a model's arrays must fit.
public struct ModelShape: Sendable {
  /// Columns the model itself receives (after PCA, if any); for frame sequences, the
  /// coefficients per frame.
  public var featureCount: Int
  public var classCount: Int
}

extension Imputer {
  func archive(into tensors: inout TensorArchive) {
    tensors.add("imputer.fill", fillValues, shape: [fillValues.count])
  }

  init(tensors: TensorArchive, strategy: Strategy, featureCount: Int) throws {
    self.init(strategy: strategy, fillValues: try tensors.doubles("imputer.fill", shape: [featureCount]))
  }
}

extension StandardScaler {
  func archive(into tensors: inout TensorArchive) {
    tensors.add("scaler.mean", means, shape: [means.count])
    tensors.add("scaler.scale", scales, shape: [scales.count])
  }

  init(tensors: TensorArchive, featureCount: Int) throws {
    let means = try tensors.doubles("scaler.mean", shape: [featureCount])
    let scales = try tensors.doubles("scaler.scale", shape: [featureCount])
    if let bad = scales.firstIndex(where: { !($0 > 0) }) {
      throw LearningError.invalidModelFile("scaler.scale[\(bad)] is \(scales[bad]); scales must be positive")
    }
    self.init(means: means, scales: scales)
  }
}

extension PCA {
  func archive(into tensors: inout TensorArchive) {
    tensors.add("pca.mean", means, shape: [means.count])
    tensors.add("pca.components", components.values, shape: [components.rows, components.columns])
    tensors.add("pca.explained_variance", explainedVariance, shape: [explainedVariance.count])
    tensors.add("pca.explained_variance_ratio", explainedVarianceRatio, shape: [explainedVarianceRatio.count])
  }

  init(tensors: TensorArchive, componentCount: Int, featureCount: Int) throws {
    guard componentCount >= 1, componentCount <= featureCount else {
      throw LearningError.invalidModelFile("pipeline.pcaComponents is \(componentCount); it must be in 1...\(featureCount)")
    }
    self.init(
      means: try tensors.doubles("pca.mean", shape: [featureCount]),
      components: Matrix(
        rows: componentCount, columns: featureCount,
        values: try tensors.doubles("pca.components", shape: [componentCount, featureCount])),
      explainedVariance: try tensors.doubles("pca.explained_variance", shape: [componentCount]),
      explainedVarianceRatio: try tensors.doubles("pca.explained_variance_ratio", shape: [componentCount]))
  }
}
