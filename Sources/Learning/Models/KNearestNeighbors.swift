import TensorIO

/// k-nearest-neighbours classification (scikit-learn `KNeighborsClassifier`, `algorithm="auto"`).
public struct KNearestNeighbors: RowClassifier {
  public static let registration = ModelKind(
    name: "knn", input: .featureRows, summary: "k nearest neighbours (k-d tree up to 15 features, else brute-force BLAS distances)", options: ["k", "weights"],
    scalesByDefault: true,
    makeSettings: { _, options throws(LearningError) in
      var settings = KNearestNeighbors()
      if let k = try options.int("k") { settings.k = k }
      if let weighting = try options.choice("weights", as: Weighting.self) { settings.weighting = weighting }
      return settings
    },
    loadFitted: { json, tensors, shape in try Fitted(modelJSON: json, tensors: tensors, shape: shape) })

  public var kind: ModelKind { Self.registration }
  public var summary: [String: String] { ["k": "\(k)", "weights": weighting.rawValue] }

  public enum Weighting: String, Sendable, Codable, CaseIterable {
    /// Every neighbour counts 1.
    case uniform
    /// Neighbours count 1/distance; an exact match takes all the weight.
    case distance
  }

  /// Neighbours consulted. Default 5.
  public var k = 5
  /// Default `.uniform`.
  public var weighting = Weighting.uniform

  public init(k: Int = 5, weighting: Weighting = .uniform) {
    self.k = k
    self.weighting = weighting
  }

  public func validate() throws(LearningError) {
    guard k >= 1 else { throw .invalidParameter(name: "k", value: "\(k)", reason: "must be at least 1") }
  }

  public func fit(
    _ x: Matrix, labels: [Int], classCount: Int, groups: [String], threads: Int, progress: ProgressHandler?
  ) throws(LearningError) -> Fitted {
    try validate()
    try validateTrainingData(x, labels: labels, classCount: classCount)
    guard x.rows >= k else { throw .notEnoughSamples(needed: k, got: x.rows) }
    return Fitted(k: k, weighting: weighting, classCount: classCount, training: x, labels: labels)
  }

  public struct Fitted: FittedRowClassifier {
    public var kind: ModelKind { KNearestNeighbors.registration }
    public let k: Int
    public let weighting: Weighting
    public let classCount: Int
    public let training: Matrix
    public let labels: [Int]
    public var featureCount: Int { training.columns }

    /// scikit-learn's `algorithm="auto"`: a k-d tree for up to 15 features when k is below half
    /// the training rows, else brute force.
    var usesTree: Bool { training.columns <= 15 && k < training.rows / 2 }

    public func probabilities(_ x: Matrix, threads: Int) -> Matrix {
      usesTree ? treeProbabilities(x, threads: threads) : bruteForceProbabilities(x, threads: threads)
    }

    func treeProbabilities(_ x: Matrix, threads: Int) -> Matrix {
      let tree = KDTree(training)
      return parallelRows(x.rows, columns: classCount, threads: threads) { range, out in
        let found = Neighbours(k: k)
        let scratch = KDTree.SearchScratch(dimensions: x.columns)
        x.values.withUnsafeBufferPointer { queries in
          for row in range {
            tree.nearest(queries.baseAddress! + row * x.columns, into: found, scratch: scratch)
            vote(found, into: out + row * classCount)
          }
        }
      }
    }

    func bruteForceProbabilities(_ x: Matrix, threads: Int) -> Matrix {
      let trainingNorms = squaredNorms(training, rows: 0..<training.rows)
      return parallelRows(x.rows, columns: classCount, threads: threads) { range, out in
        bruteForceNearest(x, queries: range, trainingNorms: trainingNorms) { row, found in vote(found, into: out + row * classCount) }
      }
    }

    /// Calls `body(row, neighbours)` for each row of `x` in `queries`, in order, with its k
    /// nearest training rows by squared Euclidean distance `|a|² + |b|² − 2 a·b` (scikit-learn's
    /// brute force; rounding's negative values clipped to 0). Queries and training rows are taken
    /// in tiles of 256 × 256 whose cross terms (BLAS) stay in cache; each query keeps its k best
    /// so far and meets the training rows in order, so ties go to the lower row as in a sort.
    func bruteForceNearest(_ x: Matrix, queries: Range<Int>, trainingNorms: [Double], _ body: (Int, Neighbours) -> Void) {
      let tile = 256
      let d = training.columns
      let cross = UnsafeMutablePointer<Double>.allocate(capacity: tile * tile)
      defer { cross.deallocate() }
      let found = (0..<tile).map { _ in Neighbours(k: k) }
      let queryNorms = squaredNorms(x, rows: queries)
      x.values.withUnsafeBufferPointer { x in
        training.values.withUnsafeBufferPointer { training in
          trainingNorms.withUnsafeBufferPointer { trainingNorms in
            for start in stride(from: queries.lowerBound, to: queries.upperBound, by: tile) {
              let queryCount = min(tile, queries.upperBound - start)
              for q in 0..<queryCount { found[q].removeAll() }
              for first in stride(from: 0, to: trainingNorms.count, by: tile) {
                let count = min(tile, trainingNorms.count - first)
                Double.gemm(
                  transposeA: false, transposeB: true, m: queryCount, n: count, k: d, x.baseAddress! + start * d, lda: d,
                  training.baseAddress! + first * d, ldb: d, beta: 0, cross, ldc: count)
                for q in 0..<queryCount {
                  let (crossRow, queryNorm) = (cross + q * count, queryNorms[start - queries.lowerBound + q])
                  var bound = found[q].bound
                  for j in 0..<count {
                    let distance = max(0, queryNorm + trainingNorms[first + j] - 2 * crossRow[j])
                    if distance <= bound {
                      found[q].offer(distance, row: first + j)
                      bound = found[q].bound
                    }
                  }
                }
              }
              for q in 0..<queryCount { body(start + q, found[q]) }
            }
          }
        }
      }
    }

    /// The class weights of `found`, normalised, into `out` (`classCount` values).
    private func vote(_ found: Neighbours, into out: UnsafeMutablePointer<Double>) {
      out.update(repeating: 0, count: classCount)
      switch weighting {
      case .uniform:
        for i in 0..<k { out[labels[found.rows[i]]] += 1 }
      case .distance:
        // Squared distances: zero exactly when the distance is.
        if (0..<k).contains(where: { found.distances[$0] == 0 }) {
          for i in 0..<k where found.distances[i] == 0 { out[labels[found.rows[i]]] += 1 }
        } else {
          for i in 0..<k { out[labels[found.rows[i]]] += 1 / found.distances[i].squareRoot() }
        }
      }
      var total = 0.0
      for c in 0..<classCount { total += out[c] }
      for c in 0..<classCount { out[c] /= total }
    }
  }
}

/// The k nearest neighbours so far, nearest first, by (squared distance, row): storage for one
/// query after another, in the k-d tree and in brute force. A class over raw buffers, so that
/// an offer in a search's inner loop has no copy-on-write or exclusivity check.
final class Neighbours {
  let k: Int
  /// `k` values each, nearest first; ∞ and `Int.max` past those found.
  let distances: UnsafeMutablePointer<Double>
  let rows: UnsafeMutablePointer<Int>

  init(k: Int) {
    self.k = k
    distances = .allocate(capacity: k)
    rows = .allocate(capacity: k)
    removeAll()
  }

  deinit {
    distances.deallocate()
    rows.deallocate()
  }

  func removeAll() {
    distances.update(repeating: .infinity, count: k)
    rows.update(repeating: .max, count: k)
  }

  /// The squared distance a point must not exceed to enter (∞ until there are k).
  var bound: Double { distances[k - 1] }

  /// Keeps (distance, row) if it is among the k smallest so far.
  @inline(__always)
  func offer(_ distance: Double, row: Int) {
    guard distance < distances[k - 1] || (distance == distances[k - 1] && row < rows[k - 1]) else { return }
    var position = k - 1
    while position > 0 && (distances[position - 1] > distance || (distances[position - 1] == distance && rows[position - 1] > row)) {
      (distances[position], rows[position]) = (distances[position - 1], rows[position - 1])
      position -= 1
    }
    (distances[position], rows[position]) = (distance, row)
  }
}

/// The sum of squares of each of `rows`, added left to right.
func squaredNorms(_ m: Matrix, rows: Range<Int>) -> [Double] {
  rows.map { m.row($0).reduce(0) { $0 + $1 * $1 } }
}

extension KNearestNeighbors.Fitted: ArchivableModel {
  public struct Header: Codable, Sendable, Equatable {
    var k: Int
    var weighting: KNearestNeighbors.Weighting
  }

  public var header: Header { Header(k: k, weighting: weighting) }

  public func archive(into tensors: inout TensorArchive) {
    tensors.add("knn.training", training.values, shape: [training.rows, training.columns])
    tensors.add("knn.labels", labels.map { Int32($0) }, shape: [labels.count])
  }

  public init(header: Header, tensors: TensorArchive, shape: ModelShape) throws {
    let rows = try tensors.shape(of: "knn.training", rank: 2)[0]
    guard header.k >= 1, header.k <= rows else {
      throw LearningError.invalidModelFile("k is \(header.k); it must be in 1...\(rows) (the training rows)")
    }
    let training = try tensors.doubles("knn.training", shape: [rows, shape.featureCount])
    let labels = try tensors.int32s("knn.labels", shape: [rows], in: 0...Int32(shape.classCount - 1))
    self.init(
      k: header.k, weighting: header.weighting, classCount: shape.classCount,
      training: Matrix(rows: rows, columns: shape.featureCount, values: training), labels: labels.map(Int.init))
  }
}
