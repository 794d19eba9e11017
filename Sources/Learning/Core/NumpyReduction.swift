/// numpy's reductions with numpy's order of operations, where GenreKit must reproduce a
/// reference bit for bit (a near-tie then falls the same way).
enum NumpyReduction {
  /// `np.sum` of a contiguous 1-D array: pairwise summation, 8 accumulators per block of up to
  /// 128 values (numpy's `pairwise_sum`).
  static func sum(_ values: [Double]) -> Double {
    values.withUnsafeBufferPointer { pairwise($0[...]) }
  }

  private static func pairwise(_ a: Slice<UnsafeBufferPointer<Double>>) -> Double {
    let n = a.count
    let base = a.startIndex
    if n < 8 {
      var total = 0.0
      for i in a.indices { total += a[i] }
      return total
    }
    if n <= 128 {
      var r = (0..<8).map { a[base + $0] }
      var i = 8
      while i < n - n % 8 {
        for j in 0..<8 { r[j] += a[base + i + j] }
        i += 8
      }
      var total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
      while i < n {
        total += a[base + i]
        i += 1
      }
      return total
    }
    var half = n / 2
    half -= half % 8
    return pairwise(a[base..<(base + half)]) + pairwise(a[(base + half)...])
  }

  /// `np.std` (population) of a contiguous 1-D array or along the last axis.
  static func standardDeviation(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    let mean = sum(values) / Double(values.count)
    return (sum(values.map { ($0 - mean) * ($0 - mean) }) / Double(values.count)).squareRoot()
  }

  /// `np.std` along axis 0 of a C-ordered array, whose values are summed one after the other.
  static func standardDeviationInOrder(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    let mean = values.reduce(0, +) / Double(values.count)
    return (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
  }

  /// `np.isclose(a, b)`: |a − b| ≤ 1e-8 + 1e-5·|b|.
  static func isClose(_ a: Double, _ b: Double) -> Bool {
    if a == b { return true }
    guard a.isFinite, b.isFinite else { return false }
    return abs(a - b) <= 1e-8 + 1e-5 * abs(b)
  }
}
