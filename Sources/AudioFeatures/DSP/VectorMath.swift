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

/// `Σ term(i)` for i in 0..<count in Double with four interleaved partial sums: one running sum
/// waits for each addition before the next; four keep the adder busy (and round no worse).
@inline(__always)
func interleavedSum(_ count: Int, _ term: (Int) -> Double) -> Double {
  var partial: (Double, Double, Double, Double) = (0, 0, 0, 0)
  var i = 0
  while i + 4 <= count {
    partial.0 += term(i)
    partial.1 += term(i + 1)
    partial.2 += term(i + 2)
    partial.3 += term(i + 3)
    i += 4
  }
  while i < count {
    partial.0 += term(i)
    i += 1
  }
  return (partial.0 + partial.1) + (partial.2 + partial.3)
}
