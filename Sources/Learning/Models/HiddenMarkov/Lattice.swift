import Foundation

/// The forward–backward and Viterbi passes of a hidden Markov model, which see only the start
/// and transition probabilities and each frame's emission log-likelihoods (hmmlearn's lattice
/// engine). The forward–backward pass is scaled: each frame's emission likelihoods are shifted by
/// their maximum before exponentiation and the forward variables normalised per frame, so the
/// log-likelihood is the sum of the logs of the scale factors and shifts, without underflow.
enum Lattice {
  typealias Block = StateLanes.Block

  /// The start and transition probabilities with the states in lanes.
  struct Chain: Sendable {
    let lanes: StateLanes
    /// The start probabilities (absent states 0).
    let start: [Block]
    /// S × blocks: row i of the transition matrix, the probabilities from state i.
    let rows: [Block]
    /// S × blocks: column j, the probabilities into state j.
    let columns: [Block]

    init(start: [Double], transition: [Double]) {
      let s = start.count
      lanes = StateLanes(states: s)
      self.start = lanes.blocks(start, absent: 0)
      rows = lanes.blocks(s) { j, i in transition[i * s + j] }
      columns = lanes.blocks(s) { i, j in transition[i * s + j] }
    }
  }

  /// Per-frame state posteriors and expected transition counts of one sequence.
  struct Posteriors {
    /// The sequence's log-likelihood; −∞ when it is impossible under the model.
    var logLikelihood: Double
    /// frames × blocks (`StateLanes`), each frame's states summing to 1.
    var states: [Block]
    /// states × states, row-major, summed over frames.
    var transitions: [Double]
  }

  /// A scratch buffer of `count` zero blocks for one pass.
  private static func scratch(_ count: Int, _ value: Block = .zero) -> UnsafeMutableBufferPointer<Block> {
    let buffer = UnsafeMutableBufferPointer<Block>.allocate(capacity: count)
    buffer.initialize(repeating: value)
    return buffer
  }

  /// The forward step at frame t: alpha_t = (alpha_{t−1}ᵀ A) ⊙ b_t, normalised; b_t = exp(log b_t −
  /// max) is kept in `emission`. Returns log c_t + max, or nil if the frame is impossible.
  @inline(__always)
  private static func forward(
    _ chain: Chain, frame t: Int, logEmission: UnsafeBufferPointer<Block>, previous: UnsafePointer<Block>?,
    alpha: UnsafeMutablePointer<Block>, emission: UnsafeMutablePointer<Block>
  ) -> (scale: Double, logScale: Double)? {
    let (s, blocks) = (chain.lanes.states, chain.lanes.blockCount)
    let logs = logEmission.baseAddress! + t * blocks
    var peak = -Double.infinity
    for b in 0..<blocks { peak = max(peak, logs[b].max()) }
    guard peak > -.infinity else { return nil }
    var total = 0.0
    chain.rows.withUnsafeBufferPointer { rows in
      for b in 0..<blocks {
        var e = Block.zero
        for lane in 0..<Block.scalarCount { e[lane] = exp(logs[b][lane] - peak) }
        emission[b] = e
        var sum = chain.start[b]
        if let previous {
          sum = .zero
          for i in 0..<s { sum += Block(repeating: previous[i / Block.scalarCount][i % Block.scalarCount]) * rows[i * blocks + b] }
        }
        alpha[b] = sum * e
        total += alpha[b].sum()
      }
    }
    guard total > 0 else { return nil }
    for b in 0..<blocks { alpha[b] /= Block(repeating: total) }
    return (total, log(total) + peak)
  }

  /// - Parameters:
  ///   - logEmission: frames × blocks emission log-likelihoods (`GaussianHMM.Emission`).
  static func forwardBackward(_ chain: Chain, logEmission: [Block], frames: Int) -> Posteriors {
    let (s, blocks) = (chain.lanes.states, chain.lanes.blockCount)
    let emission = scratch(frames * blocks)  // exp(log b − max), per frame
    let alpha = scratch(frames * blocks)
    let xi = scratch(s * blocks)
    let beta = scratch(blocks, Block(repeating: 1))
    let next = scratch(blocks)
    let scales = UnsafeMutableBufferPointer<Double>.allocate(capacity: frames)
    defer { for buffer in [emission, alpha, xi, beta, next] { buffer.deallocate() }; scales.deallocate() }
    var logLikelihood = 0.0
    let possible = logEmission.withUnsafeBufferPointer { logEmission in
      for t in 0..<frames {
        let previous = t == 0 ? nil : UnsafePointer(alpha.baseAddress! + (t - 1) * blocks)
        guard let step = forward(chain, frame: t, logEmission: logEmission, previous: previous,
                                 alpha: alpha.baseAddress! + t * blocks, emission: emission.baseAddress! + t * blocks)
        else { return false }
        scales[t] = step.scale
        logLikelihood += step.logScale
      }
      return true
    }
    guard possible else { return Posteriors(logLikelihood: -.infinity, states: [], transitions: []) }
    let gamma = [Block](unsafeUninitializedCapacity: frames * blocks) { gamma, initialised in
      chain.rows.withUnsafeBufferPointer { rows in
        chain.columns.withUnsafeBufferPointer { columns in
          for b in 0..<blocks { gamma[(frames - 1) * blocks + b] = alpha[(frames - 1) * blocks + b] }
          for t in stride(from: frames - 2, through: 0, by: -1) {
            // b_{t+1} ⊙ β_{t+1} / c_{t+1}, then β_t = A · that.
            for b in 0..<blocks { next[b] = emission[(t + 1) * blocks + b] * beta[b] / Block(repeating: scales[t + 1]) }
            for b in 0..<blocks {
              var sum = Block.zero
              for j in 0..<s { sum += Block(repeating: next[j / Block.scalarCount][j % Block.scalarCount]) * columns[j * blocks + b] }
              beta[b] = sum
            }
            for i in 0..<s {
              let alphaTI = Block(repeating: alpha[t * blocks + i / Block.scalarCount][i % Block.scalarCount])
              for b in 0..<blocks { xi[i * blocks + b] += alphaTI * (rows[i * blocks + b] * next[b]) }
            }
            // γ sums to 1 up to rounding; normalised explicitly, as hmmlearn does.
            var total = 0.0
            for b in 0..<blocks {
              gamma[t * blocks + b] = alpha[t * blocks + b] * beta[b]
              total += gamma[t * blocks + b].sum()
            }
            for b in 0..<blocks { gamma[t * blocks + b] /= Block(repeating: total) }
          }
        }
      }
      initialised = frames * blocks
    }
    return Posteriors(logLikelihood: logLikelihood, states: gamma, transitions: chain.lanes.flattened(Array(xi)))
  }

  /// The log-likelihood alone (the forward pass).
  static func logLikelihood(_ chain: Chain, logEmission: [Block], frames: Int) -> Double {
    let blocks = chain.lanes.blockCount
    let alpha = scratch(2 * blocks)
    let emission = scratch(blocks)
    defer { alpha.deallocate(); emission.deallocate() }
    var logLikelihood = 0.0
    return logEmission.withUnsafeBufferPointer { logEmission in
      for t in 0..<frames {
        // Two alternating rows of alpha.
        let (current, previous) = (alpha.baseAddress! + (t % 2) * blocks, alpha.baseAddress! + ((t + 1) % 2) * blocks)
        guard let step = forward(chain, frame: t, logEmission: logEmission, previous: t == 0 ? nil : UnsafePointer(previous),
                                 alpha: current, emission: emission.baseAddress!)
        else { return -.infinity }
        logLikelihood += step.logScale
      }
      return logLikelihood
    }
  }

  /// The most likely state path and its log-probability (log space; ties to the lower state).
  static func viterbi(start: [Double], transition: [Double], logEmission: [Double], frames: Int) -> (logProbability: Double, path: [Int]) {
    let s = start.count
    let logStart = start.map { log($0) }
    let logTransition = transition.map { log($0) }
    var delta = (0..<s).map { logStart[$0] + logEmission[$0] }
    var backPointers = [Int](repeating: 0, count: frames * s)
    var next = [Double](repeating: 0, count: s)
    for t in 1..<max(frames, 1) {
      for j in 0..<s {
        var best = -Double.infinity
        var argument = 0
        for i in 0..<s {
          let value = delta[i] + logTransition[i * s + j]
          if value > best {
            best = value
            argument = i
          }
        }
        next[j] = best + logEmission[t * s + j]
        backPointers[t * s + j] = argument
      }
      swap(&delta, &next)
    }
    var state = 0
    for j in 1..<s where delta[j] > delta[state] { state = j }
    var path = [Int](repeating: 0, count: frames)
    let logProbability = delta[state]
    for t in stride(from: frames - 1, through: 0, by: -1) {
      path[t] = state
      state = backPointers[t * s + state]
    }
    return (logProbability, path)
  }
}
