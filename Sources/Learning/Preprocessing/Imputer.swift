/// Fills missing values (NaN) column by column with a statistic of the training rows
/// (scikit-learn `SimpleImputer`). Ties of `mostFrequent` go to the smallest value, as there.
public struct Imputer: Sendable, Equatable {
  public enum Strategy: String, Sendable, CaseIterable, Codable {
    case mean, median
    case mostFrequent = "most-frequent"
  }

  public var strategy: Strategy
  public var fillValues: [Double]

  init(strategy: Strategy, fillValues: [Double]) {
    self.strategy = strategy
    self.fillValues = fillValues
  }

  /// A column with no value present is filled with 0.
  public init(fitting x: Matrix, strategy: Strategy) {
    self.strategy = strategy
    fillValues = (0..<x.columns).map { c in
      let present = (0..<x.rows).map { x[$0, c] }.filter { !$0.isNaN }
      guard !present.isEmpty else { return 0 }
      switch strategy {
      case .mean:
        return present.reduce(0, +) / Double(present.count)
      case .median:
        let sorted = present.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
      case .mostFrequent:
        let counts = Dictionary(present.map { ($0, 1) }, uniquingKeysWith: +)
        return counts.max { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }!.key
      }
    }
  }

  public func transform(_ x: Matrix) -> Matrix {
    var out = x
    for r in 0..<x.rows { for c in 0..<x.columns where x[r, c].isNaN { out[r, c] = fillValues[c] } }
    return out
  }
}
