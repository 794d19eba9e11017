/// Labelled feature rows: the input of every model and split.
public struct Dataset: Sendable, Equatable {
  /// Numeric feature columns; NaN marks a missing value (for an imputer).
  public var features: Matrix
  /// Indices into `classNames`.
  public var labels: [Int]
  public var classNames: [String]
  public var featureNames: [String]
  /// Text columns to one-hot encode, with their raw values (nil: missing).
  public var categorical: [CategoricalColumn]
  /// The group of each row (a track or an artist): rows of one group never straddle a split.
  public var groups: [String]
  /// The track each row comes from (for per-track verdicts), which may be finer than its group
  /// (an artist's tracks). Default: the group.
  public var sources: [String]
  /// The row names (e.g. `filename`, or an `--id` column), for predictions.
  public var rowNames: [String]

  public init(
    features: Matrix, labels: [Int], classNames: [String], featureNames: [String], categorical: [CategoricalColumn] = [],
    groups: [String], sources: [String]? = nil, rowNames: [String]
  ) {
    self.features = features
    self.labels = labels
    self.classNames = classNames
    self.featureNames = featureNames
    self.categorical = categorical
    self.groups = groups
    self.sources = sources ?? groups
    self.rowNames = rowNames
  }

  public var count: Int { labels.count }

  public func subset(_ indices: [Int]) -> Dataset {
    Dataset(
      features: features.selecting(rows: indices), labels: indices.map { labels[$0] },
      classNames: classNames, featureNames: featureNames,
      categorical: categorical.map { column in CategoricalColumn(name: column.name, values: indices.map { column.values[$0] }) },
      groups: indices.map { groups[$0] }, sources: indices.map { sources[$0] }, rowNames: indices.map { rowNames[$0] })
  }
}

/// A text column of a table, kept as text for a one-hot encoder.
public struct CategoricalColumn: Sendable, Equatable {
  public var name: String
  /// One per row; nil where the value is missing.
  public var values: [String?]

  public init(name: String, values: [String?]) {
    self.name = name
    self.values = values
  }
}
