import Foundation

/// A trained pipeline with everything needed to apply it to a new table: versioned JSON.
public struct ModelFile: Codable, Equatable, Sendable {
  public static let currentVersion = 1

  public var format = "genrekit-model"
  public var formatVersion = ModelFile.currentVersion
  public var kind: ModelKind
  /// The hyperparameters, as given to `fit` (for the record).
  public var hyperparameters: [String: String]
  public var featureNames: [String]
  public var classNames: [String]
  public var labelColumn: String
  public var pipeline: FittedPipeline

  public init(
    pipeline: FittedPipeline, hyperparameters: [String: String], featureNames: [String], classNames: [String],
    labelColumn: String
  ) {
    kind = pipeline.kind
    self.hyperparameters = hyperparameters
    self.featureNames = featureNames
    self.classNames = classNames
    self.labelColumn = labelColumn
    self.pipeline = pipeline
  }

  public func encoded() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return try encoder.encode(self)
  }

  /// Reads and checks a model file; errors say what is wrong with it.
  public static func read(path: String) throws(LearningError) -> ModelFile {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw .invalidModelFile("\(path): cannot read the model file")
    }
    struct Header: Decodable {
      var format: String?
      var formatVersion: Int?
    }
    guard let header = try? JSONDecoder().decode(Header.self, from: data), header.format == "genrekit-model" else {
      throw .invalidModelFile("\(path): not a GenreKit model file (truncated or not JSON)")
    }
    guard header.formatVersion == currentVersion else {
      throw .invalidModelFile(
        "\(path): model file format version \(header.formatVersion.map(String.init) ?? "?") is not supported (this GenreKit reads version \(currentVersion))")
    }
    do {
      return try JSONDecoder().decode(ModelFile.self, from: data)
    } catch {
      throw .invalidModelFile("\(path): damaged model file: \(error)")
    }
  }

  /// The table's columns for this model, in the model's order; names the missing ones.
  public func featureMatrix(from table: Dataset) throws(LearningError) -> Matrix {
    let index = Dictionary(table.featureNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    let missing = featureNames.filter { index[$0] == nil }
    guard missing.isEmpty else {
      throw .invalidTable("the table lacks the model's feature columns: \(missing.joined(separator: ", "))")
    }
    let columns = featureNames.map { index[$0]! }
    var values = [Double]()
    values.reserveCapacity(table.count * columns.count)
    for r in 0..<table.count { for c in columns { values.append(table.features[r, c]) } }
    return Matrix(rows: table.count, columns: columns.count, values: values)
  }
}
