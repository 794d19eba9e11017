import Foundation

/// A hidden Markov model with Gaussian emissions (hmmlearn's `GaussianHMM`, with its priors:
/// `covars_prior` 1e-2 added in every M-step, `min_covar` at initialisation), `diag` or `full`
/// covariance. Frames are rows of a `frames × dimensions` matrix.
///
/// Where hmmlearn would divide by zero or keep a singular covariance, this floors instead (a
/// documented difference; it does not act on ordinary data): a diagonal variance never falls
/// below `minCovariance`, a full covariance that is not positive definite gets `minCovariance`
/// added to its diagonal until it is, and a state that no frame reaches keeps its mean,
/// covariance and transition row.
public struct GaussianHMM: Sendable, Equatable {
  public enum Covariance: String, Sendable, Codable, CaseIterable {
    case diag, full
  }

  public let covariance: Covariance
  /// S start probabilities (`startprob_`).
  public internal(set) var start: [Double]
  /// S × S transition probabilities, row-major (`transmat_`).
  public internal(set) var transition: [Double]
  /// S × D (`means_`).
  public internal(set) var means: Matrix
  /// `diag`: S × D variances; `full`: S × D × D, row-major per state (`covars_`).
  public internal(set) var covariances: [Double]

  public var stateCount: Int { start.count }
  public var dimensions: Int { means.columns }

  public init(covariance: Covariance, start: [Double], transition: [Double], means: Matrix, covariances: [Double]) {
    self.covariance = covariance
    self.start = start
    self.transition = transition
    self.means = means
    self.covariances = covariances
  }

  // MARK: Emissions

  /// The per-state constants of the Gaussian log-densities, computed once per pass, with the
  /// states in SIMD lanes (`StateLanes`) so that one pass over a frame's coefficients serves
  /// four states.
  struct Emission {
    let covariance: Covariance
    let lanes: StateLanes
    let dimensions: Int
    /// D × blocks: each coefficient's means.
    let means: [StateLanes.Block]
    /// diag: 1/σ², D × blocks; full: the lower Cholesky factors L, D × D × blocks (absent
    /// states: the identity).
    let factors: [StateLanes.Block]
    /// full: 1/L_kk, D × blocks.
    let inverseDiagonal: [StateLanes.Block]
    /// −½ (D log 2π + log |Σ|) per state; −∞ for absent states, whose likelihood is then 0.
    let constants: [StateLanes.Block]

    /// The log-densities of `frames` (frames × D, row-major) into `out` (frames × blocks).
    func logLikelihood(_ frames: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<StateLanes.Block>) {
      let (d, blocks) = (dimensions, lanes.blockCount)
      var solved = [StateLanes.Block](repeating: .zero, count: d)
      means.withUnsafeBufferPointer { means in
        factors.withUnsafeBufferPointer { factors in
          inverseDiagonal.withUnsafeBufferPointer { inverseDiagonal in
            solved.withUnsafeMutableBufferPointer { solved in
              for t in 0..<(frames.count / d) {
                let frame = frames.baseAddress! + t * d
                for b in 0..<blocks {
                  var quadratic = StateLanes.Block.zero
                  switch covariance {
                  case .diag:
                    for k in 0..<d {
                      let difference = StateLanes.Block(repeating: frame[k]) - means[k * blocks + b]
                      quadratic += difference * difference * factors[k * blocks + b]
                    }
                  case .full:
                    // Solve L·z = x − μ; the quadratic form is |z|².
                    for k in 0..<d {
                      var value = StateLanes.Block(repeating: frame[k]) - means[k * blocks + b]
                      let row = factors.baseAddress! + k * d * blocks + b
                      for m in 0..<k { value -= row[m * blocks] * solved[m] }
                      solved[k] = value * inverseDiagonal[k * blocks + b]
                      quadratic += solved[k] * solved[k]
                    }
                  }
                  out[t * blocks + b] = constants[b] - 0.5 * quadratic
                }
              }
            }
          }
        }
      }
    }

    /// The log-densities of the rows of `x`, frames × blocks.
    func logLikelihood(_ x: Matrix) -> [StateLanes.Block] {
      var out = [StateLanes.Block](repeating: .zero, count: x.rows * lanes.blockCount)
      x.values.withUnsafeBufferPointer { frames in out.withUnsafeMutableBufferPointer { logLikelihood(frames, into: $0) } }
      return out
    }
  }

  /// The covariances are positive (definite), as `maximize` and loading keep them; a full
  /// covariance that is not (only possible by rounding) is regularised on its diagonal.
  var emission: Emission {
    let (s, d) = (stateCount, dimensions)
    let lanes = StateLanes(states: s)
    let logTwoPi = Double(d) * log(2 * Double.pi)
    let means = lanes.blocks(d) { j, k in self.means[j, k] }
    switch covariance {
    case .diag:
      let constants = (0..<s).map { j in -0.5 * (logTwoPi + (0..<d).reduce(0) { $0 + log(covariances[j * d + $1]) }) }
      return Emission(
        covariance: .diag, lanes: lanes, dimensions: d, means: means, factors: lanes.blocks(d) { j, k in 1 / covariances[j * d + k] },
        inverseDiagonal: [], constants: lanes.blocks(constants, absent: -.infinity))
    case .full:
      var factors = [[Double]]()
      var constants = [Double]()
      for j in 0..<s {
        var matrix = Array(covariances[(j * d * d)..<((j + 1) * d * d)])
        var ridge = 1e-10
        var factor = Self.cholesky(matrix, d)
        while factor == nil && ridge < 1e10 {
          for k in 0..<d { matrix[k * d + k] += ridge }
          ridge *= 10
          factor = Self.cholesky(matrix, d)
        }
        let l = factor ?? (0..<(d * d)).map { $0 % (d + 1) == 0 ? 1 : 0 }
        factors.append(l)
        constants.append(-0.5 * (logTwoPi + 2 * (0..<d).reduce(0) { $0 + log(l[$1 * d + $1]) }))
      }
      return Emission(
        covariance: .full, lanes: lanes, dimensions: d, means: means,
        factors: lanes.blocks(d * d, absent: { $0 % (d + 1) == 0 ? 1 : 0 }) { j, km in factors[j][km] },
        inverseDiagonal: lanes.blocks(d, absent: { _ in 1 }) { j, k in 1 / factors[j][k * d + k] },
        constants: lanes.blocks(constants, absent: -.infinity))
    }
  }

  /// The lower Cholesky factor of a symmetric D × D matrix, or nil if it is not positive definite.
  static func cholesky(_ a: [Double], _ d: Int) -> [Double]? {
    var l = [Double](repeating: 0, count: d * d)
    for i in 0..<d {
      for j in 0...i {
        var sum = a[i * d + j]
        for k in 0..<j { sum -= l[i * d + k] * l[j * d + k] }
        if i == j {
          guard sum > 0, sum.isFinite else { return nil }
          l[i * d + i] = sum.squareRoot()
        } else {
          l[i * d + j] = sum / l[j * d + j]
        }
      }
    }
    return l
  }

  // MARK: Scoring

  /// What a pass over sequences needs of the model, computed once per pass.
  struct Pass: Sendable {
    let emission: Emission
    let chain: Lattice.Chain
  }

  var pass: Pass { Pass(emission: emission, chain: Lattice.Chain(start: start, transition: transition)) }

  /// log p(x) of one sequence (hmmlearn `score`).
  public func logLikelihood(_ x: Matrix) -> Double { logLikelihood(x, pass: pass) }

  func logLikelihood(_ x: Matrix, pass: Pass) -> Double {
    Lattice.logLikelihood(pass.chain, logEmission: pass.emission.logLikelihood(x), frames: x.rows)
  }

  /// The most likely state path and its log-probability (hmmlearn `decode`, Viterbi).
  public func viterbi(_ x: Matrix) -> (logProbability: Double, path: [Int]) {
    let emission = self.emission
    return Lattice.viterbi(start: start, transition: transition, logEmission: emission.lanes.flattened(emission.logLikelihood(x)), frames: x.rows)
  }

  // MARK: Baum–Welch

  /// The sufficient statistics of EM, summed over sequences.
  struct Statistics {
    var logLikelihood = 0.0
    var start: [Double]
    var transitions: [Double]
    /// Σ γ per state.
    var posterior: [Double]
    /// Σ γ x per state (S × D).
    var observations: [Double]
    /// diag: Σ γ x² (S × D); full: Σ γ x xᵀ (S × D × D).
    var squares: [Double]

    init(states s: Int, dimensions d: Int, covariance: Covariance) {
      start = [Double](repeating: 0, count: s)
      transitions = [Double](repeating: 0, count: s * s)
      posterior = [Double](repeating: 0, count: s)
      observations = [Double](repeating: 0, count: s * d)
      squares = [Double](repeating: 0, count: covariance == .diag ? s * d : s * d * d)
    }

    mutating func add(_ other: Statistics) {
      logLikelihood += other.logLikelihood
      for i in start.indices { start[i] += other.start[i] }
      for i in transitions.indices { transitions[i] += other.transitions[i] }
      for i in posterior.indices { posterior[i] += other.posterior[i] }
      for i in observations.indices { observations[i] += other.observations[i] }
      for i in squares.indices { squares[i] += other.squares[i] }
    }
  }

  /// The E-step statistics of one sequence (an impossible sequence contributes nothing).
  func statistics(of x: Matrix, pass: Pass) -> Statistics {
    typealias Block = StateLanes.Block
    let (s, d) = (stateCount, dimensions)
    let lanes = pass.chain.lanes
    let blocks = lanes.blockCount
    var stats = Statistics(states: s, dimensions: d, covariance: covariance)
    let posteriors = Lattice.forwardBackward(pass.chain, logEmission: pass.emission.logLikelihood(x), frames: x.rows)
    stats.logLikelihood = posteriors.logLikelihood
    guard posteriors.logLikelihood > -.infinity else { return stats }
    stats.transitions = posteriors.transitions
    let full = covariance == .full
    // The sums with the states in lanes: Σ γ, per coefficient Σ γ x, and Σ γ x² (diag) or the
    // upper triangle of Σ γ x xᵀ (full), laid out state-major below.
    var posterior = [Block](repeating: .zero, count: blocks)
    var observations = [Block](repeating: .zero, count: d * blocks)
    var squares = [Block](repeating: .zero, count: (full ? d * d : d) * blocks)
    posteriors.states.withUnsafeBufferPointer { gamma in
      x.values.withUnsafeBufferPointer { x in
        posterior.withUnsafeMutableBufferPointer { posterior in
          observations.withUnsafeMutableBufferPointer { observations in
            squares.withUnsafeMutableBufferPointer { squares in
              for t in 0..<(gamma.count / blocks) {
                let frame = x.baseAddress! + t * d
                for b in 0..<blocks {
                  let g = gamma[t * blocks + b]
                  posterior[b] += g
                  for k in 0..<d {
                    let weighted = g * Block(repeating: frame[k])
                    observations[k * blocks + b] += weighted
                    if full {
                      for m in k..<d { squares[(k * d + m) * blocks + b] += weighted * Block(repeating: frame[m]) }
                    } else {
                      squares[k * blocks + b] += weighted * Block(repeating: frame[k])
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    posteriors.states.withUnsafeBufferPointer { gamma in
      stats.start = (0..<s).map { lanes.value(gamma, item: 0, state: $0) }
    }
    posterior.withUnsafeBufferPointer { posterior in stats.posterior = (0..<s).map { lanes.value(posterior, item: 0, state: $0) } }
    observations.withUnsafeBufferPointer { observations in
      squares.withUnsafeBufferPointer { squares in
        for j in 0..<s {
          for k in 0..<d {
            stats.observations[j * d + k] = lanes.value(observations, item: k, state: j)
            if full {
              for m in k..<d {
                let value = lanes.value(squares, item: k * d + m, state: j)
                stats.squares[(j * d + k) * d + m] = value
                stats.squares[(j * d + m) * d + k] = value
              }
            } else {
              stats.squares[j * d + k] = lanes.value(squares, item: k, state: j)
            }
          }
        }
      }
    }
    return stats
  }

  /// hmmlearn's M-step with its default priors (start and transition priors 1, no mean prior,
  /// `covars_prior` added to the covariance numerators), then the floors described above.
  mutating func maximize(_ stats: Statistics, covariancePrior: Double, minCovariance: Double) {
    let (s, d) = (stateCount, dimensions)
    let startTotal = stats.start.reduce(0, +)
    if startTotal > 0 { start = stats.start.map { $0 / startTotal } }
    for i in 0..<s {
      let row = stats.transitions[(i * s)..<((i + 1) * s)]
      let total = row.reduce(0, +)
      // hmmlearn keeps structural zeros: a transition that is 0 stays 0.
      guard total > 0 else { continue }
      for j in 0..<s where transition[i * s + j] != 0 { transition[i * s + j] = stats.transitions[i * s + j] / total }
      let kept = (0..<s).reduce(0.0) { $0 + transition[i * s + $1] }
      for j in 0..<s { transition[i * s + j] /= kept }
    }
    for j in 0..<s {
      let post = stats.posterior[j]
      guard post > 1e-10 else { continue }
      for k in 0..<d { means[j, k] = stats.observations[j * d + k] / post }
      switch covariance {
      case .diag:
        for k in 0..<d {
          let mean = means[j, k]
          let numerator = stats.squares[j * d + k] - 2 * mean * stats.observations[j * d + k] + mean * mean * post
          covariances[j * d + k] = max((covariancePrior + numerator) / max(post, 1e-5), minCovariance)
        }
      case .full:
        var matrix = [Double](repeating: 0, count: d * d)
        for k in 0..<d {
          // The upper triangle, mirrored, so that the matrix is exactly symmetric.
          for m in k..<d {
            let (mk, mm) = (means[j, k], means[j, m])
            let numerator = stats.squares[(j * d + k) * d + m] - stats.observations[j * d + k] * mm
              - stats.observations[j * d + m] * mk + mk * mm * post
            matrix[k * d + m] = (covariancePrior + numerator) / post
            matrix[m * d + k] = matrix[k * d + m]
          }
        }
        for _ in 0..<40 where Self.cholesky(matrix, d) == nil {
          for k in 0..<d { matrix[k * d + k] += minCovariance }
        }
        covariances.replaceSubrange((j * d * d)..<((j + 1) * d * d), with: matrix)
      }
    }
  }
}
