import Foundation
import TensorIO
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
  /// Two genres of two tracks each, as an MFCC (or log-mel) dataset.
  func dataset(representation: String = "mfcc") throws -> URL {
    let root = try makeTemporaryDirectory()
    let full = CLIFixtures.projectRoot.appendingPathComponent("Tests/AudioFeaturesTests/Fixtures/full-length/mix_30s.flac")
    for (genre, files) in [("a", [full, CLIFixtures.signal("white_noise.wav")]), ("b", [CLIFixtures.signal("clicks_120bpm.wav"), CLIFixtures.signal("mix_chord_clicks.wav")])] {
      let folder = root.appendingPathComponent("audio/\(genre)")
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      for file in files { try FileManager.default.copyItem(at: file, to: folder.appendingPathComponent(file.lastPathComponent)) }
    }
    let output = root.appendingPathComponent(representation)
    let result = try GenreKitBinary.run(["dataset", root.appendingPathComponent("audio").path, "--representation", representation, "--output", output.path])
    #expect(result.status == 0, "\(result.standardError)")
    return output
  }

  @Test func hmmTrainsEvaluatesAndPredictsOnADataset() throws {
    let data = try dataset()
    let model = data.deletingLastPathComponent().appendingPathComponent("hmm.json")
    let trained = try GenreKitBinary.run(["train", data.path, "--model", "hmm", "--states", "2", "--covariance", "full", "--output", model.path])
    #expect(trained.status == 0, "\(trained.standardError)")
    #expect(trained.standardError.contains("15 segments of 4 tracks, mfcc frame-sequences of 13 coefficients, 2 classes"), "\(trained.standardError)")
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
    #expect(wrong.status == 2 && wrong.standardError.contains("knn reads feature-rows from a feature table"), "\(wrong.standardError)")
    let table = DamagedModelFileTests.table
    let other = try GenreKitBinary.run(["train", table, "--model", "hmm", "--output", model.path])
    #expect(other.status == 2 && other.standardError.contains("hmm reads frame-sequences"), "\(other.standardError)")
  }
}

/// Networks through the CLI: train on a log-mel dataset, the model file (architecture, history,
/// PyTorch-named tensors), evaluate and predict, and datasets of another kind or shape refused.
@Suite struct NetworkCommandTests {
  @Test func cnnTrainsEvaluatesAndPredictsOnALogMelDataset() throws {
    let data = try SequenceModelCommandTests().dataset(representation: "logmel")
    let model = data.deletingLastPathComponent().appendingPathComponent("cnn.json")
    let trained = try GenreKitBinary.run([
      "train", data.path, "--model", "cnn", "--filters", "4,8", "--dense", "8", "--epochs", "3", "--augment", "flip,shift", "--seed", "2",
      "--output", model.path,
    ])
    #expect(trained.status == 0, "\(trained.standardError)")
    #expect(trained.standardError.contains("15 segments of 4 tracks, logmel spectrograms of 128 × 130, 2 classes"), "\(trained.standardError)")
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: model)) as! [String: Any]
    #expect(json["kind"] as? String == "cnn" && json["architecture"] as? String == "cnn" && json["input_shape"] as? [Int] == [1, 128, 130])
    #expect(json["filters"] as? [Int] == [4, 8] && json["augment"] as? [String] == ["flip", "shift"])
    let history = try #require(json["history"] as? [[String: Any]])
    #expect(history.count == 3 && history.allSatisfy { ($0["loss"] as? Double)?.isFinite == true && $0["accuracy"] != nil })
    let tensors = try TensorArchive(serialized: Array(Data(contentsOf: data.deletingLastPathComponent().appendingPathComponent("cnn.safetensors"))))
    #expect(Set(tensors.tensors.keys) == [
      "features.0.weight", "features.0.bias", "features.3.weight", "features.3.bias", "features.3.running_mean", "features.3.running_var",
      "features.4.weight", "features.4.bias", "features.7.weight", "features.7.bias", "features.7.running_mean", "features.7.running_var",
      "classifier.2.weight", "classifier.2.bias", "classifier.4.weight", "classifier.4.bias",
    ])
    #expect(tensors.tensors["features.4.weight"]?.shape == [8, 4, 3, 3] && tensors.tensors["classifier.2.weight"]?.shape == [8, 8 * 32 * 32])

    let evaluated = try GenreKitBinary.run(["evaluate", model.path, data.path, "--all-rows"])
    #expect(evaluated.status == 0 && evaluated.standardOutput.hasPrefix("15 rows: accuracy "), "\(evaluated.standardError)")
    let tracks = try GenreKitBinary.run(["predict", model.path, data.path, "--per", "track"]).standardOutput.split(separator: "\n")
    #expect(tracks.count == 5 && tracks[0] == "row,class_1,probability_1,label")

    // Another kind of dataset, for training or for a trained network: both kinds named.
    let mfcc = try SequenceModelCommandTests().dataset()
    let wrong = try GenreKitBinary.run(["train", mfcc.path, "--model", "cnn", "--output", model.path])
    #expect(wrong.status == 2 && wrong.standardError.contains("cnn reads spectrograms from a log-mel dataset"), "\(wrong.standardError)")
    #expect(wrong.standardError.contains("holds mfcc frame-sequences of 13 coefficients"))
    let refused = try GenreKitBinary.run(["evaluate", model.path, mfcc.path, "--all-rows"])
    #expect(refused.status == 2 && refused.standardError.contains("cnn.json reads spectrograms from a log-mel dataset"), "\(refused.standardError)")
    let hmm = try GenreKitBinary.run(["train", data.path, "--model", "hmm", "--output", model.path])
    #expect(hmm.status == 2 && hmm.standardError.contains("holds logmel spectrograms of 128 × 130"), "\(hmm.standardError)")
  }
}

/// `genrekit compare --audio`: every model on one split of the tracks, per segment and per track.
@Suite struct CompareAudioTests {
  @Test func everyModelOnOneSplitOfTheTracks() throws {
    let root = try SequenceModelCommandTests().dataset().deletingLastPathComponent()
    let audio = root.appendingPathComponent("audio")
    #expect(FileManager.default.createFile(atPath: audio.appendingPathComponent("a/broken.wav").path, contents: Data("no audio".utf8)))
    let cache = root.appendingPathComponent("cache")
    let split = root.appendingPathComponent("split.csv")
    let arguments = ["compare", "--audio", audio.path, "--folds", "2", "--cache", cache.path, "--format", "csv", "--save-split", split.path]
    let first = try GenreKitBinary.run(arguments)
    #expect(first.status == 0, "\(first.standardError)")
    #expect(first.standardError.contains("broken.wav: cannot decode audio"))
    #expect(first.standardError.contains("5 audio files: 4 used (4 tracks, 15 3-s segments, 2 classes: a, b); 1 left out"), "\(first.standardError)")
    #expect(first.standardError.contains("per track: majority vote of the segments"))
    let lines = first.standardOutput.split(separator: "\n").map(String.init)
    #expect(lines.first == "model,input,segment_accuracy,track_accuracy,track_macro_f1,fit_seconds,predict_seconds,segment_accuracy_std,track_accuracy_std,track_macro_f1_std")
    #expect(lines.dropFirst().map { $0.split(separator: ",").prefix(2).joined(separator: ",") } == [
      "knn,30-s rows", "knn,3-s rows", "forest,30-s rows", "forest,3-s rows", "logreg,30-s rows", "logreg,3-s rows", "mlp,30-s rows",
      "mlp,3-s rows", "hmm-diag,13-MFCC frames of 3-s segments", "hmm-full,13-MFCC frames of 3-s segments",
      "cnn,128-band log-mel of 3-s segments", "fnn,128-band log-mel of 3-s segments",
    ])
    // kNN (k = 5) cannot fit on two training tracks: its rows are empty and the reason said.
    #expect(lines[1] == "knn,30-s rows,,,,,,,,")
    #expect(first.standardError.contains("knn on 30-s rows could not be fitted: not enough samples: need 5, got 2"))
    // 30-s rows: one segment per track, so the two accuracies agree.
    let forest = lines[3].split(separator: ",")
    #expect(forest[2] == forest[3])
    let savedSplit = try readLines(split)
    #expect(savedSplit.first == "id,fold" && savedSplit.count == 5)
    #expect(Set(savedSplit.dropFirst().map { String($0.split(separator: ",")[0]) }) == ["clicks_120bpm", "mix_30s", "mix_chord_clicks", "white_noise"])
    #expect(try FileManager.default.contentsOfDirectory(atPath: cache.path).count == 4)

    // From the cache, the same scores (only timings differ) and the same split fingerprint.
    let second = try GenreKitBinary.run(arguments)
    func scores(_ output: String) -> [String] {
      output.split(separator: "\n").map { $0.split(separator: ",").enumerated().filter { ![5, 6].contains($0.offset) }.map(\.element).joined(separator: ",") }
    }
    #expect(scores(second.standardOutput) == scores(first.standardOutput))
    func fingerprint(_ text: String) -> String? { text.split(separator: "\n").first { $0.contains("fingerprint") }.map(String.init) }
    #expect(fingerprint(second.standardError) == fingerprint(first.standardError) && fingerprint(first.standardError) != nil)
    let picked = try GenreKitBinary.run(["compare", "--audio", audio.path, "--folds", "2", "--cache", cache.path, "--models", "hmm", "--format", "csv"])
    #expect(picked.standardOutput.split(separator: "\n").count == 3)
    let bad = try GenreKitBinary.run(["compare", "--audio", audio.path, "--group", "x"])
    #expect(bad.status == 2 && bad.standardError.contains("the groups are the tracks"))
  }
}
