import Foundation
import TensorIO
import Testing

@testable import Learning

/// The Gaussian HMM against hmmlearn on fixed parameters (Fixtures/generate_hmm.py): sequence
/// log-likelihoods, Viterbi paths and one EM step, diag and full, within 1e-6 relative.
@Suite struct HiddenMarkovTests {
  struct Reference: Decodable {
    struct Kind: Decodable {
      struct Step: Decodable {
        var startprob: [Double]
        var transmat: [[Double]]
        var means: [[Double]]
        var covars: [[[Double]]]
      }
      var covars: [[[Double]]]?
      var scores: [Double]
      var viterbi_log_probabilities: [Double]
      var viterbi_paths: [[Int]]
      var after_one_step: Step
    }
    var startprob: [Double]
    var transmat: [[Double]]
    var means: [[Double]]
    var diag: Kind
    var full: Kind
  }

  /// The diag reference stores S × D variances, the full one S × D × D matrices.
  struct Loose: Decodable {
    var diag: Covars
    struct Covars: Decodable { var covars: [[Double]] }
  }

  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  static let sequences: [Matrix] = {
    let url = fixtures.deletingLastPathComponent().appendingPathComponent("AudioFeaturesTests/Fixtures/dataset/mix_30s.mfcc13.npy")
    let array = try! NumpyArray(serialized: [UInt8](Data(contentsOf: url)))
    let (count, frames, d) = (array.shape[0], array.shape[1], array.shape[2])
    return (0..<count).map { i in Matrix(rows: frames, columns: d, values: array.values[(i * frames * d)..<((i + 1) * frames * d)].map(Double.init)) }
  }()

  func load() throws -> (Reference, [[Double]]) {
    let data = try Data(contentsOf: Self.fixtures.appendingPathComponent("Fixtures/hmm_reference.json"))
    let reference = try JSONDecoder().decode(Reference.self, from: data.replacingDiagCovars())
    return (reference, try JSONDecoder().decode(Loose.self, from: data).diag.covars)
  }

  func hmm(_ covariance: GaussianHMM.Covariance, _ reference: Reference, diagCovars: [[Double]]) -> GaussianHMM {
    GaussianHMM(
      covariance: covariance, start: reference.startprob, transition: reference.transmat.flatMap { $0 }, means: Matrix(reference.means),
      covariances: covariance == .diag ? diagCovars.flatMap { $0 } : reference.full.covars!.flatMap { $0.flatMap { $0 } })
  }

  func relative(_ a: Double, _ b: Double) -> Double { abs(a - b) / max(abs(b), 1e-300) }

  @Test(arguments: GaussianHMM.Covariance.allCases)
  func logLikelihoodsAndViterbiEqualHmmlearn(covariance: GaussianHMM.Covariance) throws {
    let (reference, diagCovars) = try load()
    let model = hmm(covariance, reference, diagCovars: diagCovars)
    let expected = covariance == .diag ? reference.diag : reference.full
    for (i, x) in Self.sequences.enumerated() {
      #expect(relative(model.logLikelihood(x), expected.scores[i]) < 1e-9, "sequence \(i)")
      let decoded = model.viterbi(x)
      #expect(decoded.path == expected.viterbi_paths[i], "sequence \(i)")
      #expect(relative(decoded.logProbability, expected.viterbi_log_probabilities[i]) < 1e-9)
      // The Viterbi path's probability is at most the sequence's.
      #expect(decoded.logProbability <= model.logLikelihood(x))
    }
  }

  @Test(arguments: GaussianHMM.Covariance.allCases)
  func oneEMStepEqualsHmmlearn(covariance: GaussianHMM.Covariance) throws {
    let (reference, diagCovars) = try load()
    var model = hmm(covariance, reference, diagCovars: diagCovars)
    let sequences = FrameSequences(Self.sequences, coefficients: 13)
    model.maximize(model.expectation(sequences, threads: 2), covariancePrior: 1e-2, minCovariance: 1e-3)
    let step = (covariance == .diag ? reference.diag : reference.full).after_one_step
    func close(_ ours: [Double], _ theirs: [Double], _ what: String) {
      let scale = theirs.map(abs).max() ?? 1
      #expect(maxDifference(ours, theirs) <= 1e-6 * scale, "\(what): \(maxDifference(ours, theirs))")
    }
    close(model.start, step.startprob, "startprob")
    close(model.transition, step.transmat.flatMap { $0 }, "transmat")
    close(model.means.values, step.means.flatMap { $0 }, "means")
    let d = 13
    let theirs = covariance == .diag
      ? step.covars.flatMap { matrix in (0..<d).map { matrix[$0][$0] } } : step.covars.flatMap { $0.flatMap { $0 } }
    close(model.covariances, theirs, "covars")
  }

  /// States run four to a SIMD block. Splitting state 0 of the reference's three into three
  /// identical thirds (states 0, 3 and 4: two blocks) gives the same chain: the same likelihood
  /// (not the same Viterbi path: one path through a third is a third as likely), and the thirds'
  /// statistics add up to state 0's.
  @Test(arguments: GaussianHMM.Covariance.allCases)
  func aStateSplitAcrossTwoBlocksChangesNothing(covariance: GaussianHMM.Covariance) throws {
    let (reference, diagCovars) = try load()
    let three = hmm(covariance, reference, diagCovars: diagCovars)
    let (s, d) = (three.stateCount, three.dimensions)
    let copies = [0] + Array(s..<(s + 2))
    let split = { (row: ArraySlice<Double>) in
      let third = row[row.startIndex] / 3
      return [third] + row.dropFirst() + [third, third]
    }
    var transition = [Double]()
    for i in Array(0..<s) + [0, 0] { transition += split(three.transition[(i * s)..<((i + 1) * s)]) }
    let perState = covariance == .diag ? d : d * d
    let five = GaussianHMM(
      covariance: covariance, start: split(three.start[...]), transition: transition,
      means: Matrix(rows: s + 2, columns: d, values: three.means.values + three.means.values[0..<d] + three.means.values[0..<d]),
      covariances: three.covariances + three.covariances[0..<perState] + three.covariances[0..<perState])
    for x in Self.sequences {
      #expect(relative(five.logLikelihood(x), three.logLikelihood(x)) < 1e-12)
    }
    let sequences = FrameSequences(Self.sequences, coefficients: 13)
    let (small, large) = (three.expectation(sequences, threads: 1), five.expectation(sequences, threads: 1))
    let merged = { (values: [Double], width: Int) in
      (0..<width).map { k in copies.reduce(0) { $0 + values[$1 * width + k] } } + values[width..<(s * width)]
    }
    #expect(maxDifference(merged(large.posterior, 1), small.posterior) < 1e-9 * small.posterior.max()!)
    #expect(maxDifference(merged(large.observations, d), small.observations) < 1e-9 * small.observations.map(abs).max()!)
    #expect(maxDifference(merged(large.squares, perState), small.squares) < 1e-9 * small.squares.map(abs).max()!)
  }

  /// EM never lowers the log-likelihood, and the same seed gives the same HMMs for any threads.
  @Test(arguments: GaussianHMM.Covariance.allCases)
  func baumWelchClimbsAndIsDeterministic(covariance: GaussianHMM.Covariance) throws {
    let sequences = FrameSequences(Self.sequences, coefficients: 13)
    let settings = HMMClassifier(states: 3, covariance: covariance, iterations: 15, tolerance: 0, seed: 5)
    let run = settings.fitOne(sequences, threads: 2, seed: 5) { _ in }
    #expect(run.history.count >= 5 && run.history.count <= 15)
    for (before, after) in zip(run.history, run.history.dropFirst()) { #expect(after >= before - 1e-7 * abs(before), "\(before) → \(after)") }
    #expect(settings.fitOne(sequences, threads: 1, seed: 5) { _ in }.hmm == run.hmm)
  }

  /// Silent frames and a constant coefficient: no NaN anywhere, the variance floor holds.
  @Test(arguments: GaussianHMM.Covariance.allCases)
  func degenerateFramesGiveNoNaN(covariance: GaussianHMM.Covariance) throws {
    var silent = Self.sequences[0]
    for i in silent.values.indices { silent.values[i] = i % 13 == 4 ? 3 : (i < 650 ? -500 : silent.values[i]) }
    let data = TrainingData(
      input: .sequences(FrameSequences([silent, silent, Self.sequences[1], Self.sequences[2]], coefficients: 13)), labels: [0, 0, 1, 1],
      classCount: 2)
    let fitted = try HMMClassifier(states: 4, covariance: covariance, iterations: 5).fit(data, threads: 1, progress: nil)
    let p = try fitted.probabilities(data.input, threads: 1)
    #expect(p.values.allSatisfy { $0.isFinite })
    let hmms = try #require(fitted as? HMMClassifier.Fitted).hmms
    #expect(hmms.allSatisfy { $0.covariances.allSatisfy(\.isFinite) && $0.means.values.allSatisfy(\.isFinite) })
    if covariance == .diag { #expect(hmms.allSatisfy { $0.covariances.allSatisfy { $0 >= 1e-3 } }) }
    // Fewer frames than states is a clear error.
    let tiny = TrainingData(
      input: .sequences(FrameSequences([Matrix(rows: 2, columns: 13), Self.sequences[0]], coefficients: 13)), labels: [0, 1], classCount: 2)
    #expect(throws: LearningError.notEnoughSamples(needed: 4, got: 2)) { _ = try HMMClassifier().fit(tiny, threads: 1, progress: nil) }
  }
}

extension Data {
  /// The reference's diag `covars` (S × D) in the S × D × D shape the decoder expects, wrapped.
  fileprivate func replacingDiagCovars() throws -> Data {
    var object = try JSONSerialization.jsonObject(with: self) as! [String: Any]
    var diag = object["diag"] as! [String: Any]
    diag["covars"] = nil
    object["diag"] = diag
    return try JSONSerialization.data(withJSONObject: object)
  }
}
