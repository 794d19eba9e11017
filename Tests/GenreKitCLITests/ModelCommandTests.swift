import Foundation
import Testing

/// The compare/split/train/evaluate/predict/pca contract.
@Suite struct ModelCommandTests {
  /// A small GTZAN-schema table: 3 separable classes, 8 tracks each, 2 segments per track.
  func table(in directory: URL, name: String = "table.csv", tracks: Range<Int> = 0..<8, labels: [String] = ["blues", "jazz", "rock"]) throws -> URL {
    var lines = ["filename,length,f1,f2,label"]
    for (c, genre) in labels.enumerated() {
      for track in tracks {
        for segment in 0..<2 {
          lines.append("\(genre.lowercased()).\(String(format: "%05d", track)).\(segment).wav,66149,\(Double(10 * c) + Double(track % 3)),\(Double(segment) - Double(c)),\(genre)")
        }
      }
    }
    let url = directory.appendingPathComponent(name)
    try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
    return url
  }

  func run(_ arguments: [String], status: Int32 = 0) throws -> CommandResult {
    let result = try GenreKitBinary.run(arguments)
    #expect(result.status == status, "\(arguments): \(result.standardError)")
    return result
  }

  @Test func compareCSVHasTheContractHeaderAndOneRowPerModel() throws {
    let directory = try makeTemporaryDirectory()
    let result = try run(["compare", try table(in: directory).path, "--folds", "4", "--format", "csv", "--models", "knn,logreg"])
    let lines = result.standardOutput.split(separator: "\n").map(String.init)
    #expect(lines.first == "model,accuracy,macro_f1,fit_seconds,predict_seconds,accuracy_std,macro_f1_std")
    #expect(lines.dropFirst().map { $0.prefix { $0 != "," } } == ["knn", "logreg"])
    #expect(lines.dropFirst().allSatisfy { $0.split(separator: ",")[1] == "1.0" && $0.split(separator: ",")[5] == "0.0" })
    // How the table was read and split goes to stderr for machine formats.
    #expect(result.standardError.contains("groups: the GTZAN track of filename, 24 groups"))
    #expect(result.standardError.contains("fold 1: train 36 rows (18 groups), test 12 rows (6 groups)"))
  }

  @Test func compareTableAndJSONSayHowTheTableWasReadAndSplit() throws {
    let directory = try makeTemporaryDirectory()
    let data = try table(in: directory).path
    let text = try run(["compare", data, "--folds", "3", "--models", "knn"]).standardOutput.split(separator: "\n").map(String.init)
    #expect(text[0] == "\(data): 48 rows")
    #expect(text[1] == "features: 2 numeric columns (f1, f2)")
    #expect(text[2] == "groups: the GTZAN track of filename, 24 groups")
    #expect(text[3] == "split: stratified group 3-fold, seed 0")
    #expect(text[4] == "fold 1: train 32 rows (16 groups), test 16 rows (8 groups)")
    #expect(text.contains { $0.hasPrefix("knn") && $0.contains("1.000 ± 0.000") })
    let json = try JSONSerialization.jsonObject(with: Data(try run(["compare", data, "--folds", "3", "--models", "knn", "--format", "json"]).standardOutput.utf8)) as! [String: Any]
    #expect(json["classes"] as? [String] == ["blues", "jazz", "rock"])
    #expect((json["folds"] as? [[String: Int]])?.first == ["train": 32, "test": 16])
    #expect(((json["models"] as? [[String: Any]])?.first?["folds"] as? [Any])?.count == 3)
  }

  @Test func trainRecordsItsTestPartAndEvaluateScoresExactlyThat() throws {
    let directory = try makeTemporaryDirectory()
    let data = try table(in: directory).path
    let model = directory.appendingPathComponent("model.json").path
    let trained = try run(["train", data, "--model", "forest", "--trees", "10", "--test-size", "0.25", "--output", model])
    #expect(trained.standardError.contains("trained forest on 36 rows of 18 groups; its test part (12 rows) is recorded"), "\(trained.standardError)")
    let evaluation = try run(["evaluate", model, data, "--format", "json"])
    #expect(evaluation.standardError.contains("scored: the model's test part (stratified group holdout, test 0.25, seed 0: 12 rows of 6 groups)"), "\(evaluation.standardError)")
    let json = try JSONSerialization.jsonObject(with: Data(evaluation.standardOutput.utf8)) as! [String: Any]
    #expect(json["rows"] as? Int == 12)
    #expect((json["report"] as? [String: Any])?["accuracy"] as? Double == 1)
    // A different split of the same table reaches into the training part: said, not hidden.
    let other = try run(["evaluate", model, data, "--folds", "4"])
    #expect(other.standardError.contains("of these rows were used to train the model (stratified group holdout, test 0.25, seed 0): the scores are optimistic"), "\(other.standardError)")
  }

  @Test func aModelTrainedOnEveryRowIsNotScoredOnThemSilently() throws {
    let directory = try makeTemporaryDirectory()
    let data = try table(in: directory).path
    let model = directory.appendingPathComponent("model.json").path
    _ = try run(["train", data, "--model", "knn", "--output", model])
    let refused = try run(["evaluate", model, data], status: 2)
    #expect(refused.standardError.contains("was trained on every row"), "\(refused.standardError)")
    let all = try run(["evaluate", model, data, "--all-rows"])
    #expect(all.standardError.contains("scored: every row (48)") && all.standardError.contains("48 of these rows were used to train the model"))
    #expect(all.standardOutput.hasPrefix("48 rows: accuracy 1.000"))
    // On another table, only the groups the model has not seen are scored.
    let newer = try table(in: directory, name: "newer.csv", tracks: 6..<10)
    let scored = try run(["evaluate", model, newer.path])
    #expect(scored.standardError.contains("scored: 12 rows of a table the model was not trained on (12 rows of groups it was trained on left out)"), "\(scored.standardError)")
  }

  @Test func unknownClassesAndCaseOnlyDifferencesAreWarnedAndCountAsErrors() throws {
    let directory = try makeTemporaryDirectory()
    let model = directory.appendingPathComponent("model.json").path
    _ = try run(["train", try table(in: directory).path, "--model", "knn", "--output", model])
    let other = try table(in: directory, name: "other.csv", tracks: 20..<22, labels: ["BLUES", "jazz", "metal"])
    let result = try run(["evaluate", model, other.path, "--format", "csv"])
    #expect(result.standardError.contains("class 'BLUES' of the table (4 rows) is unknown to the model: its rows count as errors"), "\(result.standardError)")
    #expect(result.standardError.contains("class 'metal' of the table (4 rows) is unknown to the model"))
    #expect(result.standardError.contains("labels 'BLUES' and 'blues' differ only by case"))
    let lines = result.standardOutput.split(separator: "\n")
    #expect(lines.first == "class,precision,recall,f1,support")
    #expect(lines.contains("metal,0.0,0.0,0.0,4") && lines.contains("BLUES,0.0,0.0,0.0,4"))
  }

  @Test func predictFormatsIdsAndTrueLabels() throws {
    let directory = try makeTemporaryDirectory()
    let data = try table(in: directory).path
    let model = directory.appendingPathComponent("model.json").path
    _ = try run(["train", data, "--model", "logreg", "--output", model])
    let csv = try run(["predict", model, data, "--top", "2"]).standardOutput.split(separator: "\n")
    #expect(csv.first == "row,class_1,probability_1,class_2,probability_2,label")
    #expect(csv.dropFirst().first?.hasPrefix("blues.00000.0.wav,blues,0.") == true && csv[1].hasSuffix(",blues"))
    let json = try JSONSerialization.jsonObject(with: Data(try run(["predict", model, data, "--format", "json", "--top", "3"]).standardOutput.utf8)) as! [[String: Any]]
    #expect(json.count == 48 && json[0]["row"] as? String == "blues.00000.0.wav" && json[0]["label"] as? String == "blues")
    let ranked = try #require(json[0]["predictions"] as? [[String: Any]])
    #expect(ranked.first?["class"] as? String == "blues" && Set(ranked.compactMap { $0["class"] as? String }) == ["blues", "jazz", "rock"])
    let probabilities = ranked.compactMap { $0["probability"] as? Double }
    #expect(probabilities.count == 3 && abs(probabilities.reduce(0, +) - 1) < 1e-12 && probabilities == probabilities.sorted(by: >))
    let table = try run(["predict", model, data, "--format", "table", "--id", "f1"]).standardOutput.split(separator: "\n").map(String.init)
    #expect(table[0].split(separator: " ") == ["row", "class_1", "probability_1", "label"])
    #expect(table[1].hasPrefix("0.0  blues  ") && table[1].hasSuffix("blues"))
    // Without a label column, no label column in the output.
    let unlabelled = directory.appendingPathComponent("unlabelled.csv")
    try "filename,f1,f2\nx.wav,0,0\n".write(to: unlabelled, atomically: true, encoding: .utf8)
    #expect(try run(["predict", model, unlabelled.path]).standardOutput.hasPrefix("row,class_1,probability_1\nx.wav,blues,"))
  }

  @Test func badArgumentsAreClearErrors() throws {
    let directory = try makeTemporaryDirectory()
    let data = try table(in: directory).path
    let output = directory.appendingPathComponent("m.json").path
    for (arguments, message) in [
      (["train", data, "--model", "mlp", "--hidden", "10,abc", "--output", output], "invalid hidden = 10,abc: takes sizes of at least 1"),
      (["train", data, "--model", "mlp", "--hidden", "10,,5", "--output", output], "invalid hidden = 10,,5"),
      (["train", data, "--model", "knn", "--trees", "7", "--output", output], "invalid trees = 7: knn does not take it (its options: k, weights)"),
      (["train", data, "--model", "svm", "--output", output], "svm"),
      (["train", data, "--model", "knn", "--jobs", "0", "--output", output], "The value '0' is invalid for '--jobs <jobs>'"),
      (["compare", data, "--models", ""], "--models needs at least one"),
      (["compare", data, "--models", "knn,svm"], "unknown model 'svm'"),
      (["compare", data, "--features", ","], "--features needs at least one column"),
      (["help", "nosuch"], "no command 'nosuch'"),
      (["train", data, "--model", "knn", "--weights", "far", "--output", output], "far"),
    ] {
      let result = try run(arguments, status: 2)
      #expect(result.standardError.contains(message), "\(arguments): \(result.standardError)")
    }
    #expect(!FileManager.default.fileExists(atPath: output))
    #expect(try run(["--version"]).standardOutput == "0.2.0\n")
    #expect(try run(["help", "train"]).standardOutput.contains("Examples:"))
  }

  @Test func badTablesAndModelFilesExitWithTwo() throws {
    let directory = try makeTemporaryDirectory()
    let data = try table(in: directory).path
    func expectRefusal(_ arguments: [String], mentioning fragment: String) throws {
      let result = try run(arguments, status: 2)
      #expect(result.standardError.contains(fragment), "\(arguments): \(result.standardError)")
      #expect(!result.standardError.contains("Fatal error"))
    }
    let ragged = directory.appendingPathComponent("ragged.csv")
    try "filename,f1,label\nblues.00000.wav,1,blues\nblues.00001.wav,2\n".write(to: ragged, atomically: true, encoding: .utf8)
    try expectRefusal(["compare", ragged.path], mentioning: "ragged.csv:3")
    let empty = directory.appendingPathComponent("empty.csv")
    try "".write(to: empty, atomically: true, encoding: .utf8)
    try expectRefusal(["compare", empty.path], mentioning: "empty")
    let duplicated = directory.appendingPathComponent("duplicated.csv")
    try "filename,f1,f1,label\nblues.00000.wav,1,2,blues\n".write(to: duplicated, atomically: true, encoding: .utf8)
    try expectRefusal(["compare", duplicated.path], mentioning: "duplicated.csv:1, column 3: column 'f1' appears twice, in columns 2 and 3")

    let model = directory.appendingPathComponent("model.json")
    _ = try run(["train", data, "--model", "logreg", "--output", model.path])
    let text = try String(contentsOf: model, encoding: .utf8)
    let truncated = directory.appendingPathComponent("truncated.json")
    try String(text.prefix(text.count / 2)).write(to: truncated, atomically: true, encoding: .utf8)
    try expectRefusal(["predict", truncated.path, data], mentioning: "not a GenreKit model file")
    let future = directory.appendingPathComponent("future.json")
    try text.replacingOccurrences(of: "\"formatVersion\" : 2", with: "\"formatVersion\" : 99").write(to: future, atomically: true, encoding: .utf8)
    try expectRefusal(["predict", future.path, data], mentioning: "version 99")
    let other = directory.appendingPathComponent("other.csv")
    try "filename,f1,label\nblues.00000.wav,1,blues\n".write(to: other, atomically: true, encoding: .utf8)
    try expectRefusal(["predict", model.path, other.path], mentioning: "f2")
  }

  /// The projection of the bundled table's training rows equals scikit-learn's (Learning fixtures).
  @Test func pcaWritesScikitLearnsProjection() throws {
    struct Reference: Decodable {
      var pca_first_row: [Double]
      var pca_explained_variance_ratio: [Double]
    }
    let fixtures = CLIFixtures.projectRoot.appendingPathComponent("Tests/LearningTests/Fixtures/sklearn_reference.json")
    let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: fixtures))
    let directory = try makeTemporaryDirectory()
    let lines = try String(contentsOfFile: DamagedModelFileTests.table, encoding: .utf8).split(whereSeparator: \.isNewline)
    let training = directory.appendingPathComponent("training.csv")
    // The fixture's training part: data rows whose index is not a multiple of 5.
    try ([lines[0]] + lines.dropFirst().enumerated().filter { $0.offset % 5 != 0 }.map(\.element))
      .joined(separator: "\n").appending("\n").write(to: training, atomically: true, encoding: .utf8)
    let output = directory.appendingPathComponent("pca.csv")
    let result = try run(["pca", training.path, "--components", "5", "--output", output.path])
    let rows = try readLines(output)
    #expect(rows.first == "row,label,pc1,pc2,pc3,pc4,pc5" && rows.count == 801)
    let first = rows[1].split(separator: ",").dropFirst(2).compactMap { Double($0) }
    #expect(first.count == 5 && zip(first, reference.pca_first_row).allSatisfy { abs($0 - $1) < 1e-9 }, "\(first)")
    let ratios = reference.pca_explained_variance_ratio.map { String(format: "%.4f", $0) }.joined(separator: ", ")
    #expect(result.standardError.contains("explained variance ratio \(ratios)"), "\(result.standardError)")
  }

  @Test func splitWritesGroupsWithTheirFoldOrSet() throws {
    let directory = try makeTemporaryDirectory()
    let data = try table(in: directory).path
    let folds = try run(["split", data, "--folds", "4", "--output", "-"]).standardOutput.split(separator: "\n")
    #expect(folds.first == "id,fold" && folds.count == 25)
    let assigned = folds.dropFirst().map { $0.split(separator: ",") }
    #expect(Set(assigned.map { $0[0] }).count == 24 && Set(assigned.map { $0[1] }) == ["0", "1", "2", "3"])
    let holdout = try run(["split", data, "--test-size", "0.25", "--output", "-"]).standardOutput.split(separator: "\n")
    #expect(holdout.first == "id,set" && holdout.dropFirst().filter { $0.hasSuffix(",test") }.count == 6)
    // The split file gives compare exactly these folds.
    let file = directory.appendingPathComponent("split.csv")
    try (folds.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
    let compared = try run(["compare", data, "--split", file.path, "--models", "knn", "--format", "csv"])
    #expect(compared.standardError.contains("fold 4: train 36 rows (18 groups), test 12 rows (6 groups)"), "\(compared.standardError)")
  }
}

/// Every option of compare, train, evaluate and predict changes what it says it changes.
@Suite struct ModelOptionTests {
  let helper = ModelCommandTests()

  func run(_ arguments: [String]) throws -> CommandResult { try helper.run(arguments) }

  @Test func compareOptions() throws {
    let directory = try makeTemporaryDirectory()
    let data = try helper.table(in: directory).path
    // The bundled table by default.
    let bundled = try run(["compare", "--models", "knn", "--format", "csv"])
    #expect(bundled.standardError.contains("bundled GTZAN features_30_sec.csv: 1000 rows"))
    #expect(bundled.standardOutput.split(separator: "\n")[1].hasPrefix("knn,0.675,"))
    // --features and --exclude choose the columns; --pca projects them.
    #expect(try run(["compare", data, "--features", "f2", "--models", "knn"]).standardOutput.contains("features: 1 numeric columns (f2)"))
    #expect(try run(["compare", data, "--exclude", "f1", "--models", "knn"]).standardOutput.contains("features: 1 numeric columns (f2)"))
    #expect(try run(["compare", data, "--pca", "1", "--models", "knn"]).standardOutput.contains("; PCA 1 components"))
    // --test-size and --seed: one holdout, a different one for another seed.
    let seed0 = try run(["compare", data, "--test-size", "0.25", "--models", "knn", "--format", "json"]).standardOutput
    let seed1 = try run(["compare", data, "--test-size", "0.25", "--seed", "1", "--models", "knn", "--format", "json"]).standardOutput
    #expect(seed0.contains("stratified group holdout, test 0.25, seed 0") && seed1.contains("seed 1"))
    // --split-lists: three files of track paths; unlisted tracks are left out and counted.
    var lists: [String] = []
    for (name, tracks) in [("train", 0..<5), ("valid", 5..<6), ("test", 6..<7)] {
      let url = directory.appendingPathComponent("\(name).txt")
      try ["blues", "jazz", "rock"].flatMap { genre in tracks.map { "\(genre)/\(genre).\(String(format: "%05d", $0)).wav" } }
        .joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
      lists.append(url.path)
    }
    let listed = try run(["compare", data, "--split-lists", lists.joined(separator: ","), "--models", "knn", "--format", "csv"])
    #expect(listed.standardError.contains("6 of 48 rows belong to no split set and were left out"), "\(listed.standardError)")
    #expect(listed.standardError.contains("fold 1: train 36 rows (18 groups), test 6 rows (3 groups)"), "\(listed.standardError)")
  }

  /// Each hyperparameter reaches the model file.
  @Test func trainHyperparametersReachTheModel() throws {
    let directory = try makeTemporaryDirectory()
    let data = try helper.table(in: directory).path
    func hyperparameters(_ kind: String, _ options: [String]) throws -> [String: String] {
      let model = directory.appendingPathComponent("\(kind).json")
      _ = try run(["train", data, "--model", kind, "--output", model.path] + options)
      return (try JSONSerialization.jsonObject(with: Data(contentsOf: model)) as! [String: Any])["hyperparameters"] as! [String: String]
    }
    let knn = try hyperparameters("knn", ["--k", "3", "--weights", "distance", "--scale", "false", "--pca", "1"])
    #expect(knn["k"] == "3" && knn["weights"] == "distance" && knn["scale"] == "false" && knn["pca"] == "1")
    let forest = try hyperparameters("forest", ["--trees", "7", "--max-depth", "2", "--seed", "5"])
    #expect(forest["trees"] == "7" && forest["max_depth"] == "2" && forest["seed"] == "5")
    let logreg = try hyperparameters("logreg", ["--c", "0.5", "--max-iter", "50"])
    #expect(logreg["C"] == "0.5" && logreg["max_iter"] == "50")
    let mlp = try hyperparameters("mlp", ["--hidden", "8,4", "--alpha", "0.01", "--learning-rate", "0.01", "--max-iter", "30", "--dropout", "0.1", "--validation-fraction", "0.2"])
    #expect(mlp["hidden"] == "8,4" && mlp["alpha"] == "0.01" && mlp["learning_rate"] == "0.01" && mlp["max_iter"] == "30")
    #expect(mlp["dropout"] == "0.1" && mlp["validation_fraction"] == "0.2")
  }

  @Test func semicolonTablesWithAGivenDelimiter() throws {
    let directory = try makeTemporaryDirectory()
    let data = try helper.table(in: directory)
    let semicolons = directory.appendingPathComponent("semicolons.csv")
    try String(contentsOf: data, encoding: .utf8).replacingOccurrences(of: ",", with: ";").write(to: semicolons, atomically: true, encoding: .utf8)
    let model = directory.appendingPathComponent("model.json").path
    _ = try run(["train", data.path, "--model", "knn", "--test-size", "0.25", "--output", model])
    let predicted = try run(["predict", model, semicolons.path, "--delimiter", ";"])
    #expect(predicted.standardOutput == (try run(["predict", model, data.path])).standardOutput)
    #expect(try run(["evaluate", model, semicolons.path, "--delimiter", ";", "--all-rows"]).standardOutput.hasPrefix("48 rows: accuracy 1.000"))
  }
}

@Suite struct HelpTests {
  @Test(arguments: [
    "extract", "dataset", "compare", "split", "train", "evaluate", "predict", "pca", "plot", "plot signal", "plot features", "plot pca",
    "plot confusion", "plot compare", "plot curves", "report", "serve",
  ])
  func everyCommandHasExamples(command: String) throws {
    let result = try GenreKitBinary.run(["help"] + command.split(separator: " ").map(String.init))
    #expect(result.status == 0)
    #expect(result.standardOutput.contains("Examples:\n  genrekit \(command)"), "\(result.standardOutput)")
  }
}
