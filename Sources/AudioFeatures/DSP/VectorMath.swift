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
/// middle values. The buffer is reordered.
func median(reordering x: UnsafeMutableBufferPointer<Float>) -> Float {
  precondition(!x.isEmpty, "median of an empty buffer")
  let k = (x.count - 1) / 2
  let lower = select(k, reordering: x)
  guard x.count % 2 == 0 else { return lower }
  return (lower + minimumAbove(k, x)) / 2
}

/// The k-th smallest value (0-based) by Hoare selection: `x` is reordered so that x[..<k] ≤ x[k]
/// ≤ x[(k + 1)...].
func select(_ k: Int, reordering x: UnsafeMutableBufferPointer<Float>) -> Float {
  precondition(x.indices.contains(k), "rank outside the buffer")
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
  return x[k]
}

/// After `select(k, reordering: x)`: the (k + 1)-th smallest value, the least of those after x[k].
func minimumAbove(_ k: Int, _ x: UnsafeMutableBufferPointer<Float>) -> Float {
  var upper = x[k + 1]
  for v in x[(k + 2)...] { upper = min(upper, v) }
  return upper
}
