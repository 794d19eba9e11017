/// Standardisation: `(x − mean) / std` per column, with the mean and population std of the
/// training rows (scikit-learn `StandardScaler`). Constant columns keep a scale of 1. Missing
/// values (NaN) are ignored by the fit and replaced by the mean (0 after scaling) by `transform`,
/// so the scaler doubles as the train-fold mean imputer.
public struct StandardScaler: Sendable, Equatable {
  public var means: [Double]
  public var scales: [Double]

  init(means: [Double], scales: [Double]) {
    self.means = means
    self.scales = scales
  }

  public init(fitting x: Matrix) {
    var means = [Double](repeating: 0, count: x.columns)
    var scales = [Double](repeating: 1, count: x.columns)
    for c in 0..<x.columns {
      let column = (0..<x.rows).map { x[$0, c] }.filter(\.isFinite)
      guard !column.isEmpty else { continue }
      let mean = column.reduce(0, +) / Double(column.count)
      let variance = column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(column.count)
      means[c] = mean
      scales[c] = variance > 0 ? variance.squareRoot() : 1
    }
    self.means = means
    self.scales = scales
  }

  public func transform(_ x: Matrix) -> Matrix {
    var out = x
    for r in 0..<x.rows {
      for c in 0..<x.columns {
        out[r, c] = x[r, c].isFinite ? (x[r, c] - means[c]) / scales[c] : 0
      }
    }
    return out
  }

  /// Replaces missing values by the column means, without scaling (for models that are not scaled).
  public func imputeOnly(_ x: Matrix) -> Matrix {
    var out = x
    for r in 0..<x.rows { for c in 0..<x.columns where !x[r, c].isFinite { out[r, c] = means[c] } }
    return out
  }
}
