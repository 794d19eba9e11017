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
    var out = [Double]()
    out.reserveCapacity(indices.count * columns)
    for i in indices { out += row(i) }
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
    cblas_dgemm(
      CblasRowMajor, transposingSelf ? CblasTrans : CblasNoTrans,
      transposingOther ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, values,
      Int32(columns), other.values, Int32(other.columns), 0, &out, Int32(n))
    return Matrix(rows: m, columns: n, values: out)
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

/// Threads OpenBLAS may use. GEMM splits its output among threads without changing any element's
/// summation order, so results do not depend on the count.
public func setLinearAlgebraThreads(_ threads: Int) {
  openblas_set_num_threads(Int32(max(1, threads)))
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
