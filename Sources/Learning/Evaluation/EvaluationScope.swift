/// What a model was trained on, kept in its model file so that scoring it later uses rows it has
/// not seen: the table (by content), the grouping, the split, and the groups on each side.
public struct TrainingRecord: Codable, Equatable, Sendable {
  /// The table as it was named on the command line (for the record).
  public var table: String
  /// `TableSummary.fingerprint` of that table.
  public var tableFingerprint: String
  public var grouping: TableOptions.Grouping
  /// The split in words, or nil when the model was trained on every row.
  public var split: String?
  public var rows: Int
  /// Groups of the training rows, sorted.
  public var trainingGroups: [String]
  /// Groups of the split's test part, sorted; nil when trained on every row.
  public var testGroups: [String]?

  public init(
    table: String, tableFingerprint: String, grouping: TableOptions.Grouping, split: String?, rows: Int,
    trainingGroups: [String], testGroups: [String]?
  ) {
    self.table = table
    self.tableFingerprint = tableFingerprint
    self.grouping = grouping
    self.split = split
    self.rows = rows
    self.trainingGroups = Array(Set(trainingGroups)).sorted()
    self.testGroups = testGroups.map { Array(Set($0)).sorted() }
  }
}

/// The rows a model is scored on, and how they were chosen, in words.
public struct EvaluationScope: Sendable, Equatable {
  public var rows: [Int]
  public var description: String
  public var warnings: [String] = []

  /// Why no rows could be chosen by default.
  public enum Refusal: Error, Equatable {
    /// The table is the training table and the model was trained on all of it.
    case trainedOnEveryRow
    /// Every row of the table belongs to a group the model was trained on.
    case noUnseenRows
  }

  /// The default rows: the model's own test part on its training table; on another table, the
  /// rows of groups the model was not trained on. A split (its first fold's test part) or
  /// `allRows` overrides that, with a warning when the rows include training rows.
  /// - Parameters:
  ///   - groups: each example's group (a table's grouping, a dataset's tracks).
  ///   - fingerprint: the table's or dataset's fingerprint.
  public static func choose(
    record: TrainingRecord?, groups: [String], fingerprint: String, split: (fold: SplitFold, description: String)?, allRows: Bool
  ) throws(Refusal) -> EvaluationScope {
    struct Examples { var groups: [String]; var count: Int { groups.count } }
    let data = Examples(groups: groups)
    let sameTable = record?.tableFingerprint == fingerprint
    let trainingGroups = Set(record?.trainingGroups ?? [])
    // Row groups ("row 12") name positions, which mean the same rows only in the same table.
    let groupsComparable = sameTable || record?.grouping != .row
    func seen(_ rows: [Int]) -> Int { groupsComparable ? rows.filter { trainingGroups.contains(data.groups[$0]) }.count : 0 }
    func optimistic(_ count: Int) -> [String] {
      count == 0 ? [] : ["\(count) of these rows were used to train the model (\(record?.split ?? "on every row")): the scores are optimistic"]
    }

    if allRows {
      let rows = Array(0..<data.count)
      return EvaluationScope(rows: rows, description: "every row (\(rows.count))", warnings: optimistic(seen(rows)))
    }
    if let split {
      let rows = split.fold.test
      return EvaluationScope(rows: rows, description: "the test part of \(split.description) (\(rows.count) rows)", warnings: optimistic(seen(rows)))
    }
    guard let record else {
      return EvaluationScope(
        rows: Array(0..<data.count), description: "every row (\(data.count))",
        warnings: ["the model file does not record what the model was trained on"])
    }
    if sameTable {
      guard let testGroups = record.testGroups.map(Set.init) else { throw .trainedOnEveryRow }
      let rows = data.groups.indices.filter { testGroups.contains(data.groups[$0]) }
      return EvaluationScope(
        rows: rows, description: "the model's test part (\(record.split ?? "split"): \(rows.count) rows of \(testGroups.count) groups)")
    }
    let rows = data.groups.indices.filter { !groupsComparable || !trainingGroups.contains(data.groups[$0]) }
    guard !rows.isEmpty else { throw .noUnseenRows }
    let leftOut = data.count - rows.count
    return EvaluationScope(
      rows: rows,
      description: "\(rows.count) rows of a table the model was not trained on"
        + (leftOut > 0 ? " (\(leftOut) rows of groups it was trained on left out)" : ""))
  }
}

extension TableOptions.Grouping: Codable {
  /// `"automatic"`, `"row"` or `"column:<name>"`.
  public init(from decoder: any Decoder) throws {
    let text = try decoder.singleValueContainer().decode(String.self)
    switch text {
    case "automatic": self = .automatic
    case "row": self = .row
    case _ where text.hasPrefix("column:"): self = .column(String(text.dropFirst(7)))
    default:
      throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a grouping"))
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .automatic: try container.encode("automatic")
    case .row: try container.encode("row")
    case .column(let name): try container.encode("column:" + name)
    }
  }
}
