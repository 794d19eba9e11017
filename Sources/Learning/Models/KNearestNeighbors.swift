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
        var found = KDTree.Neighbours(k: k)
        let offsets = UnsafeMutablePointer<Double>.allocate(capacity: x.columns)
        defer { offsets.deallocate() }
        x.values.withUnsafeBufferPointer { queries in
          for row in range {
            tree.nearest(queries.baseAddress! + row * x.columns, into: &found, offsets: offsets)
            vote(zip(found.rows, found.distances).map { (labels[$0], $1.squareRoot()) }, into: out + row * classCount)
          }
        }
      }
    }

    /// Squared Euclidean distances `|a|² + |b|² − 2 a·b`, the cross term by BLAS in blocks of rows.
    func bruteForceProbabilities(_ x: Matrix, threads: Int) -> Matrix {
      let trainingNorms = (0..<training.rows).map { training.row($0).reduce(0) { $0 + $1 * $1 } }
      return parallelRows(x.rows, columns: classCount, threads: threads) { range, out in
        var distances = [Double](repeating: 0, count: training.rows)
        let block = 256
        for start in stride(from: range.lowerBound, to: range.upperBound, by: block) {
          let rows = Array(start..<min(start + block, range.upperBound))
          let queries = x.selecting(rows: rows)
          let cross = queries.multiplied(by: training, transposingOther: true)
          for (q, row) in rows.enumerated() {
            let norm = queries.row(q).reduce(0) { $0 + $1 * $1 }
            cross.values.withUnsafeBufferPointer { cross in
              let crossRow = cross.baseAddress! + q * training.rows
              for j in 0..<training.rows { distances[j] = max(0, norm + trainingNorms[j] - 2 * crossRow[j]) }
            }
            let nearest = smallestIndices(distances, count: k)
            vote(nearest.map { (labels[$0], distances[$0].squareRoot()) }, into: out + row * classCount)
          }
        }
      }
    }

    private func vote(_ neighbours: [(label: Int, distance: Double)], into out: UnsafeMutablePointer<Double>) {
      var weights = [Double](repeating: 0, count: classCount)
      switch weighting {
      case .uniform:
        for n in neighbours { weights[n.label] += 1 }
      case .distance:
        if neighbours.contains(where: { $0.distance == 0 }) {
          for n in neighbours where n.distance == 0 { weights[n.label] += 1 }
        } else {
          for n in neighbours { weights[n.label] += 1 / n.distance }
        }
      }
      let total = weights.reduce(0, +)
      for c in 0..<classCount { out[c] = weights[c] / total }
    }
  }
}

/// Indices of the `count` smallest values, nearest first (ties: lower index first).
func smallestIndices(_ values: [Double], count: Int) -> [Int] {
  var best: [Int] = []
  best.reserveCapacity(count + 1)
  for i in values.indices where best.count < count || values[i] < values[best[best.count - 1]] {
    var position = best.count
    while position > 0 && values[best[position - 1]] > values[i] { position -= 1 }
    best.insert(i, at: position)
    if best.count > count { best.removeLast() }
  }
  return best
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
