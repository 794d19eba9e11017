import Foundation
import Testing

/// `--shard i/n` and `genrekit merge`: the shards' outputs joined are byte for byte what one run
/// over every input writes, for feature tables (and their manifests) and segment datasets.
@Suite struct ShardCommandTests {
  func run(_ arguments: [String], status: Int32 = 0) throws -> CommandResult {
    let result = try GenreKitBinary.run(arguments)
    #expect(result.status == status, "\(arguments): \(result.standardError)")
    return result
  }

  @Test func mergedShardsEqualOneRun() throws {
    let audio = try SequenceModelCommandTests().dataset().deletingLastPathComponent().appendingPathComponent("audio")
    let root = audio.deletingLastPathComponent()
    func path(_ name: String) -> String { root.appendingPathComponent(name).path }
    let count = 3
    _ = try run(["extract", audio.path, "--segment-seconds", "3", "--output", path("whole.csv")])
    for i in 0..<count { _ = try run(["extract", audio.path, "--segment-seconds", "3", "--shard", "\(i)/\(count)", "--output", path("part-\(i).csv")]) }
    let parts = (0..<count).map { path("part-\($0).csv") }.filter { FileManager.default.fileExists(atPath: $0) }
    #expect(parts.count >= 2, "the four files fall in at least two of three shards")
    // Merged in another folder: the manifest's paths are made relative to the merged table's.
    try FileManager.default.createDirectory(atPath: path("merged"), withIntermediateDirectories: true)
    _ = try run(["merge"] + parts.reversed() + ["--output", path("merged/features.csv")])
    _ = try run(["extract", audio.path, "--segment-seconds", "3", "--output", path("merged/reference.csv")])
    #expect(try Data(contentsOf: URL(fileURLWithPath: path("merged/features.csv"))) == Data(contentsOf: URL(fileURLWithPath: path("whole.csv"))))
    #expect(
      try Data(contentsOf: URL(fileURLWithPath: path("merged/features.csv.manifest.json")))
        == Data(contentsOf: URL(fileURLWithPath: path("merged/reference.csv.manifest.json"))))

    _ = try run(["dataset", audio.path, "--representation", "mfcc", "--output", path("dataset-whole")])
    for i in 0..<count { _ = try run(["dataset", audio.path, "--representation", "mfcc", "--shard", "\(i)/\(count)", "--output", path("dataset-\(i)")]) }
    let datasets = (0..<count).map { path("dataset-\($0)") }.filter { FileManager.default.fileExists(atPath: $0 + "/dataset.json") }
    _ = try run(["merge"] + datasets + ["--output", path("dataset-merged")])
    for file in ["features.npy", "segments.csv", "dataset.json"] {
      #expect(try Data(contentsOf: URL(fileURLWithPath: path("dataset-merged/\(file)"))) == Data(contentsOf: URL(fileURLWithPath: path("dataset-whole/\(file)"))), "\(file)")
    }

    // dataset --resume: the folder made when only genre a was there, resumed over both genres,
    // equals one run; a second resume has nothing to do.
    _ = try run(["dataset", audio.appendingPathComponent("a").path, "--representation", "mfcc", "--output", path("dataset-resumed")])
    let resumed = try run(["dataset", audio.path, "--representation", "mfcc", "--resume", "--output", path("dataset-resumed")])
    #expect(resumed.standardError.contains("added 4 segments of 2 files"), "\(resumed.standardError)")
    for file in ["features.npy", "segments.csv", "dataset.json"] {
      #expect(try Data(contentsOf: URL(fileURLWithPath: path("dataset-resumed/\(file)"))) == Data(contentsOf: URL(fileURLWithPath: path("dataset-whole/\(file)"))), "\(file)")
    }
    #expect(try run(["dataset", audio.path, "--representation", "mfcc", "--resume", "--output", path("dataset-resumed")]).standardError.contains("already in"))
    let other = try run(["dataset", audio.path, "--representation", "logmel", "--resume", "--output", path("dataset-resumed")], status: 2)
    #expect(other.standardError.contains("cannot resume") && other.standardError.contains("other settings"), "\(other.standardError)")

    // Overlapping parts, mixed kinds and bad shards are refused.
    let overlap = try run(["merge", parts[0], parts[0], "--output", path("x.csv")], status: 2)
    #expect(overlap.standardError.contains("the parts overlap"))
    #expect(try run(["merge", parts[0], datasets[0], "--output", path("x.csv")], status: 2).standardError.contains("only feature tables or only dataset"))
    for bad in ["3/3", "1", "-1/2", "a/b"] {
      #expect(try run(["extract", audio.path, "--shard", bad, "--output", path("x.csv")], status: 2).standardError.contains("--shard"))
    }
    #expect(!FileManager.default.fileExists(atPath: path("x.csv")))
  }
}
