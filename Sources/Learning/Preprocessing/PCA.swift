/// Principal component analysis (scikit-learn `PCA`): the eigenvectors of the training covariance
/// (LAPACK `dsyevd`), largest variance first, each signed so that its largest-magnitude loading is
/// positive (scikit-learn's `svd_flip` convention, so 2-D plots are reproducible).
public struct PCA: Sendable, Equatable {
  public var means: [Double]
  /// componentCount × d, one component per row.
  public var components: Matrix
  public var explainedVariance: [Double]
  public var explainedVarianceRatio: [Double]

  init(means: [Double], components: Matrix, explainedVariance: [Double], explainedVarianceRatio: [Double]) {
    self.means = means
    self.components = components
    self.explainedVariance = explainedVariance
    self.explainedVarianceRatio = explainedVarianceRatio
  }

  public init(fitting x: Matrix, componentCount: Int) throws(LearningError) {
    guard componentCount >= 1, componentCount <= x.columns else {
      throw .invalidParameter(name: "components", value: "\(componentCount)", reason: "must be in 1...\(x.columns)")
    }
    guard x.rows >= 2 else { throw .notEnoughSamples(needed: 2, got: x.rows) }
    let d = x.columns
    let means = (0..<d).map { c in (0..<x.rows).reduce(0.0) { $0 + x[$1, c] } / Double(x.rows) }
    var centred = x
    for r in 0..<x.rows { for c in 0..<d { centred[r, c] -= means[c] } }
    let covariance = Matrix(
      rows: d, columns: d, values: centred.multiplied(by: centred, transposingSelf: true).values.map { $0 / Double(x.rows - 1) })
    let (eigenvalues, eigenvectors) = try LinearAlgebra.symmetricEigen(covariance)
    // Eigenvalues come ascending; eigenvectors are the columns.
    let order = (0..<d).reversed().prefix(componentCount)
    var components = Matrix(rows: componentCount, columns: d)
    for (i, column) in order.enumerated() {
      var vector = (0..<d).map { eigenvectors[$0, column] }
      let largest = vector.indices.max { abs(vector[$0]) < abs(vector[$1]) }!
      if vector[largest] < 0 { vector = vector.map { -$0 } }
      for c in 0..<d { components[i, c] = vector[c] }
    }
    let total = eigenvalues.reduce(0) { $0 + max($1, 0) }
    self.means = means
    self.components = components
    explainedVariance = order.map { max(eigenvalues[$0], 0) }
    explainedVarianceRatio = explainedVariance.map { total > 0 ? $0 / total : 0 }
  }

  public func transform(_ x: Matrix) -> Matrix {
    var centred = x
    for r in 0..<x.rows { for c in 0..<x.columns { centred[r, c] -= means[c] } }
    return centred.rowwiseMultiplied(by: components, transposingOther: true)
  }

  /// Back to the original space (exact when every component is kept).
  public func inverseTransform(_ y: Matrix) -> Matrix {
    var out = y.rowwiseMultiplied(by: components)
    for r in 0..<out.rows { for c in 0..<out.columns { out[r, c] += means[c] } }
    return out
  }
}

extension PCA {
  /// A table's rows projected on its first principal components, after imputation (when asked)
  /// and standardisation: what the `pca` command writes and 2-D plots show.
  public static func projection(
    of data: Dataset, components: Int, imputation: Imputer.Strategy?
  ) throws(LearningError) -> (values: Matrix, pca: PCA) {
    var x = imputation.map { Imputer(fitting: data.features, strategy: $0).transform(data.features) } ?? data.features
    guard x.values.allSatisfy(\.isFinite) else {
      throw .invalidParameter(name: "features", value: "NaN", reason: "the table has missing values and no imputation was chosen")
    }
    x = StandardScaler(fitting: x).transform(x)
    let pca = try PCA(fitting: x, componentCount: components)
    return (pca.transform(x), pca)
  }
}
