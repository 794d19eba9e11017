import Foundation
import TabularIO
import TensorIO

/// A trained pipeline with everything needed to apply it to a new table.
///
/// On disk a model is two files: `name.json` holds the structure (kind, hyperparameters, feature
/// and class names, preprocessing and model settings) and `name.safetensors`, beside it, every
/// numeric array (see `TensorArchive`; the tensor names are listed in README). The JSON names its
/// tensor file and records its size and XXH64 checksum, so a pair that does not belong together
/// is refused. Written to standard output (`-`), the tensor file's bytes are embedded in the JSON
/// as base64 instead (`tensors.inline`).
///
/// A model file is untrusted input: reading checks every dimension, index and value against the
/// model's own shapes, and any violation is a `LearningError.invalidModelFile` naming the file.
public struct ModelFile: Equatable, Sendable {
  public static let currentVersion = 2
  static let format = "genrekit-model"

  public var kind: ModelKind { pipeline.kind }
  /// The hyperparameters, as given to `fit` (for the record).
  public var hyperparameters: [String: String]
  /// The numeric columns the model reads (its categorical ones are in `pipeline.encoder`).
  public var featureNames: [String] { pipeline.inputColumns }
  public var classNames: [String]
  public var labelColumn: String
  public var pipeline: FittedPipeline
  /// What the model was trained on, so that evaluating it scores rows it has not seen.
  public var training: TrainingRecord?
  /// How the model's input is made, for models of frame sequences or spectrograms (nil for a
  /// model of table rows, whose `featureNames` say it).
  public var input: InputDescription?

  public init(
    pipeline: FittedPipeline, hyperparameters: [String: String], classNames: [String], labelColumn: String,
    training: TrainingRecord? = nil, input: InputDescription? = nil
  ) {
    self.hyperparameters = hyperparameters
    self.classNames = classNames
    self.labelColumn = labelColumn
    self.pipeline = pipeline
    self.training = training
    self.input = input
  }

  // MARK: Writing

  /// The tensor file written beside the model file `path`: `.json` replaced by `.safetensors`.
  public static func tensorFilePath(for path: String) -> String {
    (path.hasSuffix(".json") ? String(path.dropLast(5)) : path) + ".safetensors"
  }

  /// Writes the model file and its tensor file, each atomically (tensors first: a failure between
  /// the two leaves a pair whose checksum differs, which reading refuses). `-` writes one JSON
  /// document, tensors embedded, to standard output.
  public func write(to path: String) throws {
    guard !path.hasSuffix(".safetensors") else {
      throw FileError(path: path, reason: "a model file is JSON; name it .json (its tensors go beside it as .safetensors)")
    }
    var tensors = TensorArchive()
    tensors.metadata = ["format": "genrekit-model-tensors", "kind": kind.name]
    pipeline.archive(into: &tensors)
    let bytes = tensors.serialized()
    var reference = TensorReference(bytes: bytes.count, checksum: Self.checksum(bytes))
    if path == "-" {
      reference.inline = Data(bytes).base64EncodedString()
    } else {
      let tensorPath = Self.tensorFilePath(for: path)
      reference.file = PathName.lastComponent(of: tensorPath)
      let writer = try AtomicFileWriter(destination: tensorPath)
      writer.write(bytes)
      try writer.commit()
    }
    let writer = try AtomicFileWriter(destination: path)
    writer.write(try json(tensors: reference) + "\n")
    try writer.commit()
  }

  /// The JSON document (sorted keys, so that equal models give equal bytes).
  func json(tensors: TensorReference) throws -> String {
    let document = Document(
      format: Self.format, formatVersion: Self.currentVersion, kind: kind.name, hyperparameters: hyperparameters,
      featureNames: featureNames, classNames: classNames, labelColumn: labelColumn, pipeline: pipeline.header,
      training: training, input: input, tensors: tensors)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    return String(decoding: try encoder.encode(WithModel(document: document, model: pipeline.model.modelFileHeader)), as: UTF8.self)
  }

  static func checksum(_ bytes: [UInt8]) -> String { "xxh64:" + String(xxHash64(bytes), radix: 16) }

  // MARK: Reading

  /// Reads and checks a model file (`-`: standard input); errors name the file and what is wrong.
  public static func read(path: String) throws(LearningError) -> ModelFile {
    let data: Data
    do {
      data = try InputFile.contents(of: path)
    } catch {
      throw .invalidModelFile("\(InputFile.displayName(path)): cannot read the model file: \(error.reason)")
    }
    do {
      return try decode(data, path: path)
    } catch let error as LearningError {
      throw .invalidModelFile("\(InputFile.displayName(path)): \(error)")
    } catch let error as DecodingError {
      throw .invalidModelFile("\(InputFile.displayName(path)): \(describe(error))")
    } catch {
      throw .invalidModelFile("\(InputFile.displayName(path)): \(error)")
    }
  }

  private static func decode(_ data: Data, path: String) throws -> ModelFile {
    struct Header: Decodable {
      var format: String?
      var formatVersion: Int?
    }
    guard let header = try? JSONDecoder().decode(Header.self, from: data), header.format == format else {
      throw LearningError.invalidModelFile("not a GenreKit model file (truncated or not JSON)")
    }
    guard header.formatVersion == currentVersion else {
      throw LearningError.invalidModelFile(
        "model file format version \(header.formatVersion.map(String.init) ?? "?") is not supported (this GenreKit reads version \(currentVersion); train the model again)")
    }
    let document = try JSONDecoder().decode(Document.self, from: data)
    guard let kind = ModelRegistry.kind(named: document.kind) else {
      throw LearningError.invalidModelFile("unknown model kind \(excerpt(document.kind)) (this GenreKit knows \(ModelRegistry.names))")
    }
    try checkNames(document.featureNames, field: "featureNames", atLeast: 0)
    try checkNames(document.classNames, field: "classes", atLeast: 2)
    let tensors = try TensorArchive(serialized: try tensorBytes(document.tensors, modelPath: path))
    guard (document.input?.kind ?? .featureRows) == kind.input else {
      throw LearningError.invalidModelFile("input.kind is \(document.input?.kind.rawValue ?? "missing"); \(kind.name) reads \(kind.input.rawValue)")
    }
    if let problem = document.input?.problem { throw LearningError.invalidModelFile(problem) }
    let pipeline = try FittedPipeline(
      kind: kind, header: document.pipeline, inputColumns: document.featureNames, input: document.input, modelJSON: data,
      tensors: tensors, classCount: document.classNames.count)
    return ModelFile(
      pipeline: pipeline, hyperparameters: document.hyperparameters, classNames: document.classNames,
      labelColumn: document.labelColumn, training: document.training, input: document.input)
  }

  static func checkNames(_ names: [String], field: String, atLeast minimum: Int) throws {
    guard names.count >= minimum else { throw LearningError.invalidModelFile("\(field) holds \(names.count) names; at least \(minimum) needed") }
    var seen = Set<String>()
    if let repeated = names.first(where: { !seen.insert($0).inserted }) {
      throw LearningError.invalidModelFile("\(field) names \(excerpt(repeated)) twice")
    }
  }

  /// The tensor bytes a model file refers to, checked against its recorded size and checksum.
  private static func tensorBytes(_ reference: TensorReference, modelPath: String) throws -> [UInt8] {
    let bytes: [UInt8]
    let source: String
    if let inline = reference.inline {
      guard let decoded = Data(base64Encoded: inline) else { throw LearningError.invalidModelFile("tensors.inline is not base64") }
      bytes = [UInt8](decoded)
      source = "tensors.inline"
    } else if let file = reference.file {
      // Only a file beside the model: a model file cannot point GenreKit at other paths.
      guard !file.isEmpty, !file.contains("/"), file != ".", file != ".." else {
        throw LearningError.invalidModelFile("tensors.file \(excerpt(file)) must be a file name beside the model file")
      }
      let tensorPath = PathName.joining(modelPath == "-" ? "" : PathName.directory(of: modelPath), file)
      do {
        bytes = try InputFile.bytes(of: tensorPath)
      } catch {
        throw LearningError.invalidModelFile("its tensor file \(error) (copy it along with the model file)")
      }
      source = tensorPath
    } else {
      throw LearningError.invalidModelFile("tensors names neither a file nor inline data")
    }
    guard bytes.count == reference.bytes, checksum(bytes) == reference.checksum else {
      throw LearningError.invalidModelFile(
        "\(source) does not belong to this model file (\(bytes.count) bytes, checksum \(checksum(bytes)); the model file records \(reference.bytes) bytes, \(excerpt(reference.checksum)))")
    }
    return bytes
  }

  /// A decoding error as one line: the field's path and what is wrong with it.
  public static func describe(_ error: DecodingError) -> String {
    func path(_ keys: [any CodingKey]) -> String {
      keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: ["."])
    }
    switch error {
    case .keyNotFound(let key, let context): return "field \(path(context.codingPath + [key])) is missing"
    case .typeMismatch(let type, let context): return "field \(path(context.codingPath)) is not \(typeName(type))"
    case .valueNotFound(let type, let context): return "field \(path(context.codingPath)) is null, expected \(typeName(type))"
    case .dataCorrupted(let context):
      return context.codingPath.isEmpty ? "not valid JSON" : "field \(path(context.codingPath)) has an invalid value"
    @unknown default: return "damaged model file"
    }
  }

  private static func typeName(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: return "a string"
    case is Int.Type, is Int32.Type, is Int64.Type: return "an integer"
    case is Double.Type: return "a number"
    case is Bool.Type: return "true or false"
    default: return String(describing: type).hasPrefix("Array") ? "a list" : "an object"
    }
  }

  // MARK: The JSON document

  struct TensorReference: Codable, Equatable {
    /// The tensor file's name, in the model file's directory.
    var file: String?
    /// Or the tensor file's bytes, base64.
    var inline: String?
    var bytes: Int
    var checksum: String

    init(bytes: Int, checksum: String) {
      self.bytes = bytes
      self.checksum = checksum
    }
  }

  struct Document: Codable {
    var format: String
    var formatVersion: Int
    var kind: String
    var hyperparameters: [String: String]
    var featureNames: [String]
    var classNames: [String]
    var labelColumn: String
    var pipeline: FittedPipeline.Header
    var training: TrainingRecord?
    var input: InputDescription?
    var tensors: TensorReference

    enum CodingKeys: String, CodingKey {
      case format, formatVersion, kind, hyperparameters, featureNames, labelColumn, pipeline, training, input, tensors
      case classNames = "classes"
    }
  }

  /// The document and the model kind's own header, written as one JSON object: the model's fields
  /// (hmmlearn's `hmms`, a forest's nothing, kNN's `k`) sit beside the document's.
  struct WithModel: Encodable {
    var document: Document
    var model: any Encodable

    func encode(to encoder: any Encoder) throws {
      try document.encode(to: encoder)
      try model.encode(to: encoder)
    }
  }
}

extension FittedPipeline {
  struct Header: Codable, Equatable {
    var imputation: Imputer.Strategy?
    var categorical: [OneHotEncoder.Column]?
    var scales: Bool
    var pcaComponents: Int?
  }

  var header: Header {
    Header(imputation: imputer?.strategy, categorical: encoder?.columns, scales: scaler != nil, pcaComponents: pca?.components.rows)
  }

  func archive(into tensors: inout TensorArchive) {
    imputer?.archive(into: &tensors)
    scaler?.archive(into: &tensors)
    pca?.archive(into: &tensors)
    model.archive(into: &tensors)
  }

  /// Rebuilds a pipeline from a model file; `modelJSON` holds the model kind's fields. A model of
  /// frame sequences reads frames of `input.coefficients`.
  init(
    kind: ModelKind, header: Header, inputColumns: [String], input: InputDescription?, modelJSON: Data, tensors: TensorArchive,
    classCount: Int
  ) throws {
    let imputer = try header.imputation.map { try Imputer(tensors: tensors, strategy: $0, featureCount: inputColumns.count) }
    let encoder = header.categorical.map { OneHotEncoder(columns: $0) }
    if let encoder {
      try ModelFile.checkNames(encoder.columns.map(\.name) + inputColumns, field: "featureNames and pipeline.categorical", atLeast: 1)
      for column in encoder.columns { try ModelFile.checkNames(column.categories, field: "the categories of \(column.name)", atLeast: 0) }
    }
    // What the scaler, PCA and model receive: the numeric columns, then the one-hot columns.
    let encodedCount = inputColumns.count + (encoder?.outputNames.count ?? 0)
    let scaler = header.scales ? try StandardScaler(tensors: tensors, featureCount: encodedCount) : nil
    let pca = try header.pcaComponents.map { try PCA(tensors: tensors, componentCount: $0, featureCount: encodedCount) }
    var shape = ModelShape(featureCount: pca?.components.rows ?? encodedCount, classCount: classCount)
    if kind.input != .featureRows {
      guard inputColumns.isEmpty, header.imputation == nil, encoder == nil, !header.scales, header.pcaComponents == nil else {
        throw LearningError.invalidModelFile("a model of \(kind.input.rawValue) has no table preprocessing")
      }
      guard let size = input?.coefficients, (1...4096).contains(size) else {
        throw LearningError.invalidModelFile("input.coefficients must give the model's frame size")
      }
      shape.featureCount = size
    }
    let model = try kind.loadFitted(modelJSON, tensors, shape)
    self.init(kind: kind, inputColumns: inputColumns, imputer: imputer, encoder: encoder, scaler: scaler, pca: pca, model: model)
  }
}

extension ArchivableModel {
  /// Rebuilds a model from a model file's JSON (its kind's fields) and tensors.
  init(modelJSON: Data, tensors: TensorArchive, shape: ModelShape) throws {
    try self.init(header: JSONDecoder().decode(Header.self, from: modelJSON), tensors: tensors, shape: shape)
  }
}
