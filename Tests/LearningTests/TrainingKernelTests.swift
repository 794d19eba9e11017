import CNetworkKernels
import Testing

/// The C kernels of a training step against the plain loops they stand for, to the bit: the
/// dense layer's products (one fused multiply-add per term, in order from zero), Adam and the
/// column sums, on shapes that leave partial vectors, partial row blocks and single columns.
@Suite struct TrainingKernelTests {
  /// Values in [-1, 1), a third of them exactly zero (as ReLU outputs are), from an LCG.
  struct Values {
    var state: UInt64
    mutating func next() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return state % 3 == 0 ? 0 : Double(state >> 11) / Double(1 << 52) - 1
    }
    mutating func array(_ count: Int) -> [Double] { (0..<count).map { _ in next() } }
  }

  /// rows × inputs → outputs: the MLP's Spotify and GTZAN layers, a last partial batch, odd sizes.
  static let shapes: [(rows: Int, inputs: Int, outputs: Int)] = [
    (200, 12, 100), (200, 100, 6), (200, 57, 100), (200, 100, 10), (200, 64, 32), (137, 12, 100), (1, 3, 1), (7, 9, 17),
    (13, 5, 49), (50, 256, 64), (25, 1, 8), (31, 24, 200),
  ]

  /// Σₖ a(k)·b(k) as one fused multiply-add per term, from zero.
  static func fusedSum(_ count: Int, _ term: (Int) -> (Double, Double)) -> Double {
    (0..<count).reduce(0.0) { sum, k in
      let (a, b) = term(k)
      return sum.addingProduct(a, b)
    }
  }

  /// How many values differ (a zero's sign counts; NaN matches NaN): 0 when the kernel is the loop.
  static func mismatches<T: BinaryFloatingPoint>(_ a: [T], _ b: [T]) -> Int {
    precondition(a.count == b.count)
    return zip(a, b).filter { x, y in x.isNaN ? !y.isNaN : !(x == y && x.sign == y.sign) }.count
  }

  /// Runs `body` with a copy of `values` followed by a vector's slack (which the kernels may read).
  static func withSlack<R>(_ values: [Double], _ body: (UnsafePointer<Double>) -> R) -> R {
    (values + [Double](repeating: .nan, count: 8)).withUnsafeBufferPointer { body($0.baseAddress!) }
  }

  /// An output array of `count` values and a canary after it, which no kernel may touch.
  static func output(_ count: Int, _ body: (UnsafeMutablePointer<Double>) -> Void) -> [Double] {
    var values = [Double](repeating: 0, count: count + 8)
    values.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    #expect(values[count...].allSatisfy { $0 == 0 }, "written past the output")
    return Array(values[..<count])
  }

  @Test(arguments: shapes) func denseForwardIsTheFusedSumPlusBiasThenReLU(shape: (rows: Int, inputs: Int, outputs: Int)) {
    let (rows, inputs, outputs) = shape
    var values = Values(state: UInt64(rows * 1000 + inputs * 10 + outputs))
    let (x, w, bias) = (values.array(rows * inputs), values.array(inputs * outputs), values.array(outputs))
    var scratch = [Double](repeating: 0, count: genrekit_dense_scratch(inputs, outputs))
    for relu in [false, true] {
      let z = Self.output(rows * outputs) { genrekit_dense_forward_f64(x, rows, inputs, w, bias, outputs, relu ? 1 : 0, &scratch, $0) }
      let expected = (0..<(rows * outputs)).map { i in
        let (r, c) = i.quotientAndRemainder(dividingBy: outputs)
        let v = Self.fusedSum(inputs) { (x[r * inputs + $0], w[$0 * outputs + c]) } + bias[c]
        return relu ? max(0, v) : v
      }
      #expect(Self.mismatches(z, expected) == 0, "\(shape) relu \(relu)")
    }
  }

  @Test(arguments: shapes) func denseWeightGradientIsTheFusedSumPlusPenaltyOverRows(shape: (rows: Int, inputs: Int, outputs: Int)) {
    let (rows, inputs, outputs) = shape
    var values = Values(state: UInt64(rows * 1000 + inputs * 10 + outputs + 1))
    let (x, delta, w) = (values.array(rows * inputs), values.array(rows * outputs), values.array(inputs * outputs))
    let alpha = 1e-3
    var scratch = [Double](repeating: 0, count: genrekit_dense_scratch(inputs, outputs))
    let gradient = Self.output(inputs * outputs) { out in
      Self.withSlack(delta) { genrekit_dense_weight_gradient_f64(x, rows, inputs, $0, outputs, w, alpha, &scratch, out) }
    }
    let expected = (0..<(inputs * outputs)).map { j in
      let (i, c) = j.quotientAndRemainder(dividingBy: outputs)
      return (Self.fusedSum(rows) { (x[$0 * inputs + i], delta[$0 * outputs + c]) } + alpha * w[j]) / Double(rows)
    }
    #expect(Self.mismatches(gradient, expected) == 0, "\(shape)")
  }

  @Test(arguments: shapes) func denseInputGradientIsTheFusedSumThroughTheReLUAndItsColumnSums(shape: (rows: Int, inputs: Int, outputs: Int)) {
    let (rows, inputs, outputs) = shape
    var values = Values(state: UInt64(rows * 1000 + inputs * 10 + outputs + 2))
    let (delta, w, x) = (values.array(rows * outputs), values.array(inputs * outputs), values.array(rows * inputs))
    let scale = 1 / (1 - 0.3)
    var scratch = [Double](repeating: 0, count: genrekit_dense_scratch(inputs, outputs))
    var sums: [Double] = []
    let gradient = Self.output(rows * inputs) { out in
      sums = Self.output(inputs) { sumsOut in
        Self.withSlack(x) { genrekit_dense_input_gradient_f64(delta, rows, outputs, w, inputs, $0, scale, &scratch, out, sumsOut) }
      }
    }
    let expected = (0..<(rows * inputs)).map { j in
      let (r, i) = j.quotientAndRemainder(dividingBy: inputs)
      return Self.fusedSum(outputs) { (delta[r * outputs + $0], w[i * outputs + $0]) } * (x[j] > 0 ? scale : 0)
    }
    #expect(Self.mismatches(gradient, expected) == 0, "\(shape)")
    let expectedSums = (0..<inputs).map { i in (0..<rows).reduce(0.0) { $0 + expected[$1 * inputs + i] } }
    #expect(Self.mismatches(sums, expectedSums) == 0, "\(shape)")
  }

  /// Adam's update as written in scikit-learn and Keras, element by element, in both precisions.
  @Test(arguments: [1, 7, 8, 16, 37, 1_000]) func adamKernelsAreTheElementwiseUpdate(count: Int) {
    var values = Values(state: UInt64(count))
    let (p, m, g) = (values.array(count), values.array(count), values.array(count))
    let v = values.array(count).map(abs)
    func expected<T: BinaryFloatingPoint>(_ type: T.Type, rate: T) -> [[T]] {
      let (beta1, beta2, epsilon) = (T(0.9), T(0.999), T(1e-7))
      var (p, m, v) = (p.map { T($0) }, m.map { T($0) }, v.map { T($0) })
      for i in 0..<count {
        let gi = T(g[i])
        m[i] = beta1 * m[i] + (1 - beta1) * gi
        v[i] = beta2 * v[i] + (1 - beta2) * gi * gi
        p[i] -= rate * m[i] / (v[i].squareRoot() + epsilon)
      }
      return [p, m, v]
    }
    var (p64, m64, v64) = (p, m, v)
    genrekit_adam_f64(&p64, &m64, &v64, g, count, 0.9, 0.999, 1e-7, 0.0123)
    #expect(zip([p64, m64, v64], expected(Double.self, rate: 0.0123)).map { Self.mismatches($0, $1) } == [0, 0, 0])
    var (p32, m32, v32) = (p.map { Float($0) }, m.map { Float($0) }, v.map { Float($0) })
    genrekit_adam_f32(&p32, &m32, &v32, g.map { Float($0) }, count, 0.9, 0.999, 1e-7, 0.0123)
    #expect(zip([p32, m32, v32], expected(Float.self, rate: 0.0123)).map { Self.mismatches($0, $1) } == [0, 0, 0])
  }

  @Test(arguments: [(200, 6), (200, 100), (3, 1), (17, 133), (64, 16)]) func columnSumsAddEachColumnInRowOrder(rows: Int, columns: Int) {
    var values = Values(state: UInt64(rows * columns))
    let (p, start) = (values.array(rows * columns), values.array(columns))
    let expected = (0..<columns).map { c in (0..<rows).reduce(start[c]) { $0 + p[$1 * columns + c] } }
    var sums = start
    genrekit_add_column_sums_f64(p, rows, columns, &sums)
    #expect(Self.mismatches(sums, expected) == 0)
    let expected32 = (0..<columns).map { c in (0..<rows).reduce(Float(start[c])) { $0 + Float(p[$1 * columns + c]) } }
    var sums32 = start.map { Float($0) }
    genrekit_add_column_sums_f32(p.map { Float($0) }, rows, columns, &sums32)
    #expect(Self.mismatches(sums32, expected32) == 0)
  }
}
