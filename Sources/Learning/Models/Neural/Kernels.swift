/// The layers' elementwise passes, as plain loops over raw pointers that the compiler vectorises
/// once specialised for `Float` (not inlined: inside the layers' closures the pointers would be
/// reloaded at every step, which stops vectorisation). Sums cannot be reordered by the compiler, so they keep eight
/// partial sums (`SIMD8`) added in a fixed order: every call gives the same result.
/// (Comparisons stay scalar: on a generic `SIMD8<T>` they compile lane by lane.)
enum Kernels {
  @inline(__always)
  static func load<T: NetworkScalar>(_ p: UnsafePointer<T>) -> SIMD8<T> { UnsafeRawPointer(p).loadUnaligned(as: SIMD8<T>.self) }

  @inline(__always)
  static func store<T: NetworkScalar>(_ v: SIMD8<T>, _ p: UnsafeMutablePointer<T>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<T>.self) }

  @inline(__always)
  static func total<T: NetworkScalar>(_ v: SIMD8<T>) -> T { ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7])) }

  /// Σ p[i].
  @inline(never)
  static func sum<T: NetworkScalar>(_ p: UnsafePointer<T>, _ count: Int) -> T {
    var lanes = SIMD8<T>()
    var i = 0
    while i + 8 <= count {
      lanes += load(p + i)
      i += 8
    }
    var result = total(lanes)
    while i < count {
      result += p[i]
      i += 1
    }
    return result
  }

  /// Σ a[i]·b[i].
  @inline(never)
  static func dot<T: NetworkScalar>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ count: Int) -> T {
    var lanes = SIMD8<T>()
    var i = 0
    while i + 8 <= count {
      lanes += load(a + i) * load(b + i)
      i += 8
    }
    var result = total(lanes)
    while i < count {
      result += a[i] * b[i]
      i += 1
    }
    return result
  }

  /// Σ (p[i] − mean)².
  @inline(never)
  static func squaredDeviations<T: NetworkScalar>(_ p: UnsafePointer<T>, _ count: Int, from mean: T) -> T {
    var lanes = SIMD8<T>()
    let m = SIMD8(repeating: mean)
    var i = 0
    while i + 8 <= count {
      let d = load(p + i) - m
      lanes += d * d
      i += 8
    }
    var result = total(lanes)
    while i < count {
      result += (p[i] - mean) * (p[i] - mean)
      i += 1
    }
    return result
  }

  /// values[i] = max(values[i], 0).
  @inline(never)
  static func relu<T: NetworkScalar>(_ values: UnsafeMutablePointer<T>, _ count: Int) {
    for i in 0..<count { values[i] = max(values[i], 0) }
  }

  /// into[i] = output[i] > 0 ? gradient[i] : 0.
  @inline(never)
  static func reluBackward<T: NetworkScalar>(
    _ gradient: UnsafePointer<T>, output: UnsafePointer<T>, _ count: Int, into: UnsafeMutablePointer<T>
  ) {
    for i in 0..<count {
      let g = gradient[i]  // loaded unconditionally, so that the select vectorises
      into[i] = output[i] > 0 ? g : 0
    }
  }

  /// target[i] += source[i].
  @inline(never)
  static func add<T: NetworkScalar>(_ source: UnsafePointer<T>, into target: UnsafeMutablePointer<T>, _ count: Int) {
    for i in 0..<count { target[i] += source[i] }
  }

  /// y[i] = (x[i] − mean)·scale·gamma + beta, and x̂[i] = (x[i] − mean)·scale when `xhat` is given.
  @inline(never)
  static func normalise<T: NetworkScalar>(
    _ x: UnsafePointer<T>, _ count: Int, mean: T, scale: T, gamma: T, beta: T, xhat: UnsafeMutablePointer<T>?, y: UnsafeMutablePointer<T>
  ) {
    if let xhat {
      for i in 0..<count {
        xhat[i] = (x[i] - mean) * scale
        y[i] = xhat[i] * gamma + beta
      }
    } else {
      for i in 0..<count { y[i] = (x[i] - mean) * scale * gamma + beta }
    }
  }

  /// BatchNorm's input gradient: out[i] = scale·(dy[i] − meanDy − x̂[i]·meanDyXhat).
  @inline(never)
  static func normaliseBackward<T: NetworkScalar>(
    _ dy: UnsafePointer<T>, xhat: UnsafePointer<T>, _ count: Int, scale: T, meanDy: T, meanDyXhat: T, into out: UnsafeMutablePointer<T>
  ) {
    for i in 0..<count { out[i] = scale * (dy[i] - meanDy - xhat[i] * meanDyXhat) }
  }

  /// 2 × 2 max pooling of one pair of input rows into `count` outputs:
  /// out[j] = max(top[2j], top[2j + 1], bottom[2j], bottom[2j + 1]).
  @inline(never)
  static func maxPool<T: NetworkScalar>(top: UnsafePointer<T>, bottom: UnsafePointer<T>, _ count: Int, into out: UnsafeMutablePointer<T>) {
    for j in 0..<count { out[j] = max(max(top[2 * j], top[2 * j + 1]), max(bottom[2 * j], bottom[2 * j + 1])) }
  }

  /// The gradient of `maxPool` (whose outputs were `pooled`): each output's gradient goes to the
  /// first input of its window, in row-major order, that equals the maximum; the others get 0.
  /// (The reference for `NetworkScalar.maxPoolBackward`; `>=` the maximum is `==` it.)
  @inline(never)
  static func maxPoolBackward<T: NetworkScalar>(
    top: UnsafePointer<T>, bottom: UnsafePointer<T>, pooled: UnsafePointer<T>, gradient: UnsafePointer<T>, _ count: Int,
    intoTop dTop: UnsafeMutablePointer<T>, intoBottom dBottom: UnsafeMutablePointer<T>
  ) {
    for j in 0..<count {
      let (m, g) = (pooled[j], gradient[j])
      let (first, second, third) = (top[2 * j] >= m, top[2 * j + 1] >= m, bottom[2 * j] >= m)
      dTop[2 * j] = first ? g : 0
      dTop[2 * j + 1] = !first && second ? g : 0
      dBottom[2 * j] = !first && !second && third ? g : 0
      dBottom[2 * j + 1] = !first && !second && !third ? g : 0
    }
  }
}
