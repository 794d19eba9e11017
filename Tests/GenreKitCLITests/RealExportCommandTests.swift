import Foundation
import Testing

/// A Spotify-style export with the blemishes of real dumps: `?` for missing values, completely
/// empty records, rows without a label, text categories, id columns.
@Suite struct RealExportCommandTests {
  /// 40 tracks of 10 artists; the genre follows `mode` and `energy`.
  func export(in directory: URL) throws -> URL {
    var lines = ["track_id,id,track_artist,key,mode,energy,tempo,duration_ms,playlist_genre"]
    let keys = ["A#", "C", "D", "F#"]
    for i in 0..<40 {
      let minor = i % 2 == 0
      let tempo = i % 7 == 3 ? "?" : String(90 + i)
      let genre = i == 5 ? "" : (minor ? "rock" : "pop")
      lines.append("t\(i),\(1000 + i),artist\(i / 4),\(keys[i % 4]),\(minor ? "Minor" : "Major"),\((minor ? 0.2 : 0.8) + Double(i) / 1000),\(tempo),\(180000 + i).0,\(genre)")
      if i % 13 == 0 { lines.append(",,,,,,,,") }
    }
    let url = directory.appendingPathComponent("export.csv")
    try (lines.joined(separator: "\r\n") + "\r\n").write(to: url, atomically: true, encoding: .utf8)
    return url
  }

  @Test func eachBlemishIsNamedThenHandledAsAsked() throws {
    let directory = try makeTemporaryDirectory()
    let data = try export(in: directory).path
    let base = ["compare", data, "--label", "playlist_genre", "--group", "track_artist", "--folds", "2", "--models", "logreg"]
    let missing = try GenreKitBinary.run(base)
    #expect(missing.status == 2)
    #expect(missing.standardError.contains("export.csv:6, column 7: missing or non-finite value '?' in column 'tempo' (fill missing values with --impute mean|median|most-frequent)"), "\(missing.standardError)")
    let unlabelled = try GenreKitBinary.run(base + ["--impute", "median"])
    #expect(unlabelled.status == 2)
    #expect(unlabelled.standardError.contains("export.csv:8, column 9: empty label (give --drop-unlabelled to skip such rows)"), "\(unlabelled.standardError)")
    let handled = try GenreKitBinary.run(base + ["--impute", "median", "--drop-unlabelled", "--format", "csv"])
    #expect(handled.status == 0, "\(handled.standardError)")
    #expect(handled.standardError.contains("export.csv: 39 rows; 4 empty records skipped; 1 unlabelled rows dropped"), "\(handled.standardError)")
    #expect(handled.standardError.contains("features: 3 numeric columns (energy, tempo, duration_ms)"))
    #expect(handled.standardError.contains("left out: track_id (text), id (id-like: a different integer in every row), key (text), mode (text)"))
    #expect(handled.standardError.contains("groups: column track_artist, 10 groups"))
  }

  /// Categories are learned on the training part, kept in the model file, and applied by predict;
  /// an unknown category encodes as zeros.
  @Test func categoricalColumnsTravelWithTheModel() throws {
    let directory = try makeTemporaryDirectory()
    let data = try export(in: directory).path
    let model = directory.appendingPathComponent("model.json")
    let trained = try GenreKitBinary.run([
      "train", data, "--label", "playlist_genre", "--group", "track_artist", "--impute", "mean", "--drop-unlabelled",
      "--categorical", "key,mode", "--model", "logreg", "--output", model.path,
    ])
    #expect(trained.status == 0, "\(trained.standardError)")
    #expect(trained.standardError.contains("features: 3 numeric columns (energy, tempo, duration_ms), one-hot: key, mode"))
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: model)) as! [String: Any]
    let pipeline = try #require(json["pipeline"] as? [String: Any])
    let categorical = try #require(pipeline["categorical"] as? [[String: Any]])
    #expect(categorical.map { $0["name"] as? String } == ["key", "mode"])
    #expect(categorical[1]["categories"] as? [String] == ["Major", "Minor"])
    #expect(pipeline["imputation"] as? String == "mean")

    let rows = directory.appendingPathComponent("rows.csv")
    try """
      track_id,energy,tempo,duration_ms,key,mode
      a,0.5,?,180000,C,Minor
      b,0.5,100,180000,C,Major
      c,0.5,100,180000,Z,Major

      """.write(to: rows, atomically: true, encoding: .utf8)
    let predicted = try GenreKitBinary.run(["predict", model.path, rows.path, "--id", "track_id", "--top", "2"])
    #expect(predicted.status == 0, "\(predicted.standardError)")
    let lines = predicted.standardOutput.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
    #expect(lines.count == 4 && lines[1][0] == "a" && lines[1][1] == "rock" && lines[2][1] == "pop" && lines[3][0] == "c")
  }
}
