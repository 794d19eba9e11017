import Foundation
import TabularIO
import TensorIO
import TestSupport
import Testing

@testable import Learning

/// Thousands of randomly damaged model files and tables: each is refused with a message or, if it
/// still reads, predicts finite probabilities; none crashes, hangs or reads out of bounds (run
/// under AddressSanitizer by `bench/fuzz-properties.sh`, with more cases via
/// `GENREKIT_MUTATIONS`).
@Suite struct MutationPropertyTests {
  static let cases = Int(ProcessInfo.processInfo.environment["GENREKIT_MUTATIONS"] ?? "") ?? 400

  /// Real model files of every kind and preprocessing: JSON text and tensor bytes.
  static let models: [(json: String, tensors: [UInt8])] = {
    var (x, y) = blobs(perClass: 30, dimensions: 5)
    x[3, 2] = .nan
    let data = Dataset(
      features: x, labels: y, classNames: ["a", "b", "c"], featureNames: ["f1", "f2", "f3", "f4", "f5"],
      categorical: [CategoricalColumn(name: "key", values: y.indices.map { ["C", "D", nil][$0 % 3] })],
      groups: y.indices.map(String.init), rowNames: y.indices.map(String.init))
    var files: [(String, [UInt8])] = []
    for kind in ModelRegistry.kinds(reading: .featureRows) {
      for (pca, imputation) in [(nil, Imputer.Strategy.mean), (2, .median)] as [(Int?, Imputer.Strategy)] {
        let options = ["forest": ["trees": "3"], "mlp": ["hidden": "4", "max-iter": "3"]][kind.name] ?? [:]
        let settings = PipelineSettings(model: try! kind.settings(seed: 1, options: options), pcaComponents: pca, imputation: imputation)
        let file = ModelFile(pipeline: try! settings.fit(data, threads: 1), hyperparameters: [:], classNames: data.classNames, labelColumn: "label")
        let directory = try! makeTemporaryFolder(prefix: "mutation")
        let path = directory.appendingPathComponent("model.json").path
        try! file.write(to: path)
        files.append((try! String(contentsOfFile: path, encoding: .utf8), [UInt8](try! Data(contentsOf: URL(fileURLWithPath: ModelFile.tensorFilePath(for: path))))))
      }
    }
    return files
  }()

  static let probe = Dataset(
    features: Matrix([[0, 1, 2, 3, 4], [.nan, -1e300, 1e300, 0, 0], [5, 5, 5, 5, 5]]), labels: [0, 0, 0], classNames: ["?"],
    featureNames: ["f1", "f2", "f3", "f4", "f5"], categorical: [CategoricalColumn(name: "key", values: ["C", "Z", nil])],
    groups: ["1", "2", "3"], rowNames: ["1", "2", "3"])

  static let extremes: [String] = ["0", "-1", "-5", "1", "2", "1000000000", "2147483648", "-2147483649", "1e308", "-1e308", "1e-320", "0.5", "\"x\"", "null", "[]", "{}", "true"]

  @Test func mutatedModelFilesNeverCrash() throws {
    var generator = SeededGenerator(seed: 20261201)
    let directory = try makeTemporaryFolder(prefix: "mutations")
    let jsonPath = directory.appendingPathComponent("model.json").path
    let tensorPath = directory.appendingPathComponent("model.safetensors").path
    var loaded = 0
    for _ in 0..<Self.cases {
      let model = Self.models[Int(generator.next() % UInt64(Self.models.count))]
      var json = model.json
      var tensors = model.tensors
      switch generator.next() % 4 {
      case 0: json = mutateText(json, &generator)
      case 1: tensors = mutateTensorValues(tensors, &generator)
      case 2: tensors = mutateBytes(tensors, &generator)
      default:
        json = mutateText(json, &generator)
        tensors = mutateTensorValues(tensors, &generator)
      }
      // Keep the checksum right for most cases, so that the damage reaches the validation.
      if generator.next() % 8 != 0 { json = withChecksum(json, of: tensors) }
      try Data(json.utf8).write(to: URL(fileURLWithPath: jsonPath))
      try Data(tensors).write(to: URL(fileURLWithPath: tensorPath))
      let start = Date()
      do {
        let file = try ModelFile.read(path: jsonPath)
        loaded += 1
        if let p = try? file.pipeline.probabilities(Self.probe) {
          #expect(p.values.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 })
          #expect(p.rows == 3 && p.columns == file.classNames.count)
        }
      } catch {
        #expect(!error.description.isEmpty && !error.description.contains("\n"), "\(error)")
      }
      #expect(Date().timeIntervalSince(start) < 2, "a damaged model file took over 2 s")
    }
    #expect(loaded > 0 && loaded < Self.cases, "\(loaded) of \(Self.cases) mutated files loaded")
  }

  @Test func mutatedTablesNeverCrash() throws {
    var generator = SeededGenerator(seed: 7)
    let base = "filename,length,a,b,key,label\n" + (0..<20).map { "x.\($0 % 5).\($0).wav,66149,\(Double($0) / 3),\($0 % 4),K\($0 % 3),c\($0 % 2)" }.joined(separator: "\n") + "\n"
    var read = 0
    for _ in 0..<Self.cases {
      let text = mutateText(base, &generator)
      var options = TableOptions()
      options.allowMissing = generator.next() % 2 == 0
      options.dropUnlabelled = generator.next() % 2 == 0
      options.categoricalColumns = generator.next() % 2 == 0 ? ["key"] : []
      guard let records = try? CSVReader.parse(Array(text.utf8), path: "t.csv") else { continue }
      do {
        let table = try TableReader.read(records: records, path: "t.csv", options: options)
        read += 1
        let data = table.dataset
        #expect(data.features.values.count == data.count * data.featureNames.count)
        #expect(data.labels.allSatisfy { data.classNames.indices.contains($0) })
        #expect(data.groups.count == data.count && data.rowNames.count == data.count)
      } catch {
        #expect(!String(describing: error).isEmpty)
      }
    }
    #expect(read > 0)
  }

  /// One of: a number replaced by an extreme value, a key's value removed, a cut, a byte changed,
  /// a stretch repeated.
  func mutateText(_ text: String, _ generator: inout SeededGenerator) -> String {
    var bytes = Array(text.utf8)
    guard !bytes.isEmpty else { return text }
    let at = Int(generator.next() % UInt64(bytes.count))
    switch generator.next() % 5 {
    case 0:
      // The number (or word) at a random position becomes an extreme value.
      var start = at
      while start > 0, !",:[ \n".utf8.contains(bytes[start - 1]) { start -= 1 }
      var end = at
      while end < bytes.count, !",]}\n".utf8.contains(bytes[end]) { end += 1 }
      bytes.replaceSubrange(start..<end, with: Array(Self.extremes[Int(generator.next() % UInt64(Self.extremes.count))].utf8))
    case 1: bytes.removeSubrange(at..<min(bytes.count, at + Int(generator.next() % 40)))
    case 2: bytes = Array(bytes.prefix(at))
    case 3: bytes[at] = UInt8(truncatingIfNeeded: generator.next())
    default: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + Int(generator.next() % 30))], at: at)
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// A random element of a random tensor set to an extreme value of its type.
  func mutateTensorValues(_ bytes: [UInt8], _ generator: inout SeededGenerator) -> [UInt8] {
    guard var archive = try? TensorArchive(serialized: bytes), !archive.tensors.isEmpty else { return bytes }
    let names = archive.tensors.keys.sorted()
    let name = names[Int(generator.next() % UInt64(names.count))]
    let tensor = archive.tensors[name]!
    guard tensor.elementCount > 0 else { return bytes }
    let index = Int(generator.next() % UInt64(tensor.elementCount))
    archive.remove(name)
    switch tensor.dtype {
    case .f64:
      var values = (try? TensorArchive(serialized: bytes).doubles(name, shape: tensor.shape, finite: false)) ?? []
      values[index] = [Double.nan, .infinity, -.infinity, 1e308, -1e308, 0, -1, .leastNonzeroMagnitude][Int(generator.next() % 8)]
      archive.add(name, values, shape: tensor.shape)
    case .i32:
      var values = (try? TensorArchive(serialized: bytes).int32s(name, shape: tensor.shape)) ?? []
      values[index] = [Int32.min, .max, -1, -2, 0, 1, 1_000_000_000, Int32(values.count)][Int(generator.next() % 8)]
      archive.add(name, values, shape: tensor.shape)
    case .i64:
      var values = (try? TensorArchive(serialized: bytes).int64s(name, shape: tensor.shape)) ?? []
      values[index] = [Int64.min, .max, -1, 0, 1, Int64(values.count), 1 << 40][Int(generator.next() % 7)]
      archive.add(name, values, shape: tensor.shape)
    case .f32:
      var values = (try? TensorArchive(serialized: bytes).floats(name, shape: tensor.shape, finite: false)) ?? []
      values[index] = .nan
      archive.add(name, values, shape: tensor.shape)
    }
    return archive.serialized()
  }

  /// Random bytes changed anywhere, header included.
  func mutateBytes(_ bytes: [UInt8], _ generator: inout SeededGenerator) -> [UInt8] {
    var bytes = bytes
    for _ in 0..<(1 + generator.next() % 4) where !bytes.isEmpty {
      bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
    }
    return bytes
  }

  func withChecksum(_ json: String, of tensors: [UInt8]) -> String {
    var lines = json.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    for (i, line) in lines.enumerated() {
      if line.contains("\"checksum\"") { lines[i] = "    \"checksum\" : \"xxh64:\(String(xxHash64(tensors), radix: 16))\"," }
      if line.contains("\"bytes\"") { lines[i] = "    \"bytes\" : \(tensors.count)," }
    }
    return lines.joined(separator: "\n")
  }
}
