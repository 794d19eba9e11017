/// Limited-memory BFGS minimisation with a backtracking (Armijo) line search.
///
/// Stops when the largest gradient component is at most `gradientTolerance` (scipy's `pgtol`, which
/// scikit-learn sets to its `tol`), when the relative decrease of the objective falls below
/// ~64 ε (scipy's default `ftol`), or after `maxIterations`.
struct LBFGS {
  var memory = 10
  var maxIterations: Int
  var gradientTolerance: Double

  struct Result {
    var point: [Double]
    var value: Double
    var iterations: Int
    var converged: Bool
  }

  /// `objective(x)` returns the value and the gradient at x.
  func minimize(from start: [Double], _ objective: ([Double]) -> (value: Double, gradient: [Double])) -> Result {
    var x = start
    var (f, g) = objective(x)
    var steps: [[Double]] = []
    var gradientChanges: [[Double]] = []
    var iteration = 0
    while iteration < maxIterations {
      if g.reduce(0, { max($0, abs($1)) }) <= gradientTolerance {
        return Result(point: x, value: f, iterations: iteration, converged: true)
      }
      var direction = twoLoopDirection(g, steps: steps, gradientChanges: gradientChanges)
      var slope = zip(direction, g).reduce(0) { $0 + $1.0 * $1.1 }
      if slope >= 0 {  // not a descent direction: restart from steepest descent
        steps.removeAll()
        gradientChanges.removeAll()
        direction = g.map { -$0 }
        slope = -g.reduce(0) { $0 + $1 * $1 }
      }
      var step = steps.isEmpty ? min(1, 1 / max(g.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)) : 1
      var candidate: [Double] = x
      var next: (value: Double, gradient: [Double]) = (f, g)
      var accepted = false
      for _ in 0..<60 {
        candidate = zip(x, direction).map { $0 + step * $1 }
        next = objective(candidate)
        if next.value <= f + 1e-4 * step * slope {
          accepted = true
          break
        }
        step *= 0.5
      }
      iteration += 1
      guard accepted else { return Result(point: x, value: f, iterations: iteration, converged: false) }
      let s = zip(candidate, x).map { $0 - $1 }
      let y = zip(next.gradient, g).map { $0 - $1 }
      let relativeDecrease = (f - next.value) / max(abs(f), abs(next.value), 1)
      x = candidate
      (f, g) = next
      if zip(s, y).reduce(0, { $0 + $1.0 * $1.1 }) > 1e-10 {
        steps.append(s)
        gradientChanges.append(y)
        if steps.count > memory {
          steps.removeFirst()
          gradientChanges.removeFirst()
        }
      }
      if relativeDecrease <= 64 * Double.ulpOfOne {
        return Result(point: x, value: f, iterations: iteration, converged: true)
      }
    }
    return Result(point: x, value: f, iterations: iteration, converged: false)
  }

  /// The quasi-Newton direction −H·g from the stored curvature pairs.
  private func twoLoopDirection(_ g: [Double], steps: [[Double]], gradientChanges: [[Double]]) -> [Double] {
    func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
    var q = g
    var alphas = [Double](repeating: 0, count: steps.count)
    for i in steps.indices.reversed() {
      let rho = 1 / dot(gradientChanges[i], steps[i])
      alphas[i] = rho * dot(steps[i], q)
      for j in q.indices { q[j] -= alphas[i] * gradientChanges[i][j] }
    }
    if let s = steps.last, let y = gradientChanges.last {
      let gamma = dot(s, y) / dot(y, y)
      for j in q.indices { q[j] *= gamma }
    }
    for i in steps.indices {
      let rho = 1 / dot(gradientChanges[i], steps[i])
      let beta = rho * dot(gradientChanges[i], q)
      for j in q.indices { q[j] += (alphas[i] - beta) * steps[i][j] }
    }
    return q.map { -$0 }
  }
}
