/// One column per category of each text column (scikit-learn `OneHotEncoder(handle_unknown=
/// "ignore")`): the categories seen in the training rows, sorted; an unknown or missing value
/// gives all zeros.
public struct OneHotEncoder: Sendable, Equatable {
  public struct Column: Sendable, Equatable, Codable {
    public var name: String
    public var categories: [String]
  }

  public var columns: [Column]

  init(columns: [Column]) {
    self.columns = columns
  }

  public init(fitting data: [CategoricalColumn]) {
    columns = data.map { Column(name: $0.name, categories: Array(Set($0.values.compactMap { $0 })).sorted()) }
  }

  /// `name=category` for every output column.
  public var outputNames: [String] { columns.flatMap { column in column.categories.map { "\(column.name)=\($0)" } } }

  /// The encoded columns (rows × outputNames.count) for `data`, which holds this encoder's
  /// columns in its order.
  public func transform(_ data: [CategoricalColumn], rows: Int) -> Matrix {
    var out = Matrix(rows: rows, columns: outputNames.count)
    var offset = 0
    for (column, values) in zip(columns, data) {
      let index = Dictionary(uniqueKeysWithValues: column.categories.enumerated().map { ($1, $0) })
      for (r, value) in values.values.enumerated() {
        if let value, let c = index[value] { out[r, offset + c] = 1 }
      }
      offset += column.categories.count
    }
    return out
  }
}
