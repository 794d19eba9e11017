import Foundation
import Testing

/// Outputs never destroy data: no command writes over its inputs, links are written through,
/// `-` is standard output (and standard input for tables).
@Suite struct OutputSafetyTests {
  static let table = CLIFixtures.projectRoot.appendingPathComponent("Sources/Learning/Resources/gtzan_features_30_sec.csv")

  func copyOfTable(in directory: URL) throws -> URL {
    let copy = directory.appendingPathComponent("table.csv")
    try FileManager.default.copyItem(at: Self.table, to: copy)
    return copy
  }

  @Test func anOutputThatIsAnInputIsRefusedBeforeAnyWork() throws {
    let directory = try makeTemporaryDirectory()
    let table = try copyOfTable(in: directory)
    let before = try Data(contentsOf: table)
    let link = directory.appendingPathComponent("link.csv")
    try FileManager.default.createSymbolicLink(at: link, withDestinationURL: table)
    for arguments in [
      ["pca", table.path, "--components", "2", "--output", table.path],
      ["split", table.path, "--folds", "3", "--output", link.path],
      ["train", table.path, "--model", "knn", "--output", table.path],
    ] {
      let result = try GenreKitBinary.run(arguments)
      #expect(result.status == 2, "\(arguments): \(result.standardError)")
      #expect(result.standardError.contains("never writes over its inputs"), "\(result.standardError)")
    }
    #expect(try Data(contentsOf: table) == before)

    let clip = directory.appendingPathComponent("clip.wav")
    try FileManager.default.copyItem(at: CLIFixtures.signal("white_noise.wav"), to: clip)
    let audio = try Data(contentsOf: clip)
    for arguments in [["--output", clip.path], ["--output", directory.appendingPathComponent("f.csv").path, "--errors", clip.path]] {
      let result = try GenreKitBinary.run(["extract", directory.path] + arguments)
      #expect(result.status == 2 && result.standardError.contains("never writes over its inputs"), "\(result.standardError)")
    }
    #expect(try Data(contentsOf: clip) == audio)
    let same = try GenreKitBinary.run(["extract", clip.path, "--output", directory.appendingPathComponent("o.csv").path, "--errors", directory.appendingPathComponent("o.csv").path])
    #expect(same.status == 2 && same.standardError.contains("name the same output"), "\(same.standardError)")
  }

  @Test func linksAreWrittenThroughNeverReplaced() throws {
    let directory = try makeTemporaryDirectory()
    let table = try copyOfTable(in: directory)
    let target = directory.appendingPathComponent("target.csv")
    try Data("old\n".utf8).write(to: target)
    let link = directory.appendingPathComponent("link.csv")
    try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "target.csv")
    #expect(try GenreKitBinary.run(["pca", table.path, "--components", "2", "--output", link.path]).status == 0)
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == "target.csv")
    #expect(try readLines(target).first == "row,label,pc1,pc2")
    // A dangling link: its target is created.
    let dangling = directory.appendingPathComponent("dangling.csv")
    try FileManager.default.createSymbolicLink(atPath: dangling.path, withDestinationPath: "new.csv")
    #expect(try GenreKitBinary.run(["split", table.path, "--folds", "3", "--output", dangling.path]).status == 0)
    #expect(try readLines(directory.appendingPathComponent("new.csv")).first == "id,fold")
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dangling.path) == "new.csv")
  }

  @Test func devicesAreStreamsAndDirectoriesAreRefused() throws {
    let directory = try makeTemporaryDirectory()
    let table = try copyOfTable(in: directory)
    #expect(try GenreKitBinary.run(["pca", table.path, "--components", "2", "--output", "/dev/null"]).status == 0)
    var status = stat()
    #expect(stat("/dev/null", &status) == 0 && (status.st_mode & S_IFMT) == S_IFCHR)
    let result = try GenreKitBinary.run(["pca", table.path, "--components", "2", "--output", directory.path])
    #expect(result.status == 2 && result.standardError.contains("is a directory"), "\(result.standardError)")
  }

  @Test func dashIsStandardOutput() throws {
    let directory = try makeTemporaryDirectory()
    let table = try copyOfTable(in: directory)
    let pca = try GenreKitBinary.run(["pca", table.path, "--components", "2", "--output", "-"])
    #expect(pca.status == 0)
    #expect(pca.standardOutput.split(separator: "\n").count == 1001 && pca.standardOutput.hasPrefix("row,label,pc1,pc2\n"))
    let split = try GenreKitBinary.run(["split", table.path, "--folds", "3", "--output", "-"])
    #expect(split.status == 0 && split.standardOutput.hasPrefix("id,fold\n"))
    let extract = try GenreKitBinary.run(["extract", CLIFixtures.signal("white_noise.wav").path, "--output", "-"])
    #expect(extract.status == 0)
    #expect(extract.standardOutput.split(separator: "\n").count == 2 && extract.standardOutput.hasPrefix("filename,length,"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["table.csv"])

    // A model on standard output carries its tensors inline, and predict reads it back from a file.
    let train = try GenreKitBinary.run(["train", table.path, "--model", "logreg", "--output", "-"])
    #expect(train.status == 0 && train.standardOutput.contains("\"inline\""))
    let model = directory.appendingPathComponent("model.json")
    try Data(train.standardOutput.utf8).write(to: model)
    let predicted = try GenreKitBinary.run(["predict", model.path, table.path])
    #expect(predicted.status == 0, "\(predicted.standardError)")
    #expect(predicted.standardOutput.split(separator: "\n").count == 1001)
  }

  @Test func dashIsStandardInputForTables() throws {
    let process = Process()
    process.executableURL = GenreKitBinary.url
    process.arguments = ["compare", "-", "--models", "knn", "--folds", "3", "--format", "csv"]
    process.standardInput = try FileHandle(forReadingFrom: Self.table)
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    #expect(text.hasPrefix("model,accuracy,macro_f1,fit_seconds,predict_seconds,accuracy_std,macro_f1_std\nknn,0.6"), "\(text)")
  }
}
