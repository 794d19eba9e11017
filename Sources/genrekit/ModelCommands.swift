import ArgumentParser
import Foundation
import Learning
import TabularIO

/// Hyperparameters on the command line; defaults are the library's (scikit-learn's).
struct HyperparameterArguments: ParsableArguments {
  @Option(help: "knn: neighbours (default 5).") var k: Int?
  @Option(help: "knn: uniform or distance (default uniform).") var weights: String?
  @Option(help: "forest: trees (default 100).") var trees: Int?
  @Option(help: "forest: maximum depth (default unlimited).") var maxDepth: Int?
  @Option(help: "logreg: inverse regularisation C (default 1).") var c: Double?
  @Option(help: "logreg/mlp: maximum iterations or epochs (default 1000 / 500).") var maxIter: Int?
  @Option(help: "mlp: hidden layer sizes, comma-separated (default 100).") var hidden: String?
  @Option(help: "mlp: L2 penalty alpha (default 1e-4).") var alpha: Double?
  @Option(help: "mlp: Adam learning rate (default 1e-3).") var learningRate: Double?
  @Option(help: "mlp: dropout rate of hidden units (default 0).") var dropout: Double?
  @Option(help: "mlp: stop early on the accuracy of this held-out fraction (default off).") var validationFraction: Double?
  @Option(help: "Standardise features: true or false (default: true except for forest).") var scale: Bool?
  @Option(help: "Project on this many principal components first.") var pca: Int?

  func pipeline(for kind: ModelKind, seed: UInt64) throws -> PipelineSettings {
    var settings = ModelSettings.defaults(for: kind, seed: seed)
    switch settings {
    case .knn(var m):
      if let k { m.k = k }
      if let weights {
        guard let w = KNearestNeighbors.Weighting(rawValue: weights) else { throw ValidationError("--weights is uniform or distance") }
        m.weighting = w
      }
      settings = .knn(m)
    case .forest(var m):
      if let trees { m.treeCount = trees }
      if let maxDepth { m.maxDepth = maxDepth }
      settings = .forest(m)
    case .logreg(var m):
      if let c { m.c = c }
      if let maxIter { m.maxIterations = maxIter }
      settings = .logreg(m)
    case .mlp(var m):
      if let hidden { m.hiddenLayers = TableArguments.list(hidden).compactMap(Int.init) }
      if let alpha { m.alpha = alpha }
      if let learningRate { m.learningRate = learningRate }
      if let maxIter { m.maxEpochs = maxIter }
      if let dropout { m.dropout = dropout }
      m.validationFraction = validationFraction
      settings = .mlp(m)
    }
    return PipelineSettings(model: settings, scale: scale, pcaComponents: pca)
  }
}

struct Split: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "split", abstract: "Write a group-aware split file (id,fold or id,set).")

  @Argument(help: "A feature table (CSV).") var table: String
  @OptionGroup var tableArguments: TableArguments
  @Option(help: "Stratified group k-fold with this many folds.") var folds: Int?
  @Option(help: "One stratified group holdout with this test fraction.") var testSize: Double?
  @Option(help: "Seed of every random choice.") var seed: UInt64 = 0
  @Option(help: "The split file to write.") var output: String

  func validate() throws {
    guard (folds == nil) != (testSize == nil) else { throw ValidationError("give exactly one of --folds and --test-size") }
  }

  func run() throws {
    try OutputSafety.check(outputs: [("--output", output)], inputs: [table])
    let dataset = try tableArguments.read(table)
    let strategy: SplitStrategy = folds.map { .folds($0) } ?? .holdout(testFraction: testSize!)
    let (splitFolds, _) = try Splitter.folds(of: dataset, strategy: strategy, seed: seed)
    let writer = try AtomicFileWriter(destination: output)
    writer.write(SplitFiles.csv(folds: splitFolds, of: dataset))
    try writer.commit()
  }
}

struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "train",
    abstract: "Train one model and write it as a versioned JSON model file.",
    discussion: "With a split option, trains on the training part (and validation set) of the first fold; otherwise on every row.")

  @Argument(help: "A feature table (CSV).") var table: String
  @Option(help: "knn, forest, logreg or mlp.") var model: ModelKind
  @OptionGroup var tableArguments: TableArguments
  @OptionGroup var splitArguments: SplitArguments
  @OptionGroup var hyperparameters: HyperparameterArguments
  @Option(help: "Threads for models that use them (default: all cores).") var jobs = ProcessInfo.processInfo.activeProcessorCount
  @Option(help: "The model file to write.") var output: String

  func run() throws {
    try OutputSafety.check(
      outputs: [("--output", output)] + (output == "-" ? [] : [("the tensor file", ModelFile.tensorFilePath(for: output))]),
      inputs: [table] + splitArguments.files)
    let dataset = try tableArguments.read(table)
    let rows = splitArguments.isGiven ? try splitArguments.folds(of: dataset)[0].trainingRows : Array(0..<dataset.count)
    let training = dataset.subset(rows)
    let settings = try hyperparameters.pipeline(for: model, seed: splitArguments.seed)
    let fitted = try settings.fit(training.features, labels: training.labels, classCount: dataset.classNames.count, threads: jobs)
    let file = ModelFile(
      pipeline: fitted, hyperparameters: settings.summary, featureNames: dataset.featureNames,
      classNames: dataset.classNames, labelColumn: tableArguments.label)
    try file.write(to: output)
    log("genrekit: trained \(model.rawValue) on \(training.count) rows; wrote \(output)")
  }
}

struct Evaluate: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "evaluate",
    abstract: "Score a model file on a labelled table (on the test part when a split is given).")

  @Argument(help: "A model file from 'genrekit train'.") var model: String
  @Argument(help: "A labelled feature table (CSV).") var table: String
  @OptionGroup var tableArguments: TableArguments
  @OptionGroup var splitArguments: SplitArguments
  @Option(help: "table, csv or json.") var format = OutputFormat.table

  func validate() throws {
    guard model != "-" || table != "-" else { throw ValidationError("the model and the table cannot both be standard input") }
  }

  func run() throws {
    let file = try ModelFile.read(path: model)
    var options = tableArguments.options
    options.featureColumns = options.featureColumns ?? file.featureNames
    let dataset = try TableReader.read(path: table, options: options)
    let rows = splitArguments.isGiven ? try splitArguments.folds(of: dataset)[0].test : Array(0..<dataset.count)
    let test = dataset.subset(rows)
    let predicted = try file.pipeline.predict(try file.featureMatrix(from: test))
    // Labels are compared by name: the table may order or lack classes differently.
    let truth = test.labels.map { dataset.classNames[$0] }
    let classes = Array(Set(file.classNames + truth)).sorted()
    let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
    let report = ClassificationReport(
      truth: truth.map { index[$0]! }, predicted: predicted.map { index[file.classNames[$0]]! }, classCount: classes.count)
    switch format {
    case .json:
      struct Output: Encodable { var classes: [String]; var report: ClassificationReport; var rows: Int }
      print(try prettyJSON(Output(classes: classes, report: report, rows: test.count)))
    case .csv:
      print("class,precision,recall,f1,support")
      for (i, name) in classes.enumerated() {
        print("\(name),\(report.precision[i]),\(report.recall[i]),\(report.f1[i]),\(report.confusion[i].reduce(0, +))")
      }
    case .table:
      print(String(format: "%d rows: accuracy %.3f, macro-F1 %.3f", test.count, report.accuracy, report.macroF1))
      print("class        precision  recall  f1     support")
      for (i, name) in classes.enumerated() {
        print(String(format: "%@ %.3f      %.3f   %.3f  %d", name.padding(toLength: 12, withPad: " ", startingAt: 0),
                     report.precision[i], report.recall[i], report.f1[i], report.confusion[i].reduce(0, +)))
      }
      print("confusion (rows: true, columns: predicted, order as above)")
      for row in report.confusion { print(row.map { String(format: "%4d", $0) }.joined()) }
    }
  }
}

struct Predict: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "predict", abstract: "Predict the label of every row of a table with a model file.")

  @Argument(help: "A model file from 'genrekit train'.") var model: String
  @Argument(help: "A feature table (CSV); a label column is not needed.") var table: String
  @Option(help: "Also give the k most probable classes with their probabilities.") var top = 1
  @Option(help: "Field delimiter, ',' or ';' (default: detected).") var delimiter: String?
  @Option(help: "table, csv or json.") var format = OutputFormat.csv

  func validate() throws {
    guard model != "-" || table != "-" else { throw ValidationError("the model and the table cannot both be standard input") }
    guard top >= 1 else { throw ValidationError("--top must be at least 1") }
    _ = try TableArguments.delimiterByte(delimiter)
  }

  func run() throws {
    let file = try ModelFile.read(path: model)
    var options = Learning.TableOptions()
    options.labelColumn = file.labelColumn
    options.labelOptional = true
    options.featureColumns = file.featureNames
    options.delimiter = try TableArguments.delimiterByte(delimiter)
    let dataset = try TableReader.read(path: table, options: options)
    let probabilities = try file.pipeline.probabilities(try file.featureMatrix(from: dataset))
    let k = min(top, file.classNames.count)
    var rows: [[String]] = []
    for r in 0..<dataset.count {
      let ranked = (0..<probabilities.columns).sorted { probabilities[r, $0] > probabilities[r, $1] || (probabilities[r, $0] == probabilities[r, $1] && $0 < $1) }
      rows.append([dataset.rowNames[r]] + ranked.prefix(k).flatMap { [file.classNames[$0], String(probabilities[r, $0])] })
    }
    let header = ["row"] + (1...k).flatMap { ["class_\($0)", "probability_\($0)"] }
    switch format {
    case .csv, .table:
      print(CSVFormat.line(header) + rows.map(CSVFormat.line).joined(), terminator: "")
    case .json:
      let objects = rows.map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
      print(try prettyJSON(objects))
    }
  }
}

struct PrincipalComponents: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "pca", abstract: "Project a table on its principal components (standardised features), e.g. for 2-D plots.")

  @Argument(help: "A feature table (CSV).") var table: String
  @OptionGroup var tableArguments: TableArguments
  @Option(help: "Number of components.") var components: Int
  @Option(help: "The CSV to write: row, label, pc1 … pcN.") var output: String

  func run() throws {
    try OutputSafety.check(outputs: [("--output", output)], inputs: [table])
    let dataset = try tableArguments.read(table)
    let scaler = StandardScaler(fitting: dataset.features)
    let pca = try PCA(fitting: scaler.transform(dataset.features), componentCount: components)
    let projected = pca.transform(scaler.transform(dataset.features))
    let writer = try AtomicFileWriter(destination: output)
    writer.write(CSVFormat.line(["row", "label"] + (1...components).map { "pc\($0)" }))
    for r in 0..<dataset.count {
      writer.write(CSVFormat.line([dataset.rowNames[r], dataset.classNames[dataset.labels[r]]] + (0..<components).map { String(projected[r, $0]) }))
    }
    try writer.commit()
    log("genrekit: explained variance ratio " + pca.explainedVarianceRatio.map { String(format: "%.4f", $0) }.joined(separator: ", "))
  }
}
