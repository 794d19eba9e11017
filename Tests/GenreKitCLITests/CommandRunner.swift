import Foundation
import TestSupport

/// Runs the built `genrekit` executable, as a user or another tool would.
struct CommandResult {
  var status: Int32
  var standardOutput: String
  var standardError: String
}

enum GenreKitBinary {
  /// The executable sits beside the test bundle in the build products directory.
  static let url: URL = {
    let products = Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }?.bundleURL
      .deletingLastPathComponent() ?? Bundle.main.bundleURL
    return products.appendingPathComponent("genrekit")
  }()

  /// `environment`: variables set for this run on top of the test process's.
  static func run(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) throws -> CommandResult {
    let process = Process()
    process.executableURL = url
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let output = Pipe()
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(
      status: process.terminationStatus, standardOutput: String(decoding: out, as: UTF8.self),
      standardError: String(decoding: err, as: UTF8.self))
  }
}

/// Fixture signals of AudioFeaturesTests, shared with these tests.
enum CLIFixtures {
  static let projectRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  static func signal(_ name: String) -> URL {
    projectRoot.appendingPathComponent("Tests/AudioFeaturesTests/Fixtures/signals/\(name)")
  }
  static let sharedCorruptFile = projectRoot.deletingLastPathComponent()
    .appendingPathComponent("shared/data/gtzan/corrupt/jazz.00054.wav")
}

/// A new folder in the temporary directory, removed when the test process exits.
func makeTemporaryDirectory() throws -> URL { try makeTemporaryFolder(prefix: "genrekit-cli") }

func readLines(_ url: URL) throws -> [String] {
  try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
    .dropLast().map(String.init)
}
