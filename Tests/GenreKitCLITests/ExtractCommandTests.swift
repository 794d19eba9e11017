import Foundation
import Testing

/// The `genrekit extract` contract: arguments, output schema and order, exit status, error
/// reporting, resume and atomic output.
@Suite struct ExtractCommandTests {
  /// A directory `genre/` holding two short fixture clips.
  func clipDirectory() throws -> URL {
    let root = try makeTemporaryDirectory()
    let genre = root.appendingPathComponent("genre")
    try FileManager.default.createDirectory(at: genre, withIntermediateDirectories: true)
    for name in ["white_noise.wav", "clicks_120bpm.wav"] {
      try FileManager.default.copyItem(at: CLIFixtures.signal(name), to: genre.appendingPathComponent(name))
    }
    return root
  }

  @Test func writesTheKaggleSchemaInSortedPathOrder() throws {
    let root = try clipDirectory()
    let output = root.appendingPathComponent("features.csv")
    let result = try GenreKitBinary.run(["extract", root.path, "--output", output.path, "--quiet"])
    #expect(result.status == 0, "\(result.standardError)")
    let lines = try readLines(output)
    #expect(lines.count == 3)
    #expect(lines[0].hasPrefix("filename,length,chroma_stft_mean,chroma_stft_var,rms_mean,"))
    #expect(lines[0].hasSuffix(",mfcc20_mean,mfcc20_var,label"))
    #expect(lines[0].split(separator: ",").count == 60)
    #expect(lines[1].hasPrefix("clicks_120bpm.wav,154350,") && lines[1].hasSuffix(",genre"))
    #expect(lines[2].hasPrefix("white_noise.wav,154350,"))
    #expect(!(try String(contentsOf: output, encoding: .utf8)).contains("\r"))
  }

  @Test func outputDoesNotDependOnTheNumberOfJobs() throws {
    let root = try clipDirectory()
    let one = root.appendingPathComponent("one.csv")
    let two = root.appendingPathComponent("two.csv")
    #expect(try GenreKitBinary.run(["extract", root.path, "--output", one.path, "--jobs", "1"]).status == 0)
    #expect(try GenreKitBinary.run(["extract", root.path, "--output", two.path, "--jobs", "2"]).status == 0)
    #expect(try Data(contentsOf: one) == Data(contentsOf: two))
  }

  @Test func segmentsAndLabelOption() throws {
    let root = try clipDirectory()
    let output = root.appendingPathComponent("segments.csv")
    let result = try GenreKitBinary.run([
      "extract", root.appendingPathComponent("genre/white_noise.wav").path, "--output", output.path,
      "--segment-seconds", "3", "--label", "noise",
    ])
    #expect(result.status == 0)
    let lines = try readLines(output)
    // 7 s: segments 0 and 1 (3·22050·2 < 154350), not 2.
    #expect(lines.dropFirst().map { String($0.prefix { $0 != "," }) } == ["white_noise.0.wav", "white_noise.1.wav"])
    #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("white_noise.") && $0.contains(",66149,") && $0.hasSuffix(",noise") })
  }

  /// Every kind of bad input is named with a reason; the good file's row is still written.
  @Test func badInputsAreReportedAndTheRestIsWritten() throws {
    let root = try clipDirectory()
    let bad = root.appendingPathComponent("genre")
    let manager = FileManager.default
    #expect(manager.createFile(atPath: bad.appendingPathComponent("empty.wav").path, contents: Data()))
    #expect(manager.createFile(atPath: bad.appendingPathComponent("notes.wav").path, contents: Data("not audio\n".utf8)))
    #expect(manager.createFile(atPath: bad.appendingPathComponent("no_riff.wav").path, contents: Data(repeating: 0x5A, count: 4096)))
    try manager.createSymbolicLink(atPath: bad.appendingPathComponent("dangling.wav").path, withDestinationPath: "/nonexistent/x.wav")
    try Data(wavHeaderOnly()).write(to: bad.appendingPathComponent("zero_samples.wav"))
    try Data(floatWAV([0.1, .nan, 0.2])).write(to: bad.appendingPathComponent("nan.wav"))
    let output = root.appendingPathComponent("features.csv")
    let errors = root.appendingPathComponent("errors.csv")
    let run = try GenreKitBinary.run(["extract", root.path, "--output", output.path, "--errors", errors.path, "--quiet"])
    #expect(run.status == 1)
    #expect(try readLines(output).count == 3)
    let failed = try readLines(errors)
    #expect(failed.first == "path,level,error")
    #expect(failed.dropFirst().allSatisfy { $0.contains(",error,") })
    let expectedFailures = ["empty.wav", "notes.wav", "no_riff.wav", "dangling.wav", "zero_samples.wav", "nan.wav"]
    #expect(failed.count == expectedFailures.count + 1)
    for name in expectedFailures {
      #expect(failed.contains { $0.contains(name) }, "\(name) missing from errors.csv")
      #expect(run.standardError.contains(name), "\(name) not reported on stderr")
    }
    #expect(failed.contains { $0.contains("nan.wav") && $0.contains("not a finite number") })
    #expect(failed.contains { $0.contains("zero_samples.wav") && $0.contains("no audio samples") })
  }

  /// The known-corrupt GTZAN file (no RIFF header).
  @Test(.enabled(if: FileManager.default.fileExists(atPath: CLIFixtures.sharedCorruptFile.path), "needs ../shared/data/gtzan/corrupt"))
  func theCorruptGTZANFileIsNamed() throws {
    let root = try clipDirectory()
    let output = root.appendingPathComponent("features.csv")
    let run = try GenreKitBinary.run(["extract", root.path, CLIFixtures.sharedCorruptFile.path, "--output", output.path, "--quiet"])
    #expect(run.status == 1)
    #expect(run.standardError.contains("\(CLIFixtures.sharedCorruptFile.path): cannot decode audio"), "\(run.standardError)")
    #expect(try readLines(output).count == 3)
  }

  @Test func aRunWhereEverythingFailsLeavesTheOutputAlone() throws {
    let root = try makeTemporaryDirectory()
    let output = root.appendingPathComponent("features.csv")
    try Data("previous contents\n".utf8).write(to: output)
    let text = root.appendingPathComponent("a.wav")
    #expect(FileManager.default.createFile(atPath: text.path, contents: Data("text".utf8)))
    let result = try GenreKitBinary.run(["extract", text.path, "--output", output.path])
    #expect(result.status == 1)
    #expect(try String(contentsOf: output, encoding: .utf8) == "previous contents\n")
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: root.path)
    #expect(Set(leftovers) == ["features.csv", "a.wav"])
  }

  @Test func anInterruptedRunLeavesTheOutputAlone() throws {
    let root = try makeTemporaryDirectory()
    for i in 0..<80 {  // ~3 s of work
      try FileManager.default.copyItem(at: CLIFixtures.signal("white_noise.wav"), to: root.appendingPathComponent("n\(i).wav"))
    }
    let output = root.appendingPathComponent("features.csv")
    try Data("previous contents\n".utf8).write(to: output)
    let process = Process()
    process.executableURL = GenreKitBinary.url
    process.arguments = ["extract", root.path, "--output", output.path, "--jobs", "1", "--quiet"]
    try process.run()
    // Interrupt only once the run is under way: it holds its (unnamed, on Linux) output open in
    // the folder.
    let deadline = Date().addingTimeInterval(20)
    func writing() -> Bool {
      let descriptors = "/proc/\(process.processIdentifier)/fd"
      return ((try? FileManager.default.contentsOfDirectory(atPath: descriptors)) ?? []).contains { fd in
        let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(descriptors)/\(fd)")) ?? ""
        return target.hasPrefix(root.path) && !target.hasSuffix(".wav")
      }
    }
    while !writing() && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
    #expect(writing() && process.isRunning, "the run was not in progress when interrupted")
    process.interrupt()
    process.waitUntilExit()
    #expect(process.terminationStatus != 0)
    #expect(try String(contentsOf: output, encoding: .utf8) == "previous contents\n")
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { !$0.hasSuffix(".wav") }
    #expect(leftovers == ["features.csv"])
  }

  @Test func usageErrorsExitWithTwo() throws {
    let empty = try makeTemporaryDirectory()
    let noAudio = try GenreKitBinary.run(["extract", empty.path, "--output", empty.appendingPathComponent("x.csv").path])
    #expect(noAudio.status == 2)
    #expect(noAudio.standardError.contains("no audio files found"))
    let badJobs = try GenreKitBinary.run(["extract", empty.path, "--output", "x.csv", "--jobs", "0"])
    #expect(badJobs.status == 2)
    let missingOutput = try GenreKitBinary.run(["extract", empty.path])
    #expect(missingOutput.status == 2)
  }

  @Test func resumeKeepsExistingRowsAndAddsTheMissingOnes() throws {
    let root = try clipDirectory()
    let genre = root.appendingPathComponent("genre")
    let output = root.appendingPathComponent("features.csv")
    let firstRun = try GenreKitBinary.run(["extract", genre.appendingPathComponent("white_noise.wav").path, "--output", output.path])
    #expect(firstRun.status == 0)
    let manifest = try String(contentsOf: root.appendingPathComponent("features.csv.manifest.json"), encoding: .utf8)
    #expect(manifest.contains(#""path" : "genre/white_noise.wav""#) && manifest.contains(#""rows" : 1"#), "\(manifest)")
    // Mark the kept row so that reprocessing it would show.
    try markFirstRow(of: output, length: 154_350)

    let resumed = try GenreKitBinary.run(["extract", genre.path, "--output", output.path, "--resume"])
    #expect(resumed.status == 0)
    let after = try readLines(output)
    #expect(after.count == 3)
    #expect(after[1].hasPrefix("clicks_120bpm.wav,154350,"))
    #expect(after[2].hasPrefix("white_noise.wav,1,"))

    let again = try GenreKitBinary.run(["extract", genre.path, "--output", output.path, "--resume"])
    #expect(again.status == 0 && again.standardError.contains("all 2 inputs are already in"))
    #expect(try readLines(output) == after)
  }

  /// Replaces the `length` field of the first row by 1, so that a kept row can be told from a
  /// re-extracted one.
  func markFirstRow(of table: URL, length: Int) throws {
    var lines = try readLines(table)
    lines[1] = lines[1].replacingOccurrences(of: ",\(length),", with: ",1,")
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: table)
  }

  /// Inputs are recognised by path, not by name: the same name in two folders, or the WAV and the
  /// FLAC of one stem, are different inputs.
  @Test func resumeTellsInputsApartByPath() throws {
    let root = try makeTemporaryDirectory()
    let manager = FileManager.default
    for folder in ["a", "b"] {
      try manager.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
      try manager.copyItem(at: CLIFixtures.signal("white_noise.wav"), to: root.appendingPathComponent("\(folder)/x.wav"))
    }
    // libsndfile reads by content, so a WAV named .flac stands for the FLAC of the same stem.
    try manager.copyItem(at: CLIFixtures.signal("white_noise.wav"), to: root.appendingPathComponent("a/x.flac"))
    let output = root.appendingPathComponent("features.csv")
    #expect(try GenreKitBinary.run(["extract", root.appendingPathComponent("a/x.wav").path, "--output", output.path, "--segment-seconds", "3"]).status == 0)
    try markFirstRow(of: output, length: 66_149)
    let resumed = try GenreKitBinary.run(["extract", root.path, "--output", output.path, "--segment-seconds", "3", "--resume"])
    #expect(resumed.status == 0, "\(resumed.standardError)")
    let names = try readLines(output).dropFirst().map { $0.split(separator: ",").prefix(2).joined(separator: ",") }
    // Sorted paths: a/x.flac, a/x.wav (kept), b/x.wav; two segments each.
    #expect(names == ["x.0.wav,66149", "x.1.wav,66149", "x.0.wav,1", "x.1.wav,66149", "x.0.wav,66149", "x.1.wav,66149"])
  }

  @Test func resumeRefusesOtherSettingsOrAMissingManifest() throws {
    let root = try clipDirectory()
    let clip = root.appendingPathComponent("genre/white_noise.wav").path
    let output = root.appendingPathComponent("features.csv")
    #expect(try GenreKitBinary.run(["extract", clip, "--output", output.path, "--segment-seconds", "3"]).status == 0)
    let before = try Data(contentsOf: output)
    for options in [["--segment-seconds", "5"], [], ["--segment-seconds", "3", "--compat", "librosa"]] {
      let result = try GenreKitBinary.run(["extract", root.path, "--output", output.path, "--resume"] + options)
      #expect(result.status == 2, "\(options): \(result.standardError)")
      #expect(result.standardError.contains("cannot resume: it was extracted with compat kaggle, segments of 3 s"), "\(result.standardError)")
    }
    try FileManager.default.removeItem(at: root.appendingPathComponent("features.csv.manifest.json"))
    let noManifest = try GenreKitBinary.run(["extract", root.path, "--output", output.path, "--segment-seconds", "3", "--resume"])
    #expect(noManifest.status == 2 && noManifest.standardError.contains("manifest"), "\(noManifest.standardError)")
    #expect(try Data(contentsOf: output) == before)
  }

  /// A clip cut short still gives its (shorter) row, with a warning on stderr and in --errors.
  @Test func truncatedAudioIsAWarning() throws {
    let root = try makeTemporaryDirectory()
    let bytes = try Data(contentsOf: CLIFixtures.signal("white_noise.wav"))
    let cut = root.appendingPathComponent("cut.wav")
    try bytes.prefix(bytes.count / 3).write(to: cut)
    let output = root.appendingPathComponent("features.csv")
    let errors = root.appendingPathComponent("errors.csv")
    let result = try GenreKitBinary.run(["extract", cut.path, "--output", output.path, "--errors", errors.path])
    #expect(result.status == 0)
    #expect(result.standardError.contains("warning: \(cut.path): the file's size disagrees with its header"), "\(result.standardError)")
    let lines = try readLines(errors)
    #expect(lines.count == 2 && lines[1].hasPrefix("\(cut.path),warning,") && lines[1].contains("decoded 2.33 s"), "\(lines)")
    #expect(try readLines(output).count == 2)
  }
}

/// A 16-bit mono WAV header announcing zero samples.
func wavHeaderOnly() -> [UInt8] { wav(format: 1, bitsPerSample: 16, data: []) }

/// A 32-bit float mono WAV.
func floatWAV(_ samples: [Float]) -> [UInt8] {
  wav(format: 3, bitsPerSample: 32, data: samples.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) })
}

private func wav(format: UInt16, bitsPerSample: UInt16, data: [UInt8]) -> [UInt8] {
  func le32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
  func le16(_ v: UInt16) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
  let rate: UInt32 = 22050
  let blockAlign = bitsPerSample / 8
  return Array("RIFF".utf8) + le32(UInt32(36 + data.count)) + Array("WAVE".utf8)
    + Array("fmt ".utf8) + le32(16) + le16(format) + le16(1) + le32(rate)
    + le32(rate * UInt32(blockAlign)) + le16(blockAlign) + le16(bitsPerSample)
    + Array("data".utf8) + le32(UInt32(data.count)) + data
}

/// The rest of extract's contract: librosa mode, resume edge cases, a commit that cannot happen.
@Suite struct ExtractOptionTests {
  let helper = ExtractCommandTests()

  @Test func compatLibrosaChangesTheFeatures() throws {
    let root = try helper.clipDirectory()
    let kaggle = root.appendingPathComponent("kaggle.csv")
    let librosa = root.appendingPathComponent("librosa.csv")
    let clip = root.appendingPathComponent("genre/clicks_120bpm.wav").path
    #expect(try GenreKitBinary.run(["extract", clip, "--output", kaggle.path]).status == 0)
    #expect(try GenreKitBinary.run(["extract", clip, "--output", librosa.path, "--compat", "librosa"]).status == 0)
    let (a, b) = (try readLines(kaggle), try readLines(librosa))
    #expect(a[0] == b[0] && a[1] != b[1])
    // Zero padding instead of reflect padding changes rms_mean, not the length.
    #expect(a[1].split(separator: ",")[1] == b[1].split(separator: ",")[1])
    #expect(a[1].split(separator: ",")[4] != b[1].split(separator: ",")[4])
  }

  @Test func resumeKeepsRowsOfFilesThatAreNotInputsAndRefusesAnotherSchema() throws {
    let root = try helper.clipDirectory()
    let genre = root.appendingPathComponent("genre")
    let output = root.appendingPathComponent("features.csv")
    #expect(try GenreKitBinary.run(["extract", genre.path, "--output", output.path]).status == 0)
    // Another run over one of the two files (and a new one) keeps the other file's row.
    try FileManager.default.copyItem(at: CLIFixtures.signal("sine_440.wav"), to: genre.appendingPathComponent("sine_440.wav"))
    let resumed = try GenreKitBinary.run(["extract", genre.appendingPathComponent("sine_440.wav").path, "--output", output.path, "--resume"])
    #expect(resumed.status == 0, "\(resumed.standardError)")
    #expect(try readLines(output).dropFirst().map { String($0.prefix { $0 != "," }) } == ["sine_440.wav", "clicks_120bpm.wav", "white_noise.wav"])
    // A table in another schema is not resumed.
    try "a,b\n1,2\n".write(to: output, atomically: true, encoding: .utf8)
    let other = try GenreKitBinary.run(["extract", genre.path, "--output", output.path, "--resume"])
    #expect(other.status == 2 && other.standardError.contains("cannot resume: its header is not the GenreKit feature schema"), "\(other.standardError)")
    #expect(try String(contentsOf: output, encoding: .utf8) == "a,b\n1,2\n")
  }

  /// An output folder that cannot be written: a clear error, exit 2, nothing left behind.
  @Test func anOutputThatCannotBeWrittenIsAnError() throws {
    let root = try helper.clipDirectory()
    let missing = root.appendingPathComponent("no/such/folder/features.csv")
    let result = try GenreKitBinary.run(["extract", root.path, "--output", missing.path])
    #expect(result.status == 2)
    #expect(result.standardError.contains("cannot create a file in \(root.path)/no/such/folder: No such file or directory"), "\(result.standardError)")
  }
}
