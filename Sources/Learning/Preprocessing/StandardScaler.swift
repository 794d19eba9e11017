/// Standardisation: `(x − mean) / std` per column, with the mean and population std of the
/// training rows (scikit-learn `StandardScaler`). Constant columns keep a scale of 1.
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
      let column = (0..<x.rows).map { x[$0, c] }
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
      for c in 0..<x.columns { out[r, c] = (x[r, c] - means[c]) / scales[c] }
    }
    return out
  }
}
