import ArgumentParser
import AudioFeatures
import Foundation
import TabularIO
import TensorIO

struct Merge: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge", abstract: "Join the outputs of 'extract --shard' or 'dataset --shard' into what one run writes.",
    discussion: """
      Parts are feature tables (with their manifests) or dataset directories, all of one kind. \
      Their rows are ordered by source file as one run over every input orders them, so the \
      result is byte for byte what that run writes. Parts that hold the same file are refused.

      Examples:
        genrekit merge part-0.csv part-1.csv part-2.csv part-3.csv \\
          --output features.csv
        genrekit merge logmel-0 logmel-1 --output logmel-3s
      """)

  @Argument(help: "The shards' outputs: feature tables or dataset directories.") var parts: [String]
  @Option(help: "The table or dataset directory to write.") var output: String

  func run() throws {
    let datasets = parts.filter { FileManager.default.fileExists(atPath: PathName.joining($0, DatasetDirectory.manifestFile)) }
    guard datasets.isEmpty || datasets.count == parts.count else { throw CLIFailure.usage("give only feature tables or only dataset directories") }
    if datasets.isEmpty {
      let inputs = parts + parts.map(ExtractionManifest.path(forTable:))
      try OutputSafety.check(outputs: [("--output", output), ("the manifest", ExtractionManifest.path(forTable: output))], inputs: inputs)
      let rows = try Sharding.mergeTables(parts, into: output)
      log("genrekit: merged \(parts.count) tables: \(rows) rows in \(output)")
    } else {
      let files = [DatasetDirectory.arrayFile, DatasetDirectory.indexFile, DatasetDirectory.manifestFile]
      try OutputSafety.check(
        outputs: files.map { ("--output", PathName.joining(output, $0)) }, inputs: parts.flatMap { part in files.map { PathName.joining(part, $0) } })
      let segments = try Sharding.mergeDatasets(parts, into: output)
      log("genrekit: merged \(parts.count) datasets: \(segments) segments in \(output)")
    }
  }
}
