import Foundation
import TensorIO

/// One Gaussian HMM per class (hmmlearn's `GaussianHMM` semantics), trained by Baum–Welch on
/// every training sequence of its class, each its own sequence; a sequence's class is the one
/// whose HMM gives it the highest log-likelihood, and its class probabilities are the softmax of
/// the log-likelihoods (the posterior under equal class priors). Frames are used unscaled.
public struct HMMClassifier: ModelSettings, Equatable {
  public static let registration = ModelKind(
    name: "hmm", input: .frameSequences, summary: "one Gaussian HMM per class on frame sequences (Baum–Welch)",
    options: ["states", "covariance", "iterations", "tolerance"],
    makeSettings: { seed, options throws(LearningError) in
      var settings = HMMClassifier(seed: seed)
      if let states = try options.int("states") { settings.states = states }
      if let covariance = try options.choice("covariance", as: GaussianHMM.Covariance.self) { settings.covariance = covariance }
      if let iterations = try options.int("iterations") { settings.iterations = iterations }
      if let tolerance = try options.double("tolerance") { settings.tolerance = tolerance }
      return settings
    },
    loadFitted: { json, tensors, shape in try Fitted(modelJSON: json, tensors: tensors, shape: shape) })

  /// Hidden states per HMM. Default 4.
  public var states = 4
  /// Default `.diag`.
  public var covariance = GaussianHMM.Covariance.diag
  /// EM iterations at most. Default 20.
  public var iterations = 20
  /// EM stops when the log-likelihood gains less than this. Default 0.01.
  public var tolerance = 0.01
  /// Added to the data covariance at initialisation, and the floor of every variance. Default 1e-3.
  public var minCovariance = 1e-3
  /// hmmlearn's `covars_prior`, added in every M-step. Default 1e-2.
  public var covariancePrior = 1e-2
  /// Fixes the k-means initialisation of every class's HMM (class c uses stream c). Default 0.
  public var seed: UInt64 = 0

  public init(states: Int = 4, covariance: GaussianHMM.Covariance = .diag, iterations: Int = 20, tolerance: Double = 0.01, seed: UInt64 = 0) {
    self.states = states
    self.covariance = covariance
    self.iterations = iterations
    self.tolerance = tolerance
    self.seed = seed
  }

  public var kind: ModelKind { Self.registration }

  public var summary: [String: String] {
    ["states": "\(states)", "covariance": covariance.rawValue, "iterations": "\(iterations)", "tolerance": "\(tolerance)",
     "min_covar": "\(minCovariance)", "covars_prior": "\(covariancePrior)", "seed": "\(seed)"]
  }

  public func validate() throws(LearningError) {
    guard (1...64).contains(states) else { throw .invalidParameter(name: "states", value: "\(states)", reason: "must be in 1...64") }
    guard iterations >= 1 else { throw .invalidParameter(name: "iterations", value: "\(iterations)", reason: "must be at least 1") }
    guard tolerance >= 0, tolerance.isFinite else { throw .invalidParameter(name: "tolerance", value: "\(tolerance)", reason: "must be 0 or more") }
  }

  /// `progress` counts EM iterations over every class.
  public func fit(_ data: TrainingData, threads: Int, progress: ProgressHandler?) throws(LearningError) -> any FittedModel {
    guard case .sequences(let sequences) = data.input else { throw .wrongInput(model: kind.name, expected: kind.input, got: data.input.kind) }
    try validate()
    guard data.labels.count == sequences.count else { throw .shapeMismatch(what: "labels", expected: sequences.count, actual: data.labels.count) }
    guard Set(data.labels).count >= 2 else { throw .singleClass("all \(data.labels.count) sequences are class \(data.labels.first ?? 0)") }
    guard sequences.values.allSatisfy(\.isFinite) else {
      throw .invalidParameter(name: "frames", value: "NaN/inf", reason: "training frames must be finite")
    }
    var hmms: [GaussianHMM] = []
    var converged = true
    for c in 0..<data.classCount {
      let members = data.labels.indices.filter { data.labels[$0] == c }
      guard !members.isEmpty else {
        throw .invalidParameter(name: "classes", value: "\(c)", reason: "class \(c) has no training sequence; every class needs one")
      }
      let classSequences = sequences.selecting(members)
      guard classSequences.frameCount >= states else {
        throw .notEnoughSamples(needed: states, got: classSequences.frameCount)
      }
      var streams = SeededGenerator(seed: seed, stream: c)
      let fitted = fitOne(classSequences, threads: threads, seed: streams.next()) { iteration in
        progress?(c * iterations + iteration, data.classCount * iterations, "class \(c + 1) of \(data.classCount)")
      }
      hmms.append(fitted.hmm)
      converged = converged && fitted.converged
    }
    return Fitted(hmms: hmms, iterations: iterations, converged: converged)
  }

  /// hmmlearn's `fit` for one class: uniform start and transitions, k-means means, the frames'
  /// covariance plus `minCovariance`, then EM until the gain is below `tolerance`.
  func fitOne(
    _ sequences: FrameSequences, threads: Int, seed: UInt64, iterationDone: (Int) -> Void
  ) -> (hmm: GaussianHMM, converged: Bool, history: [Double]) {
    let frames = sequences.allFrames
    let (s, d) = (states, sequences.coefficients)
    let dataCovariance = Self.covariance(frames)
    var covariances: [Double]
    switch covariance {
    case .diag: covariances = (0..<s).flatMap { _ in (0..<d).map { dataCovariance[$0 * d + $0] + minCovariance } }
    case .full:
      var withFloor = dataCovariance
      for k in 0..<d { withFloor[k * d + k] += minCovariance }
      covariances = (0..<s).flatMap { _ in withFloor }
    }
    var hmm = GaussianHMM(
      covariance: covariance, start: [Double](repeating: 1 / Double(s), count: s),
      transition: [Double](repeating: 1 / Double(s), count: s * s),
      means: KMeans.centres(of: frames, k: s, seed: seed, threads: threads), covariances: covariances)
    var history: [Double] = []
    for iteration in 1...iterations {
      let stats = hmm.expectation(sequences, threads: threads)
      hmm.maximize(stats, covariancePrior: covariancePrior, minCovariance: minCovariance)
      history.append(stats.logLikelihood)
      iterationDone(iteration)
      if history.count >= 2 && history[history.count - 1] - history[history.count - 2] < tolerance {
        return (hmm, true, history)
      }
    }
    return (hmm, false, history)
  }

  /// `np.cov(X.T)`: the unbiased covariance of the rows, D × D.
  static func covariance(_ x: Matrix) -> [Double] {
    let d = x.columns
    let means = (0..<d).map { c in (0..<x.rows).reduce(0.0) { $0 + x[$1, c] } / Double(x.rows) }
    var out = [Double](repeating: 0, count: d * d)
    for r in 0..<x.rows {
      for i in 0..<d {
        let a = x[r, i] - means[i]
        for j in 0..<d { out[i * d + j] += a * (x[r, j] - means[j]) }
      }
    }
    return out.map { $0 / Double(max(1, x.rows - 1)) }
  }

  public struct Fitted: FittedModel, Equatable {
    public var kind: ModelKind { HMMClassifier.registration }
    /// One HMM per class, in class order.
    public let hmms: [GaussianHMM]
    public let iterations: Int
    public let converged: Bool
    public var classCount: Int { hmms.count }

    public var convergenceWarning: String? {
      converged ? nil : "hmm stopped at its iteration limit (\(iterations)) before the log-likelihood settled"
    }

    /// Per sequence, each class's HMM log-likelihood (sequences × classes).
    public func logLikelihoods(_ sequences: FrameSequences, threads: Int) -> Matrix {
      let passes = hmms.map(\.pass)
      let rows = parallelMap(count: sequences.count, threads: threads) { i in
        let x = sequences.sequence(i)
        return zip(hmms, passes).map { $0.logLikelihood(x, pass: $1) }
      }
      return Matrix(rows: sequences.count, columns: hmms.count, values: rows.flatMap { $0 })
    }

    public func probabilities(_ input: ModelInput, threads: Int) throws(LearningError) -> Matrix {
      guard case .sequences(let sequences) = input else { throw .wrongInput(model: kind.name, expected: kind.input, got: input.kind) }
      guard sequences.coefficients == hmms[0].dimensions else {
        throw .shapeMismatch(what: "coefficients per frame", expected: hmms[0].dimensions, actual: sequences.coefficients)
      }
      var scores = logLikelihoods(sequences, threads: threads)
      // A sequence impossible under every class (all −∞) gets equal probabilities.
      for r in 0..<scores.rows where (0..<scores.columns).allSatisfy({ scores[r, $0] == -.infinity }) {
        for c in 0..<scores.columns { scores[r, c] = 0 }
      }
      return softmaxRows(scores)
    }

    /// The log-likelihoods: a track's tie is broken by their sum.
    public func segmentScores(_ input: ModelInput, threads: Int) throws(LearningError) -> Matrix {
      guard case .sequences(let sequences) = input else { throw .wrongInput(model: kind.name, expected: kind.input, got: input.kind) }
      return logLikelihoods(sequences, threads: threads)
    }

    public func isEqual(to other: any FittedModel) -> Bool { (other as? Self) == self }
  }
}

extension GaussianHMM {
  /// The E-step over every sequence, in parallel, summed in sequence order (so the same for any
  /// number of threads).
  func expectation(_ sequences: FrameSequences, threads: Int) -> Statistics {
    let pass = self.pass
    let parts = parallelMap(count: sequences.count, threads: threads) { i in statistics(of: sequences.sequence(i), pass: pass) }
    var total = Statistics(states: stateCount, dimensions: dimensions, covariance: covariance)
    for part in parts { total.add(part) }
    return total
  }
}

extension HMMClassifier.Fitted: ArchivableModel {
  /// hmmlearn's names, so that a numpy user can load each class's HMM from the model file.
  public struct Header: Codable, Sendable, Equatable {
    public struct HMM: Codable, Sendable, Equatable {
      var startprob: [Double]
      var transmat: [[Double]]
      var means: [[Double]]
      /// diag: S × D; full: S × D × D.
      var covars: CovarianceValues
    }

    /// S × D variances or S × D × D matrices.
    public enum CovarianceValues: Codable, Sendable, Equatable {
      case diagonal([[Double]])
      case full([[[Double]]])

      public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let full = try? container.decode([[[Double]]].self) {
          self = .full(full)
        } else {
          self = .diagonal(try container.decode([[Double]].self))
        }
      }

      public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .diagonal(let values): try container.encode(values)
        case .full(let values): try container.encode(values)
        }
      }
    }

    var covariance_type: GaussianHMM.Covariance
    var hmms: [HMM]
    var iterations: Int
    var converged: Bool
  }

  public var header: Header {
    Header(
      covariance_type: hmms.first?.covariance ?? .diag,
      hmms: hmms.map { hmm in
        let (s, d) = (hmm.stateCount, hmm.dimensions)
        return Header.HMM(
          startprob: hmm.start, transmat: (0..<s).map { Array(hmm.transition[($0 * s)..<(($0 + 1) * s)]) },
          means: (0..<s).map { Array(hmm.means.row($0)) },
          covars: hmm.covariance == .diag
            ? .diagonal((0..<s).map { Array(hmm.covariances[($0 * d)..<(($0 + 1) * d)]) })
            : .full((0..<s).map { j in (0..<d).map { k in Array(hmm.covariances[((j * d + k) * d)..<((j * d + k + 1) * d)]) } }))
      }, iterations: iterations, converged: converged)
  }

  public var modelFileHeader: any Encodable { header }

  /// Everything is in the JSON header.
  public func archive(into tensors: inout TensorArchive) {}

  /// Checks each HMM against the file's classes and frame size: probabilities that are finite,
  /// non-negative and sum to 1 (within 1e-6), positive variances, positive definite matrices.
  public init(header: Header, tensors: TensorArchive, shape: ModelShape) throws {
    guard header.hmms.count == shape.classCount else {
      throw LearningError.invalidModelFile("hmms holds \(header.hmms.count) HMMs for \(shape.classCount) classes")
    }
    func invalid(_ c: Int, _ what: String) -> LearningError { .invalidModelFile("hmms[\(c)]: \(what)") }
    func checkDistribution(_ values: [Double], _ c: Int, _ what: String) throws {
      guard values.allSatisfy({ $0.isFinite && $0 >= 0 }), abs(values.reduce(0, +) - 1) <= 1e-6 else {
        throw invalid(c, "\(what) must be probabilities summing to 1")
      }
    }
    var hmms: [GaussianHMM] = []
    for (c, hmm) in header.hmms.enumerated() {
      let s = hmm.startprob.count
      let d = shape.featureCount
      guard (1...64).contains(s) else { throw invalid(c, "startprob holds \(s) states; 1 to 64 expected") }
      try checkDistribution(hmm.startprob, c, "startprob")
      guard hmm.transmat.count == s, hmm.transmat.allSatisfy({ $0.count == s }) else { throw invalid(c, "transmat must be \(s) × \(s)") }
      for row in hmm.transmat { try checkDistribution(row, c, "each transmat row") }
      guard hmm.means.count == s, hmm.means.allSatisfy({ $0.count == d && $0.allSatisfy(\.isFinite) }) else {
        throw invalid(c, "means must be \(s) × \(d) finite numbers")
      }
      var covariances: [Double]
      switch (header.covariance_type, hmm.covars) {
      case (.diag, .diagonal(let values)):
        guard values.count == s, values.allSatisfy({ $0.count == d && $0.allSatisfy { $0 > 0 && $0.isFinite } }) else {
          throw invalid(c, "covars must be \(s) × \(d) positive variances")
        }
        covariances = values.flatMap { $0 }
      case (.full, .full(let values)):
        guard values.count == s, values.allSatisfy({ $0.count == d && $0.allSatisfy { $0.count == d && $0.allSatisfy(\.isFinite) } }) else {
          throw invalid(c, "covars must be \(s) × \(d) × \(d) finite numbers")
        }
        covariances = values.flatMap { $0.flatMap { $0 } }
        for j in 0..<s {
          let matrix = Array(covariances[(j * d * d)..<((j + 1) * d * d)])
          let symmetric = (0..<d).allSatisfy { k in (0..<d).allSatisfy { m in matrix[k * d + m] == matrix[m * d + k] } }
          guard symmetric, GaussianHMM.cholesky(matrix, d) != nil else { throw invalid(c, "covars[\(j)] is not symmetric positive definite") }
        }
      default:
        throw invalid(c, "covars do not have the shape of covariance_type \(header.covariance_type.rawValue)")
      }
      hmms.append(
        GaussianHMM(
          covariance: header.covariance_type, start: hmm.startprob, transition: hmm.transmat.flatMap { $0 },
          means: Matrix(hmm.means), covariances: covariances))
    }
    guard header.iterations >= 1 else { throw LearningError.invalidModelFile("iterations is \(header.iterations)") }
    self.init(hmms: hmms, iterations: header.iterations, converged: header.converged)
  }
}
