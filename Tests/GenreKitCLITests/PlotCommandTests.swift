import Foundation
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// `genrekit plot <kind>`: each kind from what the other commands write, as well-formed SVG with
/// one mark per value; bad inputs named.
@Suite struct PlotCommandTests {
  let root: URL
  init() throws { root = try makeTemporaryDirectory() }

  /// Runs `plot`, checks it succeeded and the SVG parses, and returns it.
  func plot(_ arguments: [String], name: String) throws -> String {
    let output = root.appendingPathComponent(name)
    let result = try GenreKitBinary.run(["plot"] + arguments + ["--output", output.path])
    #expect(result.status == 0, "\(result.standardError)")
    let svg = try String(contentsOf: output, encoding: .utf8)
    let parser = XMLParser(data: Data(svg.utf8))
    #expect(parser.parse(), "\(name) is not well-formed XML")
    #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
    return svg
  }

  func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

  @Test func compareAndConfusionFromTheirJSON() throws {
    let compare = try GenreKitBinary.run(["compare", "--models", "knn,logreg", "--format", "json"])
    let compareJSON = root.appendingPathComponent("compare.json")
    try compare.standardOutput.write(to: compareJSON, atomically: true, encoding: .utf8)
    let bars = try plot(["compare", compareJSON.path], name: "compare.svg")
    // Two models × (macro-F1, accuracy), each with its ± std; knn's 5-fold accuracy 0.675 printed.
    #expect(count("<rect x=", in: bars) >= 4 && bars.contains(">0.675<") && bars.contains(">knn<") && bars.contains(">accuracy<"))

    let model = root.appendingPathComponent("logreg.json")
    #expect(try GenreKitBinary.run(["train", DamagedModelFileTests.table, "--model", "logreg", "--test-size", "0.2", "--output", model.path]).status == 0)
    let evaluation = try GenreKitBinary.run(["evaluate", model.path, DamagedModelFileTests.table, "--format", "json"])
    let evaluationJSON = root.appendingPathComponent("evaluation.json")
    try evaluation.standardOutput.write(to: evaluationJSON, atomically: true, encoding: .utf8)
    let confusion = try plot(["confusion", evaluationJSON.path, "--title", "logreg"], name: "confusion.svg")
    // Ten genres: 100 cells in each of the two panels.
    #expect(count("<title>true ", in: confusion) == 200 && confusion.contains(">blues<") && confusion.contains("<title>logreg</title>"))
    // From compare's JSON: the folds' matrices summed, so every one of the 1000 clips counted once.
    let summed = try plot(["confusion", compareJSON.path, "--model", "knn"], name: "knn-confusion.svg")
    let cells = summed.components(separatedBy: "<title>true ").dropFirst().prefix(100).map { $0.split(separator: ":")[1].split(separator: " ")[0] }
    #expect(cells.compactMap { Int($0) }.reduce(0, +) == 1000)

    let unknown = try GenreKitBinary.run(["plot", "confusion", compareJSON.path, "--model", "svm", "--output", root.appendingPathComponent("x.svg").path])
    #expect(unknown.status == 2 && unknown.standardError.contains("no model 'svm'") && unknown.standardError.contains("knn, logreg"))
    let notJSON = try GenreKitBinary.run(["plot", "compare", DamagedModelFileTests.table, "--output", root.appendingPathComponent("x.svg").path])
    #expect(notJSON.status == 2 && notJSON.standardError.contains("gtzan_features_30_sec.csv: not JSON from 'genrekit compare"), "\(notJSON.standardError)")
    let sameFile = try GenreKitBinary.run(["plot", "compare", compareJSON.path, "--output", compareJSON.path])
    #expect(try sameFile.status == 2 && (String(contentsOf: compareJSON, encoding: .utf8)) == compare.standardOutput)
  }

  @Test func curvesOfAnMLPAndNoneForKNN() throws {
    let mlp = root.appendingPathComponent("mlp.json")
    #expect(try GenreKitBinary.run(["train", DamagedModelFileTests.table, "--model", "mlp", "--max-iter", "12", "--output", mlp.path]).status == 0)
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: mlp)) as! [String: Any]
    let history = try #require(json["history"] as? [[String: Any]])
    #expect(history.count == 12 && history.allSatisfy { $0["loss"] is Double && $0["accuracy"] is Double && $0["val_loss"] == nil })
    let curves = try plot(["curves", mlp.path], name: "curves.svg")
    // Training loss and accuracy, a point per epoch each; no validation series.
    #expect(count("<circle ", in: curves) == 24 && curves.contains(">training<") && !curves.contains(">validation<"))
    let knn = root.appendingPathComponent("knn.json")
    #expect(try GenreKitBinary.run(["train", DamagedModelFileTests.table, "--model", "knn", "--output", knn.path]).status == 0)
    let none = try GenreKitBinary.run(["plot", "curves", knn.path, "--output", root.appendingPathComponent("x.svg").path])
    #expect(none.status == 2 && none.standardError.contains("'knn' model, which keeps no per-epoch history"), "\(none.standardError)")
  }

  @Test func tablesAndASignal() throws {
    let pca = try plot(["pca"], name: "pca.svg")
    #expect(count("<circle ", in: pca) == 1000 && pca.contains("PC1 (") && pca.contains(">metal<"))
    let features = try plot(["features", "--columns", "tempo,rms_mean"], name: "features.svg")
    #expect(count(#"<g class="panel">"#, in: features) == 2 && count(" rows</title>", in: features) == 20)
    let missing = try GenreKitBinary.run(["plot", "features", "--columns", "tempo,loudness", "--output", root.appendingPathComponent("x.svg").path])
    #expect(missing.status == 2 && missing.standardError.contains("no feature column 'loudness'"), "\(missing.standardError)")

    let clip = CLIFixtures.projectRoot.appendingPathComponent("Tests/AudioFeaturesTests/Fixtures/full-length/mix_30s.flac").path
    let signal = try plot(["signal", clip, "--offset", "5", "--duration", "10"], name: "signal.svg")
    // Waveform and HPSS panels, four heatmaps each with its colour bar.
    #expect(count(#"<g class="panel">"#, in: signal) == 6 && count("data:image/png;base64,", in: signal) == 8)
    #expect(signal.contains("10.0 s from 5.0 s") && signal.contains(">time (s)<"))
    let late = try GenreKitBinary.run(["plot", "signal", clip, "--offset", "40", "--output", root.appendingPathComponent("x.svg").path])
    #expect(late.status == 2 && late.standardError.contains("mix_30s.flac: holds 30.00 s; nothing to draw from 40 s on"), "\(late.standardError)")
  }
}
