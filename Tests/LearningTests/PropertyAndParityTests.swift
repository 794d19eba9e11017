import Foundation
@testable import Learning
import Testing

@Suite struct PropertyTests {
  @Test func fullRankPCAReconstructsTheData() throws {
    let (x, _) = blobs()
    let pca = try PCA(fitting: x, componentCount: 4)
    let back = pca.inverseTransform(pca.transform(x))
    #expect(zip(back.values, x.values).allSatisfy { abs($0 - $1) < 1e-9 })
    #expect(abs(pca.explainedVarianceRatio.reduce(0, +) - 1) < 1e-12)
    #expect(zip(pca.explainedVariance, pca.explainedVariance.dropFirst()).allSatisfy { $0 >= $1 })
  }

  @Test func scalerGivesMeanZeroAndUnitStd() {
    let (x, _) = blobs()
    let scaled = StandardScaler(fitting: x).transform(x)
    for c in 0..<x.columns {
      let column = (0..<x.rows).map { scaled[$0, c] }
      let mean = column.reduce(0, +) / Double(column.count)
      let variance = column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(column.count)
      #expect(abs(mean) < 1e-12 && abs(variance - 1) < 1e-12)
    }
  }

  @Test func oneNearestNeighbourRecallsTheTrainingSet() throws {
    let (x, y) = blobs()
    let model = try KNearestNeighbors(k: 1).fit(x, labels: y, classCount: 3, threads: 1)
    #expect(model.predict(x) == y)
  }

  /// A missing value predicts exactly as the training part's statistic in its place, and the
  /// statistic is computed on the training rows only (the missing one ignored).
  @Test(arguments: Imputer.Strategy.allCases)
  func missingValuesAreImputedFromTheTrainingRows(strategy: Imputer.Strategy) throws {
    var (x, y) = blobs()
    x[0, 0] = .nan
    let column = (1..<x.rows).map { x[$0, 0] }.sorted()
    let expected: Double
    switch strategy {
    case .mean: expected = column.reduce(0, +) / Double(column.count)
    case .median: expected = column.count % 2 == 1 ? column[column.count / 2] : (column[column.count / 2 - 1] + column[column.count / 2]) / 2
    case .mostFrequent: expected = column[0]  // all distinct: the smallest, as scikit-learn
    }
    let model = try PipelineSettings(model: LogisticRegression(), imputation: strategy).fit(x, labels: y, classCount: 3, threads: 1)
    #expect(model.imputer?.fillValues[0] == expected)
    let query = Matrix([[.nan, 1, 2, 3]])
    #expect(try model.probabilities(query) == model.probabilities(Matrix([[expected, 1, 2, 3]])))
    #expect(throws: LearningError.self) { try PipelineSettings(model: LogisticRegression()).fit(x, labels: y, classCount: 3, threads: 1) }
  }

  @Test func mostFrequentTiesGoToTheSmallestValue() {
    let imputer = Imputer(fitting: Matrix([[3], [1], [3], [1], [.nan], [2]]), strategy: .mostFrequent)
    #expect(imputer.fillValues == [1])
  }

  /// Categories come from the training rows only; an unknown or missing one encodes as zeros.
  @Test func oneHotEncodingUsesTheTrainingCategories() {
    let encoder = OneHotEncoder(fitting: [CategoricalColumn(name: "key", values: ["C", "A#", nil, "C"])])
    #expect(encoder.outputNames == ["key=A#", "key=C"])
    let encoded = encoder.transform([CategoricalColumn(name: "key", values: ["C", "D", nil, "A#"])], rows: 4)
    #expect(encoded == Matrix([[0, 1], [0, 0], [0, 0], [1, 0]]))
  }
}

/// Same data, same split, against scikit-learn's numbers (Fixtures/generate.py).
@Suite struct ScikitLearnParityTests {
  struct Reference: Decodable {
    var knn_predictions: [Int]
    var knn_distance_predictions: [Int]
    var logreg_accuracy: Double
    var logreg_optimum_probabilities_first_rows: [[Double]]
    var forest_accuracy: Double
    var mlp_accuracy: Double
    var pca_explained_variance_ratio: [Double]
    var pca_first_row: [Double]
  }

  let reference: Reference
  let train: Dataset
  let test: Dataset

  init() throws {
    let url = Bundle.module.url(forResource: "sklearn_reference", withExtension: "json", subdirectory: "Fixtures")!
    reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    let table = try TableReader.read(path: EmbeddedTables.gtzan30Seconds).dataset
    train = table.subset((0..<table.count).filter { $0 % 5 != 0 })
    test = table.subset((0..<table.count).filter { $0 % 5 == 0 })
  }

  func accuracy(_ kind: ModelKind) throws -> Double {
    let model = try PipelineSettings(model: kind.settings(seed: 0)).fit(train.features, labels: train.labels, classCount: 10, threads: 2)
    let predicted = try model.predict(test.features)
    return Double(zip(predicted, test.labels).filter { $0 == $1 }.count) / Double(test.count)
  }

  @Test func knnPredictsExactlyAsScikitLearn() throws {
    let uniform = try PipelineSettings(model: KNearestNeighbors()).fit(train.features, labels: train.labels, classCount: 10, threads: 1)
    #expect(try uniform.predict(test.features) == reference.knn_predictions)
    let distance = try PipelineSettings(model: KNearestNeighbors(weighting: .distance)).fit(train.features, labels: train.labels, classCount: 10, threads: 1)
    #expect(try distance.predict(test.features) == reference.knn_distance_predictions)
  }

  @Test func logisticRegressionReachesTheSameOptimum() throws {
    #expect(abs(try accuracy(LogisticRegression.registration) - reference.logreg_accuracy) <= 0.015)
    let tight = LogisticRegression(maxIterations: 20000, tolerance: 1e-10)
    let model = try PipelineSettings(model: tight).fit(train.features, labels: train.labels, classCount: 10, threads: 1)
    let p = try model.probabilities(test.features.selecting(rows: Array(0..<5)))
    let difference = maxDifference(p.values, reference.logreg_optimum_probabilities_first_rows.flatMap { $0 })
    #expect(difference < 1e-5, "largest probability difference \(difference)")
  }

  @Test func forestAndMLPAccuracyWithinThreePoints() throws {
    #expect(abs(try accuracy(RandomForest.registration) - reference.forest_accuracy) <= 0.03)
    #expect(abs(try accuracy(MultilayerPerceptron.registration) - reference.mlp_accuracy) <= 0.03)
  }

  struct ModelReference: Decodable {
    struct Weights: Decodable {
      var coefs: [[[Double]]]
      var intercepts: [[Double]]
    }
    var forest_root_feature_share: [Double]
    var forest_mean_leaves: Double
    var mlp_rows: Int
    var mlp_initial: Weights
    var mlp_epochs: [Weights]
    struct Seeded: Decodable {
      var loss_curve: [Double]
      var coefs: [[[Double]]]
      var intercepts: [[Double]]
    }
    var mlp_seeded: Seeded
  }

  var modelReference: ModelReference {
    get throws {
      let url = Bundle.module.url(forResource: "sklearn_models", withExtension: "json", subdirectory: "Fixtures")!
      return try JSONDecoder().decode(ModelReference.self, from: Data(contentsOf: url))
    }
  }

  /// Fingerprints of max_features, the bootstrap and the split rule over 1000 trees
  /// (Fixtures/generate_models.py): how often each feature is the root split (scikit-learn seed to
  /// seed: total variation 0.09; all features instead of √d: 0.75) and the mean leaves per tree
  /// (seed to seed 0.3; all features: 40 fewer).
  @Test func forestGrowsTreesAsScikitLearn() throws {
    let reference = try modelReference
    let forest = try RandomForest(treeCount: 1000).fit(train.features, labels: train.labels, classCount: 10, threads: 2)
    var roots = [Double](repeating: 0, count: 57)
    for tree in forest.trees { roots[Int(tree.feature[0])] += 1.0 / 1000 }
    let totalVariation = zip(roots, reference.forest_root_feature_share).reduce(0) { $0 + abs($1.0 - $1.1) } / 2
    #expect(totalVariation < 0.2, "root-split total variation \(totalVariation)")
    let leaves = Double(forest.trees.reduce(0) { $0 + $1.leafCounts.count / 10 }) / 1000
    #expect(abs(leaves - reference.forest_mean_leaves) < 2, "\(leaves) leaves per tree, scikit-learn \(reference.forest_mean_leaves)")
  }

  /// Three epochs of Adam from the same initial weights, in the same batch order, give the
  /// weights scikit-learn's MLPClassifier gives (to rounding): loss gradient, L2 penalty per batch,
  /// Adam's moments and bias correction, batching.
  @Test func mlpTrainsAsScikitLearnStepForStep() throws {
    let reference = try modelReference
    let scaled = StandardScaler(fitting: train.features).transform(train.features).selecting(rows: Array(0..<reference.mlp_rows))
    func network(_ weights: ModelReference.Weights) -> MultilayerPerceptron.Fitted {
      MultilayerPerceptron.Fitted(layers: zip(weights.coefs, weights.intercepts).map { coefs, intercepts in
        .init(weights: Matrix(coefs), biases: intercepts)
      })
    }
    var generator = SeededGenerator(seed: 0)
    for (epochs, expected) in reference.mlp_epochs.enumerated() {
      let settings = MultilayerPerceptron(hiddenLayers: [16], learningRate: 1e-2, alpha: 1e-3, maxEpochs: epochs + 1, tolerance: -.infinity)
      let trained = try settings.train(
        network(reference.mlp_initial), x: scaled, labels: Array(train.labels.prefix(reference.mlp_rows)),
        rows: Array(0..<reference.mlp_rows), validationRows: [], ordering: .fixed, generator: &generator)
      let want = network(expected)
      for (layer, wanted) in zip(trained.layers, want.layers) {
        let scale = wanted.weights.values.map(abs).max()!
        #expect(maxDifference(layer.weights.values, wanted.weights.values) < 1e-10 * scale, "epoch \(epochs + 1)")
        #expect(maxDifference(layer.biases, wanted.biases) < 1e-10 * scale, "epoch \(epochs + 1)")
      }
    }
  }

  /// `MLPClassifier(random_state=0)` itself: the same initial weights and per-epoch shuffles
  /// (numpy's RandomState), so the same loss curve and weights after four epochs (to rounding).
  @Test func mlpWithSeedZeroIsScikitLearnsMLPWithRandomStateZero() throws {
    let reference = try modelReference.mlp_seeded
    let scaled = StandardScaler(fitting: train.features).transform(train.features)
    let settings = MultilayerPerceptron(hiddenLayers: [16], learningRate: 1e-2, alpha: 1e-3, maxEpochs: 4, tolerance: -.infinity, seed: 0)
    let fitted = try settings.fit(scaled, labels: train.labels, classCount: 10, groups: train.groups, threads: 1, progress: nil)
    let losses = fitted.history.map(\.trainingLoss)
    #expect(maxDifference(losses, reference.loss_curve) < 1e-10 * reference.loss_curve[0], "\(losses) vs \(reference.loss_curve)")
    for (layer, (coefs, intercepts)) in zip(fitted.layers, zip(reference.coefs, reference.intercepts)) {
      let wanted = Matrix(coefs)
      let scale = wanted.values.map(abs).max()!
      #expect(maxDifference(layer.weights.values, wanted.values) < 1e-10 * scale)
      #expect(maxDifference(layer.biases, intercepts) < 1e-10 * scale)
    }
  }

  @Test func pcaMatchesScikitLearn() throws {
    let scaled = StandardScaler(fitting: train.features).transform(train.features)
    let pca = try PCA(fitting: scaled, componentCount: 5)
    #expect(zip(pca.explainedVarianceRatio, reference.pca_explained_variance_ratio).allSatisfy { abs($0 - $1) < 1e-9 })
    let first = pca.transform(scaled.selecting(rows: [0]))
    #expect(zip(first.values, reference.pca_first_row).allSatisfy { abs($0 - $1) < 1e-6 })
  }
}

func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
  zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

@Suite struct MultilayerPerceptronOptionTests {
  /// Early stopping waits `patience` epochs; with one batch per epoch (as scikit-learn, batch
  /// min(200, n)) tiny data stops before it has learned, so this uses 1200 rows.
  @Test func dropoutAndEarlyStoppingStillLearnAndStayDeterministic() throws {
    let (x, y) = blobs(perClass: 400)
    let (testX, testY) = blobs(seed: 2)
    let settings = PipelineSettings(model: MultilayerPerceptron(dropout: 0.2, validationFraction: 0.2, seed: 3))
    let model = try settings.fit(x, labels: y, classCount: 3, threads: 1)
    let accuracy = Double(zip(try model.predict(testX), testY).filter { $0 == $1 }.count) / Double(testY.count)
    #expect(accuracy >= 0.95)
    let network = try #require(model.model as? MultilayerPerceptron.Fitted)
    #expect(network.epochs < 500)
    #expect(try settings.fit(x, labels: y, classCount: 3, threads: 2) == model)
  }

  /// The early-stopping part is drawn by group: with segments in groups of ten, no group is on
  /// both sides, and it holds the asked fraction of the groups' rows.
  @Test func earlyStoppingHoldsOutWholeGroups() throws {
    let (x, y) = blobs(perClass: 200)
    let groups = y.indices.map { "track\($0 / 10)" }
    let data = TrainingData(input: .rows(x), labels: y, classCount: 3, groups: groups)
    let part = try Splitter.stratifiedGroupHoldout(data, testFraction: 0.2, seed: 3)
    #expect(Set(part.train.map { groups[$0] }).isDisjoint(with: part.test.map { groups[$0] }))
    #expect(part.test.count == 120)
    let fitted = try MultilayerPerceptron(validationFraction: 0.2, seed: 3).fit(x, labels: y, classCount: 3, groups: groups, threads: 1, progress: nil)
    #expect(fitted.epochs >= 1)
  }
}
