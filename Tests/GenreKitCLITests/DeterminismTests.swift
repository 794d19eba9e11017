import Foundation
import Testing

/// Same seed, same model, at any --jobs, at sizes where a threaded BLAS would split its sums.
@Suite struct DeterminismTests {
  func train(_ table: String, kind: String, jobs: Int, in directory: URL, options: [String] = []) throws -> (Data, Data) {
    let model = directory.appendingPathComponent("\(kind)-\(jobs).json")
    let result = try GenreKitBinary.run(["train", table, "--model", kind, "--jobs", "\(jobs)", "--output", model.path] + options)
    #expect(result.status == 0, "\(result.standardError)")
    // The JSON names its tensor file; compare it with the name taken out.
    let json = try String(contentsOf: model, encoding: .utf8).replacingOccurrences(of: "\(kind)-\(jobs).safetensors", with: "")
    return (Data(json.utf8), try Data(contentsOf: model.deletingPathExtension().appendingPathExtension("safetensors")))
  }

  @Test(arguments: ["knn", "forest", "logreg", "mlp"])
  func modelFilesAreByteIdenticalForOneAndTwoJobs(kind: String) throws {
    let directory = try makeTemporaryDirectory()
    let options = kind == "mlp" ? ["--max-iter", "40"] : []
    let one = try train(DamagedModelFileTests.table, kind: kind, jobs: 1, in: directory, options: options)
    let two = try train(DamagedModelFileTests.table, kind: kind, jobs: 2, in: directory, options: options)
    #expect(one.0 == two.0)
    #expect(one.1 == two.1)
  }

  /// 9000 rows: logistic regression's loss and gradient come from three row blocks in parallel.
  @Test func logisticRegressionOnSeveralBlocks() throws {
    let directory = try makeTemporaryDirectory()
    var lines = ["a,b,c,d,label"]
    var state: UInt64 = 7
    func next() -> Double {
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return Double(state >> 11) / Double(1 << 53)
    }
    for i in 0..<9000 {
      let c = i % 3
      lines.append((0..<4).map { _ in String(Double(c) + 2 * next()) }.joined(separator: ",") + ",c\(c)")
    }
    let table = directory.appendingPathComponent("blocks.csv")
    try (lines.joined(separator: "\n") + "\n").write(to: table, atomically: true, encoding: .utf8)
    let one = try train(table.path, kind: "logreg", jobs: 1, in: directory)
    let two = try train(table.path, kind: "logreg", jobs: 2, in: directory)
    #expect(one.0 == two.0 && one.1 == two.1)
    let predictions = [1, 2].map { jobs in
      try? GenreKitBinary.run(["compare", table.path, "--models", "logreg,knn,forest,mlp", "--folds", "2", "--jobs", "\(jobs)", "--format", "json"]).standardOutput
    }
    // Scores (and so every prediction) agree; only the timings differ.
    func scores(_ json: String?) -> [String] {
      json?.split(separator: "\n").filter { !$0.contains("Seconds") }.map(String.init) ?? []
    }
    #expect(scores(predictions[0]) == scores(predictions[1]) && !scores(predictions[0]).isEmpty)
  }
}
