import Foundation
import Testing

/// The compare/split/train/evaluate/predict/pca contract.
@Suite struct ModelCommandTests {
  /// A small GTZAN-schema table: 3 separable classes, 8 tracks each, 2 segments per track.
  func table(in directory: URL) throws -> URL {
    var lines = ["filename,length,f1,f2,label"]
    for (c, genre) in ["blues", "jazz", "rock"].enumerated() {
      for track in 0..<8 {
        for segment in 0..<2 {
          lines.append("\(genre).\(String(format: "%05d", track)).\(segment).wav,66149,\(Double(10 * c) + Double(track % 3)),\(Double(segment) - Double(c)),\(genre)")
        }
      }
    }
    let url = directory.appendingPathComponent("table.csv")
    try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
    return url
  }

  @Test func compareCSVHasTheContractHeaderAndOneRowPerModel() throws {
    let directory = try makeTemporaryDirectory()
    let result = try GenreKitBinary.run(["compare", try table(in: directory).path, "--folds", "4", "--format", "csv", "--models", "knn,logreg"])
    #expect(result.status == 0, "\(result.standardError)")
    let lines = result.standardOutput.split(separator: "\n").map(String.init)
    #expect(lines.first == "model,accuracy,macro_f1,fit_seconds,predict_seconds")
    #expect(lines.dropFirst().map { $0.prefix { $0 != "," } } == ["knn", "logreg"])
    #expect(lines.dropFirst().allSatisfy { Double($0.split(separator: ",")[1]) == 1.0 })
  }

  @Test func trainEvaluatePredictRoundTrip() throws {
    let directory = try makeTemporaryDirectory()
    let data = try table(in: directory).path
    let model = directory.appendingPathComponent("model.json").path
    #expect(try GenreKitBinary.run(["train", data, "--model", "forest", "--trees", "10", "--output", model]).status == 0)
    let evaluation = try GenreKitBinary.run(["evaluate", model, data, "--format", "json"])
    #expect(evaluation.status == 0)
    #expect(evaluation.standardOutput.contains("\"accuracy\" : 1"))
    let prediction = try GenreKitBinary.run(["predict", model, data, "--top", "2"])
    #expect(prediction.status == 0)
    let lines = prediction.standardOutput.split(separator: "\n")
    #expect(lines.first == "row,class_1,probability_1,class_2,probability_2")
    #expect(lines.dropFirst().first?.hasPrefix("blues.00000.0.wav,blues,") == true)
  }

  @Test func badTablesAndModelFilesExitWithTwo() throws {
    let directory = try makeTemporaryDirectory()
    let data = try table(in: directory).path
    func expectRefusal(_ arguments: [String], mentioning fragment: String) throws {
      let result = try GenreKitBinary.run(arguments)
      #expect(result.status == 2, "\(arguments): \(result.standardError)")
      #expect(result.standardError.contains(fragment), "\(arguments): \(result.standardError)")
      #expect(!result.standardError.contains("Fatal error"))
    }
    let ragged = directory.appendingPathComponent("ragged.csv")
    try "filename,f1,label\nblues.00000.wav,1,blues\nblues.00001.wav,2\n".write(to: ragged, atomically: true, encoding: .utf8)
    try expectRefusal(["compare", ragged.path], mentioning: "ragged.csv:3")
    let empty = directory.appendingPathComponent("empty.csv")
    try "".write(to: empty, atomically: true, encoding: .utf8)
    try expectRefusal(["compare", empty.path], mentioning: "empty")

    let model = directory.appendingPathComponent("model.json")
    #expect(try GenreKitBinary.run(["train", data, "--model", "logreg", "--output", model.path]).status == 0)
    let text = try String(contentsOf: model, encoding: .utf8)
    let truncated = directory.appendingPathComponent("truncated.json")
    try String(text.prefix(text.count / 2)).write(to: truncated, atomically: true, encoding: .utf8)
    try expectRefusal(["predict", truncated.path, data], mentioning: "not a GenreKit model file")
    let future = directory.appendingPathComponent("future.json")
    try text.replacingOccurrences(of: "\"formatVersion\" : 2", with: "\"formatVersion\" : 99").write(to: future, atomically: true, encoding: .utf8)
    try expectRefusal(["predict", future.path, data], mentioning: "version 99")
    let other = directory.appendingPathComponent("other.csv")
    try "filename,f1,label\nblues.00000.wav,1,blues\n".write(to: other, atomically: true, encoding: .utf8)
    try expectRefusal(["predict", model.path, other.path], mentioning: "f2")
  }

  @Test func pcaWritesTheProjection() throws {
    let directory = try makeTemporaryDirectory()
    let output = directory.appendingPathComponent("pca.csv")
    let result = try GenreKitBinary.run(["pca", try table(in: directory).path, "--components", "2", "--output", output.path])
    #expect(result.status == 0)
    let lines = try readLines(output)
    #expect(lines.first == "row,label,pc1,pc2")
    #expect(lines.count == 49)
  }
}
