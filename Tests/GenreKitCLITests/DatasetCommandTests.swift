import Foundation
import Testing

/// The `genrekit dataset` contract: files, shapes, index columns, bad inputs, outputs.
@Suite struct DatasetCommandTests {
  @Test func writesTheArrayIndexAndManifest() throws {
    let root = try ExtractCommandTests().clipDirectory()
    #expect(FileManager.default.createFile(atPath: root.appendingPathComponent("genre/notes.wav").path, contents: Data("text".utf8)))
    let output = root.appendingPathComponent("mfcc")
    let errors = root.appendingPathComponent("errors.csv")
    let result = try GenreKitBinary.run([
      "dataset", root.path, "--representation", "mfcc", "--mfcc-count", "20", "--output", output.path, "--errors", errors.path, "--quiet",
    ])
    #expect(result.status == 1, "\(result.standardError)")
    #expect(result.standardError.contains("notes.wav: cannot decode audio"))
    #expect(result.standardError.contains("wrote 4 segments of 2 files"))
    let array = try Data(contentsOf: output.appendingPathComponent("features.npy"))
    #expect(String(decoding: array.prefix(128).dropFirst(10), as: UTF8.self).hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 130, 20), }"))
    #expect(array.count == 128 + 4 * 130 * 20 * 4)
    let index = try readLines(output.appendingPathComponent("segments.csv"))
    #expect(index.first == "id,track,segment,label,path" && index.count == 5)
    #expect(index[1].hasPrefix("clicks_120bpm.0.wav,clicks_120bpm,0,genre,"))
    #expect(index[4].hasPrefix("white_noise.1.wav,white_noise,1,genre,"))
    let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("dataset.json"))) as! [String: Any]
    #expect(manifest["representation"] as? String == "mfcc" && manifest["mfccCount"] as? Int == 20)
    #expect(manifest["shape"] as? [Int] == [4, 130, 20] && manifest["segmentSeconds"] as? Double == 3)
    #expect(try readLines(errors).count == 2)
  }

  @Test func logMelShapeAndBadArguments() throws {
    let root = try ExtractCommandTests().clipDirectory()
    let output = root.appendingPathComponent("logmel")
    #expect(try GenreKitBinary.run(["dataset", root.path, "--representation", "logmel", "--output", output.path]).status == 0)
    let header = try Data(contentsOf: output.appendingPathComponent("features.npy")).prefix(128)
    #expect(String(decoding: header, as: UTF8.self).contains("'shape': (4, 128, 130)"))
    for (arguments, message) in [
      (["--representation", "logmel", "--mfcc-count", "13"], "--mfcc-count goes with --representation mfcc"),
      (["--representation", "mfcc", "--mfcc-count", "0"], "between 1 and 128"),
      (["--representation", "spectrum"], "spectrum"),
    ] {
      let result = try GenreKitBinary.run(["dataset", root.path, "--output", output.path] + arguments)
      #expect(result.status == 2 && result.standardError.contains(message), "\(result.standardError)")
    }
  }
}

/// Models of frame sequences through the CLI: train, evaluate and predict on a dataset directory.
@Suite struct SequenceModelCommandTests {
  /// Two genres of two tracks each, as an MFCC dataset.
  func dataset() throws -> URL {
    let root = try makeTemporaryDirectory()
    let full = CLIFixtures.projectRoot.appendingPathComponent("Tests/AudioFeaturesTests/Fixtures/full-length/mix_30s.flac")
    for (genre, files) in [("a", [full, CLIFixtures.signal("white_noise.wav")]), ("b", [CLIFixtures.signal("clicks_120bpm.wav"), CLIFixtures.signal("mix_chord_clicks.wav")])] {
      let folder = root.appendingPathComponent("audio/\(genre)")
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      for file in files { try FileManager.default.copyItem(at: file, to: folder.appendingPathComponent(file.lastPathComponent)) }
    }
    let output = root.appendingPathComponent("mfcc")
    let result = try GenreKitBinary.run(["dataset", root.appendingPathComponent("audio").path, "--representation", "mfcc", "--output", output.path])
    #expect(result.status == 0, "\(result.standardError)")
    return output
  }

  @Test func hmmTrainsEvaluatesAndPredictsOnADataset() throws {
    let data = try dataset()
    let model = data.deletingLastPathComponent().appendingPathComponent("hmm.json")
    let trained = try GenreKitBinary.run(["train", data.path, "--model", "hmm", "--states", "2", "--covariance", "full", "--output", model.path])
    #expect(trained.status == 0, "\(trained.standardError)")
    #expect(trained.standardError.contains("15 segments of 4 tracks, mfcc frame-sequences, 2 classes"), "\(trained.standardError)")
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: model)) as! [String: Any]
    #expect(json["kind"] as? String == "hmm" && json["classes"] as? [String] == ["a", "b"] && json["covariance_type"] as? String == "full")
    let hmms = try #require(json["hmms"] as? [[String: Any]])
    #expect(hmms.count == 2 && (hmms[0]["transmat"] as? [[Double]])?.count == 2 && (hmms[0]["covars"] as? [[[Double]]])?.first?.count == 13)
    #expect((json["input"] as? [String: Any])?["coefficients"] as? Int == 13)

    let refused = try GenreKitBinary.run(["evaluate", model.path, data.path])
    #expect(refused.status == 2 && refused.standardError.contains("was trained on every row"))
    let evaluated = try GenreKitBinary.run(["evaluate", model.path, data.path, "--all-rows"])
    #expect(evaluated.status == 0 && evaluated.standardOutput.hasPrefix("15 rows: accuracy "), "\(evaluated.standardError)")
    #expect(evaluated.standardError.contains("per track (4 tracks; majority vote"))

    let segments = try GenreKitBinary.run(["predict", model.path, data.path]).standardOutput.split(separator: "\n")
    #expect(segments.count == 16 && segments[0] == "row,class_1,probability_1,label" && segments[1].hasPrefix("mix_30s.0.wav,"))
    let tracks = try GenreKitBinary.run(["predict", model.path, data.path, "--per", "track", "--top", "2"]).standardOutput.split(separator: "\n")
    #expect(tracks.count == 5 && tracks[0] == "row,class_1,probability_1,class_2,probability_2,label")
    #expect(Set(tracks.dropFirst().map { String($0.split(separator: ",")[0]) }) == ["mix_30s", "white_noise", "clicks_120bpm", "mix_chord_clicks"])

    // A table model on a dataset, or a sequence model on a table: a clear error.
    let wrong = try GenreKitBinary.run(["train", data.path, "--model", "knn", "--output", model.path])
    #expect(wrong.status == 2 && wrong.standardError.contains("knn reads feature-rows"), "\(wrong.standardError)")
    let table = DamagedModelFileTests.table
    let other = try GenreKitBinary.run(["train", table, "--model", "hmm", "--output", model.path])
    #expect(other.status == 2 && other.standardError.contains("hmm reads frame-sequences"), "\(other.standardError)")
  }
}
