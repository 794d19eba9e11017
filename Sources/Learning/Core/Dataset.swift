/// Labelled feature rows: the input of every model and split.
public struct Dataset: Sendable, Equatable {
  public var features: Matrix
  /// Indices into `classNames`.
  public var labels: [Int]
  public var classNames: [String]
  public var featureNames: [String]
  /// The group of each row (a track or an artist): rows of one group never straddle a split.
  public var groups: [String]
  /// The row names (e.g. `filename`), for predictions.
  public var rowNames: [String]

  public init(
    features: Matrix, labels: [Int], classNames: [String], featureNames: [String], groups: [String],
    rowNames: [String]
  ) {
    self.features = features
    self.labels = labels
    self.classNames = classNames
    self.featureNames = featureNames
    self.groups = groups
    self.rowNames = rowNames
  }

  public var count: Int { labels.count }

  public func subset(_ indices: [Int]) -> Dataset {
    Dataset(
      features: features.selecting(rows: indices), labels: indices.map { labels[$0] },
      classNames: classNames, featureNames: featureNames, groups: indices.map { groups[$0] },
      rowNames: indices.map { rowNames[$0] })
  }
}
