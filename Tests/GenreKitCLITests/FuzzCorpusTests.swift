import Foundation
import Testing

/// The fuzz targets' seeds and past crashes (Tests/Fuzz) replayed through each target in the
/// ordinary build: none may crash.
@Suite struct FuzzCorpusTests {
  static let targets = ["table", "model", "tensors", "npy", "audio", "upload"]

  @Test(arguments: targets)
  func corpusReplaysWithoutACrash(target: String) throws {
    let fuzz = GenreKitBinary.url.deletingLastPathComponent().appendingPathComponent("genrekit-fuzz")
    let folders = ["corpus", "crashes"].map { CLIFixtures.projectRoot.appendingPathComponent("Tests/Fuzz/\($0)/\(target)").path }
      .filter { FileManager.default.fileExists(atPath: $0) }
    let process = Process()
    process.executableURL = fuzz
    process.arguments = [target] + folders
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0 && printed.hasPrefix("\(target): "), "\(printed)")
    let count = Int(printed.split(separator: " ")[1]) ?? 0
    #expect(count >= 2, "the corpus of \(target) has seeds")
  }
}
