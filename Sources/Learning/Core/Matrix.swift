import CAffineKernels
import CBLASLAPACK

/// A dense row-major matrix of Doubles: rows are samples, columns are features.
public struct Matrix: Sendable, Equatable, Codable {
  public let rows: Int
  public let columns: Int
  public var values: [Double]

  public init(rows: Int, columns: Int, values: [Double]) {
    precondition(values.count == rows * columns, "matrix storage does not match its shape")
    self.rows = rows
    self.columns = columns
    self.values = values
  }

  public init(rows: Int, columns: Int, repeating value: Double = 0) {
    self.init(rows: rows, columns: columns, values: [Double](repeating: value, count: rows * columns))
  }

  public init(_ rowArrays: [[Double]]) {
    let columns = rowArrays.first?.count ?? 0
    self.init(rows: rowArrays.count, columns: columns, values: rowArrays.flatMap { $0 })
  }

  public subscript(row: Int, column: Int) -> Double {
    get { values[row * columns + column] }
    set { values[row * columns + column] = newValue }
  }

  public func row(_ index: Int) -> ArraySlice<Double> {
    values[(index * columns)..<((index + 1) * columns)]
  }

  /// The rows at `indices`, in that order.
  public func selecting(rows indices: [Int]) -> Matrix {
    let columns = columns
    let out = values.withUnsafeBufferPointer { values in
      [Double](unsafeUninitializedCapacity: indices.count * columns) { out, count in
        // An element loop, not a memmove per row: rows are a few dozen values.
        for (r, i) in indices.enumerated() {
          precondition(i >= 0 && i < rows, "row \(i) of \(rows)")
          let (source, target) = (values.baseAddress! + i * columns, out.baseAddress! + r * columns)
          for c in 0..<columns { (target + c).initialize(to: source[c]) }
        }
        count = indices.count * columns
      }
    }
    return Matrix(rows: indices.count, columns: columns, values: out)
  }

  /// `self · other` (or with either side transposed), through BLAS dgemm.
  public func multiplied(
    by other: Matrix, transposingSelf: Bool = false, transposingOther: Bool = false
  ) -> Matrix {
    let m = transposingSelf ? columns : rows
    let k = transposingSelf ? rows : columns
    let n = transposingOther ? other.rows : other.columns
    precondition(k == (transposingOther ? other.columns : other.rows), "inner dimensions differ")
    var out = [Double](repeating: 0, count: m * n)
    guard m > 0, n > 0, k > 0 else { return Matrix(rows: m, columns: n, values: out) }
    genrekit_dgemm(
      transposingSelf ? 1 : 0, transposingOther ? 1 : 0, Int32(m), Int32(n), Int32(k), values, Int32(columns), other.values,
      Int32(other.columns), 0, &out, Int32(n))
    return Matrix(rows: m, columns: n, values: out)
  }
}

extension Matrix {
  /// `self · other` (or `self · otherᵀ`) with each row of the result depending on that row of
  /// `self` alone: every element is summed over the inner dimension in order, whatever the other
  /// rows are. BLAS chooses its kernels by the shape of the call (OpenBLAS's kernels for a block
  /// with an odd number of rows sum in another order), so predictions made in blocks of rows, or
  /// for a subset of the rows, would otherwise change in their last digits with `--jobs`.
  public func rowwiseMultiplied(by other: Matrix, transposingOther: Bool = false) -> Matrix {
    rowwiseAffine(other, transposingWeights: transposingOther, biases: nil, activation: GENREKIT_AFFINE_LINEAR)
  }

  /// `activation(self · weights + biases)` (`weights` transposed first with `transposingWeights`),
  /// each row depending on that row of `self` alone, as `rowwiseMultiplied`; the biases are added
  /// after the sum (`genrekit_affine_rows`).
  func rowwiseAffine(
    _ weights: Matrix, transposingWeights: Bool = false, biases: [Double]?, activation: genrekit_affine_activation
  ) -> Matrix {
    let right = transposingWeights ? weights.transposed() : weights
    precondition(columns == right.rows, "inner dimensions differ")
    precondition(biases.map { $0.count == right.columns } ?? true, "one bias per output column")
    let (inputs, outputs) = (columns, right.columns)
    guard rows > 0, outputs > 0 else { return Matrix(rows: rows, columns: outputs) }
    let out = [Double](unsafeUninitializedCapacity: rows * outputs) { out, count in
      withUnsafeTemporaryAllocation(of: Double.self, capacity: genrekit_affine_rows_scratch(inputs, outputs)) { scratch in
        values.withUnsafeBufferPointer { x in
          right.values.withUnsafeBufferPointer { w in
            func run(_ bias: UnsafePointer<Double>?) {
              genrekit_affine_rows(
                x.baseAddress, rows, inputs, w.baseAddress, bias, outputs, activation, scratch.baseAddress, out.baseAddress)
            }
            if let biases { biases.withUnsafeBufferPointer { run($0.baseAddress) } } else { run(nil) }
          }
        }
      }
      count = rows * outputs
    }
    return Matrix(rows: rows, columns: outputs, values: out)
  }

  /// Rows as columns.
  public func transposed() -> Matrix {
    var out = Matrix(rows: columns, columns: rows)
    for r in 0..<rows { for c in 0..<columns { out[c, r] = self[r, c] } }
    return out
  }
}

/// Largest index of each row (the first on ties), as `numpy.argmax(axis=1)`.
public func argmaxPerRow(_ m: Matrix) -> [Int] {
  (0..<m.rows).map { r in
    var best = 0
    for c in 1..<max(1, m.columns) where m[r, c] > m[r, best] { best = c }
    return best
  }
}

/// BLAS and LAPACK (OpenBLAS, loaded on first use: `CBLASLAPACK`), always single-threaded:
/// OpenBLAS splits some sums differently with more threads (results then differ in the last
/// digits), so GenreKit parallelises over disjoint outputs itself (`parallelMap`) and a result
/// never depends on the thread count.
public enum LinearAlgebra {
  /// The kernels OpenBLAS chose for this CPU (`SkylakeX`, `Haswell`, `Prescott`, …).
  public static var kernels: String { String(cString: genrekit_blas_kernels()) }

  /// Kernels to ask OpenBLAS for (`OPENBLAS_CORETYPE`) instead of `chosen`, if it fell back to
  /// its SSE3 `Prescott` ones on a CPU with wider vectors: it does so on CPUs newer than the
  /// library (Debian 12's 0.3.21 on an Emerald Rapids Xeon), where its products then run half as
  /// fast. AVX-512 F/BW/DQ/VL (what its SkylakeX kernels use) → `SkylakeX`; AVX2 with FMA →
  /// `Haswell`. `cpuFlags` as `/proc/cpuinfo` names them.
  public static func betterKernels(than chosen: String, cpuFlags: Set<String>) -> String? {
    guard chosen == "Prescott" else { return nil }
    if cpuFlags.isSuperset(of: ["avx512f", "avx512bw", "avx512dq", "avx512vl"]) { return "SkylakeX" }
    if cpuFlags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
    return nil
  }

  /// Eigenvalues (ascending) and eigenvectors (the columns of the returned row-major matrix) of
  /// a symmetric matrix, by LAPACK `dsyevd`.
  static func symmetricEigen(_ a: Matrix) throws(LearningError) -> (values: [Double], vectors: Matrix) {
    precondition(a.rows == a.columns, "a symmetric matrix is square")
    var vectors = a.values
    var values = [Double](repeating: 0, count: a.rows)
    let info = genrekit_dsyevd(Int32(a.rows), &vectors, &values)
    guard info == 0 else { throw .linearAlgebra(routine: "dsyevd", info: info) }
    return (values, Matrix(rows: a.rows, columns: a.rows, values: vectors))
  }
}

extension Matrix {
  /// `self` with the columns of `other` (same rows) after its own.
  public func appendingColumns(_ other: Matrix) -> Matrix {
    precondition(other.rows == rows, "appended columns must have as many rows")
    var values = [Double]()
    values.reserveCapacity(rows * (columns + other.columns))
    for r in 0..<rows {
      values += row(r)
      values += other.row(r)
    }
    return Matrix(rows: rows, columns: columns + other.columns, values: values)
  }
}
