import Foundation
import Testing

/// `genrekit predict <model> <audio>...`: every model kind reads a song as its training data was
/// made, so a song's probabilities are the mean of those its segments get from the table or
/// dataset made of the same audio.
@Suite struct PredictAudioCommandTests {
  struct Row {
    var row: String
    var segments: Int?
    var probabilities: [String: Double]
  }

  /// `predict … --format json` with every class ranked.
  func predict(_ arguments: [String], status: Int32 = 0) throws -> [Row] {
    let result = try GenreKitBinary.run(["predict"] + arguments + ["--top", "2", "--format", "json"])
    #expect(result.status == status, "\(result.standardError)")
    let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [[String: Any]])
    return rows.map { row in
      let predictions = row["predictions"] as? [[String: Any]] ?? []
      return Row(
        row: row["row"] as? String ?? "", segments: row["segments"] as? Int,
        probabilities: Dictionary(uniqueKeysWithValues: predictions.map { ($0["class"] as! String, $0["probability"] as! Double) }))
    }
  }

  /// The mean of the rows' probabilities of each class.
  func mean(_ rows: [Row]) -> [String: Double] {
    var sums: [String: Double] = [:]
    for row in rows { for (name, p) in row.probabilities { sums[name, default: 0] += p } }
    return sums.mapValues { $0 / Double(rows.count) }
  }

  func expectClose(_ song: [String: Double], _ expected: [String: Double], tolerance: Double) {
    #expect(Set(song.keys) == Set(expected.keys) && song.count == 2)
    for (name, p) in expected { #expect(abs(song[name]! - p) <= tolerance, "\(name): \(song[name]!) vs \(p)") }
  }

  func train(_ data: String, _ arguments: [String], output: URL) throws -> String {
    let trained = try GenreKitBinary.run(["train", data] + arguments + ["--output", output.path])
    #expect(trained.status == 0, "\(trained.standardError)")
    return trained.standardError
  }

  var song: String { audio.appendingPathComponent("a/mix_30s.flac").path }
  let audio: URL

  init() throws {
    audio = try SequenceModelCommandTests().dataset().deletingLastPathComponent().appendingPathComponent("audio")
  }

  /// A model of 3-s segment rows: the song is cut as `extract --segment-seconds 3` cuts it.
  @Test(arguments: ["knn", "forest", "logreg", "mlp"])
  func tableModelsReadSongsAsTheirTableWasExtracted(model: String) throws {
    let table = audio.deletingLastPathComponent().appendingPathComponent("features_3_sec.csv")
    #expect(try GenreKitBinary.run(["extract", audio.path, "--segment-seconds", "3", "--output", table.path]).status == 0)
    let file = table.deletingLastPathComponent().appendingPathComponent("\(model).json")
    let log = try train(table.path, ["--model", model], output: file)
    #expect(log.contains("'genrekit predict' reads songs for this model as GTZAN features of 3-s segments"), "\(log)")
    let rows = try predict([file.path, table.path]).filter { $0.row.hasPrefix("mix_30s.") }
    #expect(rows.count == 9)
    let songs = try predict([file.path, song])
    #expect(songs.count == 1 && songs[0].row == song && songs[0].segments == 9)
    expectClose(songs[0].probabilities, mean(rows), tolerance: 1e-12)
  }

  /// Whole-clip rows (from the extract manifest, or from a Kaggle table's `length` column): a
  /// song shorter than two clips is read whole, a longer one in pieces of the clip length (the
  /// median of the table's).
  @Test func wholeClipModelsReadAClipWholeAndALongSongInClipLengths() throws {
    let root = audio.deletingLastPathComponent()
    let table = root.appendingPathComponent("features_30_sec.csv")
    #expect(try GenreKitBinary.run(["extract", audio.path, "--output", table.path]).status == 0)
    let forest = root.appendingPathComponent("forest.json")
    // Clips of 30, 7, 7 and 7 s.
    #expect(try train(table.path, ["--model", "forest", "--trees", "10"], output: forest).contains("as GTZAN features of whole clips (7 s)"))
    let noise = audio.appendingPathComponent("a/white_noise.wav").path
    let rows = try predict([forest.path, table.path])
    let songs = Dictionary(uniqueKeysWithValues: try predict([forest.path, noise, song]).map { ($0.row, $0) })
    #expect(songs[noise]?.segments == 1 && songs[song]?.segments == 4)
    expectClose(songs[noise]!.probabilities, mean(rows.filter { $0.row == "white_noise.wav" }), tolerance: 1e-12)

    // The bundled Kaggle table has no manifest: its length column says whole 30-s clips.
    let kaggle = root.appendingPathComponent("kaggle.json")
    #expect(try train(DamagedModelFileTests.table, ["--model", "logreg"], output: kaggle).contains("as GTZAN features of whole clips (30 s)"))
    let clipTable = root.appendingPathComponent("clip.csv")
    #expect(try GenreKitBinary.run(["extract", song, "--output", clipTable.path]).status == 0)
    let clip = try predict([kaggle.path, clipTable.path])
    let long = root.appendingPathComponent("long.wav")
    try writeLongStereoSong(to: long, seconds: 240)
    let pieces = Dictionary(uniqueKeysWithValues: try predict([kaggle.path, long.path, song]).map { ($0.row, $0) })
    #expect(pieces[long.path]?.segments == 7, "4 minutes: 7 pieces of 30 s by the Kaggle rule")
    #expect(pieces[song]?.segments == 1 && pieces[song]?.probabilities.count == 2)
    for (name, p) in clip[0].probabilities { #expect(abs((pieces[song]?.probabilities[name] ?? 0) - p) <= 1e-12, "\(name)") }
  }

  /// HMM, CNN and FNN read the song's MFCC frames or log-mel segments as `genrekit dataset` writes them.
  @Test(arguments: [
    ("hmm", "mfcc", ["--states", "2"]), ("cnn", "logmel", ["--filters", "4,8", "--dense", "8", "--epochs", "2"]),
    ("fnn", "logmel", ["--dense", "16,8", "--epochs", "2"]),
  ])
  func sequenceAndNetworkModelsReadSongsAsTheirDataset(model: String, representation: String, options: [String]) throws {
    let root = audio.deletingLastPathComponent()
    let data = root.appendingPathComponent("\(representation)-dataset")
    #expect(try GenreKitBinary.run(["dataset", audio.path, "--representation", representation, "--output", data.path]).status == 0)
    let file = root.appendingPathComponent("\(model).json")
    _ = try train(data.path, ["--model", model] + options, output: file)
    let segments = try predict([file.path, data.path]).filter { $0.row.hasPrefix("mix_30s.") }
    #expect(segments.count == 9)
    let songs = try predict([file.path, song])
    #expect(songs.count == 1 && songs[0].segments == 9)
    expectClose(songs[0].probabilities, mean(segments), tolerance: model == "hmm" ? 1e-12 : 1e-6)

    // A 44.1-kHz stereo MP3 (10 s: three 3-s segments) and a whole song at 44.1 kHz.
    let mp3 = CLIFixtures.projectRoot.appendingPathComponent("Tests/AudioFeaturesTests/Fixtures/full-length/mix_10s_44k_stereo.mp3").path
    let long = root.appendingPathComponent("long.wav")
    try writeLongStereoSong(to: long, seconds: 240)
    let others = try predict([file.path, mp3, long.path])
    #expect(Dictionary(uniqueKeysWithValues: others.map { ($0.row, $0.segments) }) == [mp3: 3, long.path: 79])
    for row in others { #expect(abs(row.probabilities.values.reduce(0, +) - 1) < 1e-6) }
  }

  @Test func badSongsAreNamedAndTheOthersPredicted() throws {
    let root = audio.deletingLastPathComponent()
    let data = root.appendingPathComponent("mfcc")
    let file = root.appendingPathComponent("hmm.json")
    _ = try train(data.path, ["--model", "hmm", "--states", "2"], output: file)
    #expect(FileManager.default.createFile(atPath: audio.appendingPathComponent("b/broken.wav").path, contents: Data("no audio".utf8)))
    let short = root.appendingPathComponent("short.wav")
    try writeLongStereoSong(to: short, seconds: 2)
    let result = try GenreKitBinary.run(["predict", file.path, audio.path, short.path])
    #expect(result.status == 1)
    #expect(result.standardError.contains("broken.wav: cannot decode audio"), "\(result.standardError)")
    #expect(result.standardError.contains("short.wav: shorter than one 3-s segment"), "\(result.standardError)")
    #expect(result.standardError.contains("2 of 6 songs failed"))
    let lines = result.standardOutput.split(separator: "\n")
    #expect(lines.first == "row,class_1,probability_1,segments" && lines.count == 5)

    // A model of columns that audio does not give: refused before any song is read.
    let table = root.appendingPathComponent("export.csv")
    try (["danceability,energy,label"] + (0..<12).map { "0.\($0 % 7 + 1),0.\(($0 * 3) % 9 + 1),\($0 % 2 == 0 ? "pop" : "rock")" })
      .joined(separator: "\n").write(to: table, atomically: true, encoding: .utf8)
    let export = root.appendingPathComponent("export.json")
    _ = try train(table.path, ["--model", "logreg"], output: export)
    let refused = try GenreKitBinary.run(["predict", export.path, song])
    #expect(refused.status == 2 && refused.standardError.contains("does not record how its input is made from audio"), "\(refused.standardError)")
    let perTrack = try GenreKitBinary.run(["predict", file.path, song, "--per", "track"])
    #expect(perTrack.status == 2 && perTrack.standardError.contains("--per goes with a dataset directory"))
  }
}

/// `train` and `evaluate` on audio: the examples are made as `extract` and `dataset` make them,
/// so the models equal those trained on the table or dataset of the same audio.
@Suite struct TrainOnAudioCommandTests {
  @Test func modelsFromAudioEqualModelsFromItsTableAndDataset() throws {
    let audio = try SequenceModelCommandTests().dataset().deletingLastPathComponent().appendingPathComponent("audio")
    let root = audio.deletingLastPathComponent()
    func run(_ arguments: [String]) throws -> CommandResult {
      let result = try GenreKitBinary.run(arguments)
      #expect(result.status == 0, "\(arguments): \(result.standardError)")
      return result
    }
    // HMM: from audio and from the MFCC dataset, the same HMMs.
    let fromAudio = try run(["train", audio.path, "--model", "hmm", "--states", "2", "--output", root.appendingPathComponent("a.json").path])
    #expect(fromAudio.standardError.contains("4 audio files: 15 examples of 4 tracks: mfcc frame-sequences of 13 coefficients"), "\(fromAudio.standardError)")
    _ = try run(["train", root.appendingPathComponent("mfcc").path, "--model", "hmm", "--states", "2", "--output", root.appendingPathComponent("d.json").path])
    func json(_ name: String) throws -> [String: Any] {
      try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent(name))) as! [String: Any]
    }
    #expect(NSDictionary(dictionary: ["h": try json("a.json")["hmms"]!]) == NSDictionary(dictionary: ["h": try json("d.json")["hmms"]!]))
    #expect((try json("a.json")["input"] as? [String: Any])?["representation"] as? String == "mfcc")

    // A table model: from audio and from extract's 3-s table, the same predictions.
    let table = root.appendingPathComponent("features.csv")
    _ = try run(["extract", audio.path, "--segment-seconds", "3", "--output", table.path])
    _ = try run(["train", audio.path, "--model", "logreg", "--output", root.appendingPathComponent("la.json").path])
    _ = try run(["train", table.path, "--model", "logreg", "--output", root.appendingPathComponent("lt.json").path])
    let predictions = try ["la.json", "lt.json"].map { try run(["predict", root.appendingPathComponent($0).path, table.path]).standardOutput }
    #expect(predictions[0] == predictions[1] && predictions[0].split(separator: "\n").count == 16)

    // evaluate on audio scores the recorded test part of a model trained on the same audio.
    _ = try run(["train", audio.path, "--model", "forest", "--trees", "10", "--test-size", "0.5", "--output", root.appendingPathComponent("f.json").path])
    let evaluated = try run(["evaluate", root.appendingPathComponent("f.json").path, audio.path])
    #expect(evaluated.standardError.contains("scored: the model's test part (stratified group holdout, test 0.5, seed 0: 4 rows of 2 groups)"), "\(evaluated.standardError)")
    #expect(evaluated.standardOutput.hasPrefix("4 rows: accuracy "))
  }
}

/// A 16-bit stereo WAV at 44.1 kHz of `seconds`: a chord with a beat, different in each channel.
func writeLongStereoSong(to url: URL, seconds: Int) throws {
  let rate = 44100
  let frames = rate * seconds
  var data = Data(capacity: 44 + frames * 4)
  func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
  data.append(contentsOf: Array("RIFF".utf8))
  append(UInt32(36 + frames * 4))
  data.append(contentsOf: Array("WAVEfmt ".utf8))
  append(UInt32(16)); append(UInt16(1)); append(UInt16(2)); append(UInt32(rate)); append(UInt32(rate * 4)); append(UInt16(4)); append(UInt16(16))
  data.append(contentsOf: Array("data".utf8))
  append(UInt32(frames * 4))
  for i in 0..<frames {
    let t = Double(i) / Double(rate)
    let beat = exp(-30 * t.truncatingRemainder(dividingBy: 0.5))
    let left = 0.3 * sin(2 * .pi * 220 * t) + 0.2 * sin(2 * .pi * 277.2 * t) + 0.3 * beat * sin(2 * .pi * 60 * t)
    let right = 0.3 * sin(2 * .pi * 329.6 * t) + 0.3 * beat * sin(2 * .pi * 60 * t)
    append(Int16(left * 32767)); append(Int16(right * 32767))
  }
  try data.write(to: url)
}
