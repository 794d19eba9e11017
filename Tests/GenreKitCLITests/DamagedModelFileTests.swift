import Foundation
import TensorIO
import Testing

/// Model files are untrusted input: every damaged or hand-edited copy of a real model file is
/// refused with exit status 2 and one line naming the file and what is wrong; none crashes, hangs
/// or predicts from memory it does not own.
@Suite(.serialized) struct DamagedModelFileTests {
  /// The bundled GTZAN table (1000 rows, 57 features, 10 classes).
  static let table = CLIFixtures.projectRoot.appendingPathComponent("Sources/Learning/Resources/gtzan_features_30_sec.csv").path

  /// Real model files, trained once: logreg (10 × 57 weights), MLP (57-100-10), a 5-tree forest, kNN.
  static let models: [String: URL] = {
    let directory = try! makeTemporaryDirectory()
    var paths: [String: URL] = [:]
    for (kind, options) in [("logreg", []), ("mlp", ["--max-iter", "5"]), ("forest", ["--trees", "5"]), ("knn", [])] {
      let path = directory.appendingPathComponent("\(kind).json")
      let result = try! GenreKitBinary.run(["train", table, "--model", kind, "--output", path.path] + options)
      precondition(result.status == 0, result.standardError)
      paths[kind] = path
    }
    return paths
  }()

  /// A model file opened for editing: its JSON as a dictionary and its tensors.
  struct EditableModel {
    var json: [String: Any]
    var tensors: TensorArchive
    let tensorFile: String

    init(_ url: URL) throws {
      json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
      tensorFile = (json["tensors"] as! [String: Any])["file"] as! String
      tensors = try TensorArchive(serialized: [UInt8](Data(contentsOf: url.deletingPathExtension().appendingPathExtension("safetensors"))))
    }

    /// Writes `name.json` and `name.safetensors`, with the checksum of the edited tensors (as a
    /// careful hand-editor would), so that the values themselves must be checked.
    func write(to directory: URL, name: String) throws -> URL {
      let bytes = tensors.serialized()
      var json = json
      var reference = json["tensors"] as! [String: Any]
      if reference["file"] as? String == tensorFile { reference["file"] = "\(name).safetensors" }
      reference["bytes"] = bytes.count
      reference["checksum"] = "xxh64:" + String(xxHash64(bytes), radix: 16)
      json["tensors"] = reference
      try Data(bytes).write(to: directory.appendingPathComponent("\(name).safetensors"))
      let url = directory.appendingPathComponent("\(name).json")
      try JSONSerialization.data(withJSONObject: json).write(to: url)
      return url
    }

    mutating func replace(_ name: String, _ values: [Double], shape: [Int]) {
      tensors.remove(name)
      tensors.add(name, values, shape: shape)
    }

    mutating func replace(_ name: String, _ values: [Int32], shape: [Int]) {
      tensors.remove(name)
      tensors.add(name, values, shape: shape)
    }

    mutating func edit(_ name: String, at index: Int, to value: Int32) throws {
      let shape = tensors.tensors[name]!.shape
      var values = try tensors.int32s(name, shape: shape)
      values[index] = value
      replace(name, values, shape: shape)
    }

    mutating func edit(_ name: String, at index: Int, to value: Double) throws {
      let shape = tensors.tensors[name]!.shape
      var values = try tensors.doubles(name, shape: shape, finite: false)
      values[index] = value
      replace(name, values, shape: shape)
    }

    mutating func editModel(_ key: String, _ value: Any) {
      json[key] = value
    }
  }

  struct Damage: CustomTestStringConvertible, Sendable {
    var name: String
    var kind: String
    var expected: String
    var apply: @Sendable (inout EditableModel) throws -> Void
    var testDescription: String { name }
  }

  static let damages: [Damage] = [
    Damage(name: "an unknown framing in how songs are read", kind: "logreg", expected: "input.compat 'v07' is not kaggle or librosa") {
      var input = $0.json["input"] as! [String: Any]
      input["compat"] = "v07"
      $0.json["input"] = input
    },
    Damage(name: "a negative segment length", kind: "forest", expected: "input.segmentSeconds -3.0 is out of range") {
      var input = $0.json["input"] as! [String: Any]
      input["segmentSeconds"] = -3
      $0.json["input"] = input
    },
    Damage(name: "MFCC input for a model of rows", kind: "knn", expected: "input.representation 'mfcc' does not make feature-rows") {
      var input = $0.json["input"] as! [String: Any]
      input["representation"] = "mfcc"
      $0.json["input"] = input
    },
    Damage(name: "logreg with 100 of its 570 weights", kind: "logreg", expected: "tensor logreg.coef has shape [100], expected [10, 57]") {
      $0.replace("logreg.coef", [Double](repeating: 0.1, count: 100), shape: [100])
    },
    Damage(name: "logreg weights transposed", kind: "logreg", expected: "tensor logreg.coef has shape [57, 10], expected [10, 57]") {
      let values = try $0.tensors.doubles("logreg.coef", shape: [10, 57])
      $0.replace("logreg.coef", values, shape: [57, 10])
    },
    Damage(name: "logreg with 11 intercepts", kind: "logreg", expected: "tensor logreg.intercept has shape [11], expected [10]") {
      $0.replace("logreg.intercept", [Double](repeating: 0, count: 11), shape: [11])
    },
    Damage(name: "a class name removed", kind: "logreg", expected: "tensor logreg.coef has shape [10, 57], expected [9, 57]") {
      $0.json["classes"] = Array(($0.json["classes"] as! [String]).dropLast())
    },
    Damage(name: "a class name twice", kind: "logreg", expected: "classes names 'blues' twice") {
      var names = $0.json["classes"] as! [String]
      names[1] = names[0]
      $0.json["classes"] = names
    },
    Damage(name: "a NaN weight", kind: "logreg", expected: "tensor logreg.coef: element 3 is nan, not a finite number") {
      try $0.edit("logreg.coef", at: 3, to: Double.nan)
    },
    Damage(name: "scaler scale 0", kind: "logreg", expected: "scaler.scale[2] is 0.0; scales must be positive") {
      try $0.edit("scaler.scale", at: 2, to: 0.0)
    },
    Damage(name: "MLP with 2 of its 10 output biases", kind: "mlp", expected: "tensor mlp.intercepts.1 has shape [2], expected [10]") {
      $0.replace("mlp.intercepts.1", [0.0, 0.0], shape: [2])
    },
    Damage(name: "MLP first layer with 50 rows", kind: "mlp", expected: "tensor mlp.coefs.0 has shape [50, 100], expected [57, 100]") {
      $0.replace("mlp.coefs.0", [Double](repeating: 0, count: 5000), shape: [50, 100])
    },
    Damage(name: "MLP layer sizes that skip the classes", kind: "mlp", expected: "layerSizes is [57, 100]") {
      $0.editModel("layerSizes", [57, 100])
    },
    Damage(name: "forest child index 10⁹", kind: "forest", expected: "tree 0: node 0 has child 1000000000") {
      try $0.edit("forest.left", at: 0, to: Int32(1_000_000_000))
    },
    Damage(name: "forest child index −5", kind: "forest", expected: "tree 0: node 0 has child -5") {
      try $0.edit("forest.right", at: 0, to: Int32(-5))
    },
    Damage(name: "forest node that is its own child", kind: "forest", expected: "tree 0: node 1 has child 1") {
      let feature = try $0.tensors.int32s("forest.feature", shape: $0.tensors.tensors["forest.feature"]!.shape)
      #expect(feature[1] >= 0, "node 1 of tree 0 is expected to be internal")
      try $0.edit("forest.left", at: 1, to: Int32(1))
    },
    Damage(name: "forest node reached twice", kind: "forest", expected: "tree 0: node 1 is the child of 2 nodes") {
      let left = try $0.tensors.int32s("forest.left", shape: $0.tensors.tensors["forest.left"]!.shape)
      try $0.edit("forest.right", at: 0, to: left[0])
    },
    Damage(name: "forest feature index 500", kind: "forest", expected: "tree 0: node 0 splits on feature 500; the model has 57 features") {
      try $0.edit("forest.feature", at: 0, to: Int32(500))
    },
    Damage(name: "forest leaf counts of 9 classes", kind: "forest", expected: "tensor forest.leaf_counts has shape") {
      let shape = $0.tensors.tensors["forest.leaf_counts"]!.shape
      $0.replace("forest.leaf_counts", [Int32](repeating: 1, count: shape[0] * 9), shape: [shape[0], 9])
    },
    Damage(name: "forest leaf with no samples", kind: "forest", expected: "tree 0: leaf 0 has counts [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]") {
      let shape = $0.tensors.tensors["forest.leaf_counts"]!.shape
      var counts = try $0.tensors.int32s("forest.leaf_counts", shape: shape)
      for c in 0..<10 { counts[c] = 0 }
      $0.replace("forest.leaf_counts", counts, shape: shape)
    },
    Damage(name: "forest node offsets past the nodes", kind: "forest", expected: "forest.node_offsets must rise from 0") {
      let shape = $0.tensors.tensors["forest.node_offsets"]!.shape
      var offsets = try $0.tensors.int64s("forest.node_offsets", shape: shape)
      offsets[offsets.count - 1] += 1
      $0.tensors.remove("forest.node_offsets")
      $0.tensors.add("forest.node_offsets", offsets, shape: shape)
    },
    Damage(name: "kNN training label 99", kind: "knn", expected: "tensor knn.labels: element 7 is 99, outside 0...9") {
      try $0.edit("knn.labels", at: 7, to: Int32(99))
    },
    Damage(name: "kNN k = 0", kind: "knn", expected: "k is 0; it must be in 1...1000") { $0.editModel("k", 0) },
    Damage(name: "kNN k above the training rows", kind: "knn", expected: "k is 1001") { $0.editModel("k", 1001) },
    Damage(name: "kNN k as text", kind: "knn", expected: "field k is not an integer") { $0.editModel("k", "five") },
    Damage(name: "kind svm", kind: "knn", expected: "unknown model kind 'svm' (this GenreKit knows knn, forest, logreg, mlp, hmm, cnn, fnn)") {
      $0.json["kind"] = "svm"
    },
    Damage(name: "no class names", kind: "knn", expected: "field classes is missing") { $0.json["classes"] = nil },
    Damage(name: "a tensor file outside the model's folder", kind: "knn", expected: "tensors.file '../x.safetensors' must be a file name") {
      var reference = $0.json["tensors"] as! [String: Any]
      reference["file"] = "../x.safetensors"
      $0.json["tensors"] = reference
    },
  ]

  /// Whatever the damage, one line on stderr naming the file, exit status 2.
  func expectRefusal(_ model: URL, containing fragment: String) throws {
    let result = try GenreKitBinary.run(["predict", model.path, Self.table])
    #expect(result.status == 2, "\(result.standardError)")
    let lines = result.standardError.split(separator: "\n")
    #expect(lines.count == 1, "\(result.standardError)")
    #expect(result.standardError.hasPrefix("genrekit: \(model.path): "), "\(result.standardError)")
    #expect(result.standardError.contains(fragment), "expected «\(fragment)» in \(result.standardError)")
    #expect(result.standardOutput.isEmpty)
  }

  @Test(arguments: damages)
  func damagedModelFilesAreRefused(damage: Damage) throws {
    var model = try EditableModel(Self.models[damage.kind]!)
    try damage.apply(&model)
    let directory = try makeTemporaryDirectory()
    try expectRefusal(try model.write(to: directory, name: "damaged"), containing: damage.expected)
  }

  @Test func undamagedCopiesStillPredict() throws {
    let directory = try makeTemporaryDirectory()
    for kind in Self.models.keys.sorted() {
      let copy = try EditableModel(Self.models[kind]!).write(to: directory, name: kind)
      let result = try GenreKitBinary.run(["predict", copy.path, Self.table])
      #expect(result.status == 0, "\(kind): \(result.standardError)")
      #expect(result.standardOutput.split(separator: "\n").count == 1001)
    }
  }

  @Test func tensorFilesThatDoNotBelongAreRefused() throws {
    let directory = try makeTemporaryDirectory()
    let logreg = Self.models["logreg"]!
    let json = directory.appendingPathComponent("model.json")
    try FileManager.default.copyItem(at: logreg, to: json)
    try expectRefusal(json, containing: "its tensor file")
    // The tensors of another model under this model's name: the checksum differs.
    try FileManager.default.copyItem(
      at: Self.models["knn"]!.deletingPathExtension().appendingPathExtension("safetensors"),
      to: directory.appendingPathComponent("logreg.safetensors"))
    let moved = directory.appendingPathComponent("logreg.json")
    try FileManager.default.copyItem(at: logreg, to: moved)
    try expectRefusal(moved, containing: "does not belong to this model file")
  }

  /// Finite but huge weights overflow on real rows: an error naming the row, never "nan".
  @Test func overflowingArithmeticIsAnErrorNotNaN() throws {
    var model = try EditableModel(Self.models["logreg"]!)
    try model.edit("logreg.coef", at: 0, to: 1e308)
    try model.edit("logreg.coef", at: 570 - 57, to: -1e308)
    let directory = try makeTemporaryDirectory()
    let result = try GenreKitBinary.run(["predict", try model.write(to: directory, name: "huge").path, Self.table])
    #expect(result.status == 2, "\(result.standardError)")
    #expect(result.standardError.contains("class probabilities are not finite"), "\(result.standardError)")
    #expect(!result.standardOutput.contains("nan"))
  }
}
