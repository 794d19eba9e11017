import CAffineKernels
import Foundation
import TensorIO

/// Multinomial logistic regression with L2 penalty, fitted by L-BFGS (scikit-learn
/// `LogisticRegression(solver='lbfgs')`). Minimises `mean cross-entropy + ‖W‖² / (2·C·n)`; the
/// intercepts are not penalised. The problem is strictly convex, so the optimum (and the
/// accuracy) do not depend on the optimiser's path.
public struct LogisticRegression: RowClassifier {
  public static let registration = ModelKind(
    name: "logreg", input: .featureRows, summary: "multinomial logistic regression, L2, L-BFGS", options: ["c", "max-iter"],
    scalesByDefault: true,
    makeSettings: { _, options throws(LearningError) in
      var settings = LogisticRegression()
      if let c = try options.double("c") { settings.c = c }
      if let iterations = try options.int("max-iter") { settings.maxIterations = iterations }
      return settings
    },
    loadFitted: { json, tensors, shape in try Fitted(modelJSON: json, tensors: tensors, shape: shape) })

  public var kind: ModelKind { Self.registration }
  public var summary: [String: String] { ["C": "\(c)", "max_iter": "\(maxIterations)", "tol": "\(tolerance)"] }

  /// Inverse regularisation strength. Default 1.
  public var c = 1.0
  /// Default 1000 (scikit-learn: 100, which often stops before convergence on GTZAN).
  public var maxIterations = 1000
  /// Largest gradient component at convergence. Default 1e-4.
  public var tolerance = 1e-4

  public init(c: Double = 1, maxIterations: Int = 1000, tolerance: Double = 1e-4) {
    self.c = c
    self.maxIterations = maxIterations
    self.tolerance = tolerance
  }

  /// Rows per block of the parallel loss and gradient (a constant, so results do not depend on
  /// the number of threads).
  static let blockRows = 4096

  public func validate() throws(LearningError) {
    guard c > 0, c.isFinite else { throw .invalidParameter(name: "C", value: "\(c)", reason: "must be positive") }
    guard maxIterations >= 1 else { throw .invalidParameter(name: "max-iter", value: "\(maxIterations)", reason: "must be at least 1") }
  }

  public func fit(
    _ x: Matrix, labels: [Int], classCount: Int, groups: [String], threads: Int, progress: ProgressHandler?
  ) throws(LearningError) -> Fitted {
    try validate()
    try validateTrainingData(x, labels: labels, classCount: classCount)
    let n = Double(x.rows)
    let d = x.columns
    let k = classCount
    let penalty = 1 / (c * n)
    // The loss and gradient are sums over fixed blocks of rows, computed in parallel and added in
    // block order: the same for any number of threads.
    let blocks = stride(from: 0, to: x.rows, by: Self.blockRows).map { start in
      let rows = Array(start..<min(start + Self.blockRows, x.rows))
      return (x: x.selecting(rows: rows), labels: rows.map { labels[$0] })
    }
    // Parameters: K×d weights (row-major), then K intercepts.
    let result = LBFGS(maxIterations: maxIterations, gradientTolerance: tolerance).minimize(
      from: [Double](repeating: 0, count: k * d + k)
    ) { theta in
      let model = Fitted(weights: Matrix(rows: k, columns: d, values: Array(theta[0..<(k * d)])), intercepts: Array(theta[(k * d)...]))
      let parts = parallelMap(count: blocks.count, threads: threads) { b in
        let block = blocks[b]
        var p = model.rowProbabilities(block.x)
        var loss = 0.0
        var interceptGradient = [Double](repeating: 0, count: k)
        p.values.withUnsafeMutableBufferPointer { p in
          for (i, label) in block.labels.enumerated() {
            loss -= log(max(p[i * k + label], Double.leastNormalMagnitude))
            p[i * k + label] -= 1  // p − y
          }
          Double.addColumnSums(p.baseAddress!, rows: block.labels.count, columns: k, into: &interceptGradient)
        }
        return (loss, p.multiplied(by: block.x, transposingSelf: true).values, interceptGradient)  // K × d
      }
      var loss = 0.0
      var gradient = [Double](repeating: 0, count: k * d + k)
      for part in parts {
        loss += part.0
        for j in 0..<(k * d) { gradient[j] += part.1[j] }
        for cls in 0..<k { gradient[k * d + cls] += part.2[cls] }
      }
      var squaredNorm = 0.0
      for j in 0..<(k * d) {
        gradient[j] = gradient[j] / n + penalty * theta[j]
        squaredNorm += theta[j] * theta[j]
      }
      for cls in 0..<k { gradient[k * d + cls] /= n }
      return (loss / n + 0.5 * penalty * squaredNorm, gradient)
    }
    return Fitted(
      weights: Matrix(rows: k, columns: d, values: Array(result.point[0..<(k * d)])),
      intercepts: Array(result.point[(k * d)...]), iterations: result.iterations, converged: result.converged)
  }

  public struct Fitted: FittedRowClassifier {
    public var kind: ModelKind { LogisticRegression.registration }
    /// classCount × d.
    public var weights: Matrix
    public var intercepts: [Double]
    public var iterations = 0
    public var converged = true
    public var featureCount: Int { weights.columns }
    public var classCount: Int { weights.rows }

    public var convergenceWarning: String? {
      converged ? nil : "logreg stopped at its iteration limit (\(iterations)) before converging"
    }

    public func probabilities(_ x: Matrix, threads: Int) -> Matrix {
      parallelRows(x.rows, columns: classCount, threads: threads) { range, out in
        let probabilities = rowProbabilities(x.selecting(rows: Array(range)))
        for (i, value) in probabilities.values.enumerated() { out[range.lowerBound * classCount + i] = value }
      }
    }

    /// The class probabilities of each row of `x`, each row's depending on that row alone; what
    /// `probabilities` computes per block of rows, and training per fixed block, with no copy.
    func rowProbabilities(_ x: Matrix) -> Matrix {
      x.rowwiseAffine(weights, transposingWeights: true, biases: intercepts, activation: GENREKIT_AFFINE_SOFTMAX)
    }
  }
}

/// Row-wise softmax, shifted by each row's maximum for stability.
func softmaxRows(_ scores: Matrix) -> Matrix {
  var out = scores
  let columns = out.columns
  out.values.withUnsafeMutableBufferPointer { softmaxRows(in: $0, columns: columns) }
  return out
}

/// The same in place, on rows of `columns` values (`genrekit_softmax_rows`: glibc's exp, eight
/// values at a time).
func softmaxRows(in values: UnsafeMutableBufferPointer<Double>, columns: Int) {
  guard columns > 0, let base = values.baseAddress else { return }
  precondition(values.count % columns == 0, "whole rows of \(columns) values")
  genrekit_softmax_rows(base, values.count / columns, columns)
}

extension LogisticRegression.Fitted: ArchivableModel {
  public struct Header: Codable, Sendable, Equatable {
    var iterations: Int
    var converged: Bool
  }

  public var header: Header { Header(iterations: iterations, converged: converged) }

  /// Named as scikit-learn's `coef_` (classes × features) and `intercept_`.
  public func archive(into tensors: inout TensorArchive) {
    tensors.add("logreg.coef", weights.values, shape: [weights.rows, weights.columns])
    tensors.add("logreg.intercept", intercepts, shape: [intercepts.count])
  }

  public init(header: Header, tensors: TensorArchive, shape: ModelShape) throws {
    self.init(
      weights: Matrix(
        rows: shape.classCount, columns: shape.featureCount,
        values: try tensors.doubles("logreg.coef", shape: [shape.classCount, shape.featureCount])),
      intercepts: try tensors.doubles("logreg.intercept", shape: [shape.classCount]),
      iterations: header.iterations, converged: header.converged)
  }
}
