/// `Σ a[i]·b[i]` in float32 with eight partial sums (the compiler does not reassociate float
/// reductions by itself, so the SIMD accumulators are explicit).
@inline(__always)
func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
  var partial = SIMD8<Float>(repeating: 0)
  var i = 0
  while i + 8 <= count {
    let x = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
    let y = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
    partial += x * y  // not addProduct: without FMA in the baseline ISA it calls fmaf per lane
    i += 8
  }
  var sum = partial.sum()
  while i < count {
    sum += a[i] * b[i]
    i += 1
  }
  return sum
}
