import Foundation

/// The forward–backward and Viterbi passes of a hidden Markov model, which see only the start
/// and transition probabilities and each frame's emission log-likelihoods (hmmlearn's lattice
/// engine). The forward–backward pass is scaled: each frame's emission likelihoods are shifted by
/// their maximum before exponentiation and the forward variables normalised per frame, so the
/// log-likelihood is the sum of the logs of the scale factors and shifts, without underflow.
enum Lattice {
  /// Per-frame state posteriors and expected transition counts of one sequence.
  struct Posteriors {
    /// The sequence's log-likelihood; −∞ when it is impossible under the model.
    var logLikelihood: Double
    /// frames × states, rows summing to 1.
    var states: [Double]
    /// states × states, summed over frames.
    var transitions: [Double]
  }

  /// - Parameters:
  ///   - start: start probabilities (S).
  ///   - transition: row-major S × S.
  ///   - logEmission: frames × S emission log-likelihoods.
  static func forwardBackward(start: [Double], transition: [Double], logEmission: [Double], frames: Int) -> Posteriors {
    let s = start.count
    var emission = [Double](repeating: 0, count: frames * s)  // exp(log b − max), per frame
    var alpha = [Double](repeating: 0, count: frames * s)
    var states = [Double](repeating: 0, count: frames * s)
    var transitions = [Double](repeating: 0, count: s * s)
    var scales = [Double](repeating: 0, count: frames)
    var beta = [Double](repeating: 1, count: s)
    var next = [Double](repeating: 0, count: s)
    var logLikelihood = 0.0
    let possible = logEmission.withUnsafeBufferPointer { logEmission in
      start.withUnsafeBufferPointer { start in
        transition.withUnsafeBufferPointer { a in
          emission.withUnsafeMutableBufferPointer { b in
            alpha.withUnsafeMutableBufferPointer { alpha in
              scales.withUnsafeMutableBufferPointer { scales in
                for t in 0..<frames {
                  var peak = -Double.infinity
                  for j in 0..<s { peak = max(peak, logEmission[t * s + j]) }
                  guard peak > -.infinity else { return false }
                  for j in 0..<s { b[t * s + j] = exp(logEmission[t * s + j] - peak) }
                  var total = 0.0
                  for j in 0..<s {
                    var sum = 0.0
                    if t == 0 {
                      sum = start[j]
                    } else {
                      for i in 0..<s { sum += alpha[(t - 1) * s + i] * a[i * s + j] }
                    }
                    let value = sum * b[t * s + j]
                    alpha[t * s + j] = value
                    total += value
                  }
                  guard total > 0 else { return false }
                  for j in 0..<s { alpha[t * s + j] /= total }
                  scales[t] = total
                  logLikelihood += log(total) + peak
                }
                return true
              }
            }
          }
        }
      }
    }
    guard possible else { return Posteriors(logLikelihood: -.infinity, states: [], transitions: []) }
    transition.withUnsafeBufferPointer { a in
      emission.withUnsafeBufferPointer { b in
        alpha.withUnsafeBufferPointer { alpha in
          scales.withUnsafeBufferPointer { scales in
            states.withUnsafeMutableBufferPointer { gamma in
              transitions.withUnsafeMutableBufferPointer { xi in
                beta.withUnsafeMutableBufferPointer { beta in
                  next.withUnsafeMutableBufferPointer { next in
                    for j in 0..<s { gamma[(frames - 1) * s + j] = alpha[(frames - 1) * s + j] }
                    for t in stride(from: frames - 2, through: 0, by: -1) {
                      // b_{t+1} ⊙ β_{t+1} / c_{t+1}
                      for j in 0..<s { next[j] = b[(t + 1) * s + j] * beta[j] / scales[t + 1] }
                      for i in 0..<s {
                        var sum = 0.0
                        let alphaTI = alpha[t * s + i]
                        for j in 0..<s {
                          let term = a[i * s + j] * next[j]
                          xi[i * s + j] += alphaTI * term
                          sum += term
                        }
                        beta[i] = sum
                      }
                      // γ sums to 1 up to rounding; normalised explicitly, as hmmlearn does.
                      var total = 0.0
                      for j in 0..<s {
                        gamma[t * s + j] = alpha[t * s + j] * beta[j]
                        total += gamma[t * s + j]
                      }
                      for j in 0..<s { gamma[t * s + j] /= total }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    return Posteriors(logLikelihood: logLikelihood, states: states, transitions: transitions)
  }

  /// The log-likelihood alone (the forward pass).
  static func logLikelihood(start: [Double], transition: [Double], logEmission: [Double], frames: Int) -> Double {
    let s = start.count
    var alpha = [Double](repeating: 0, count: s)
    var next = [Double](repeating: 0, count: s)
    var logLikelihood = 0.0
    for t in 0..<frames {
      var peak = -Double.infinity
      for j in 0..<s { peak = max(peak, logEmission[t * s + j]) }
      guard peak > -.infinity else { return -.infinity }
      var total = 0.0
      for j in 0..<s {
        var sum = 0.0
        if t == 0 {
          sum = start[j]
        } else {
          for i in 0..<s { sum += alpha[i] * transition[i * s + j] }
        }
        next[j] = sum * exp(logEmission[t * s + j] - peak)
        total += next[j]
      }
      guard total > 0 else { return -.infinity }
      for j in 0..<s { alpha[j] = next[j] / total }
      logLikelihood += log(total) + peak
    }
    return logLikelihood
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
