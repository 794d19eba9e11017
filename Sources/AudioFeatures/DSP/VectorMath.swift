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

/// numpy's median of a non-empty buffer, in float32: the middle value, or the mean of the two
/// middle values. Hoare selection of the lower middle value, then the minimum of what lies above
/// it; the buffer is reordered.
func median(reordering x: UnsafeMutableBufferPointer<Float>) -> Float {
  precondition(!x.isEmpty, "median of an empty buffer")
  let k = (x.count - 1) / 2
  var low = 0
  var high = x.count - 1
  while low < high {
    let pivot = x[(low + high) / 2]
    var i = low
    var j = high
    while i <= j {
      while x[i] < pivot { i += 1 }
      while x[j] > pivot { j -= 1 }
      if i <= j {
        x.swapAt(i, j)
        i += 1
        j -= 1
      }
    }
    if k <= j {
      high = j
    } else if k >= i {
      low = i
    } else {
      break  // x[k] equals the pivot and is in place
    }
  }
  guard x.count % 2 == 0 else { return x[k] }
  // Selection leaves x[..<k] ≤ x[k] ≤ x[(k + 1)...].
  var upper = x[k + 1]
  for v in x[(k + 2)...] { upper = min(upper, v) }
  return (x[k] + upper) / 2
}
