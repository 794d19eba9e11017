/// |a − b|² over `d` coordinates, four at a time (four independent sums, not one long chain of
/// additions).
@inline(__always)
func squaredDistance(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int) -> Double {
  var sums = SIMD4<Double>.zero
  var j = 0
  while j &+ 4 <= d {
    let difference = UnsafeRawPointer(a + j).loadUnaligned(as: SIMD4<Double>.self) - UnsafeRawPointer(b + j).loadUnaligned(as: SIMD4<Double>.self)
    sums += difference * difference
    j &+= 4
  }
  var total = sums.sum()
  while j < d {
    let difference = a[j] - b[j]
    total += difference * difference
    j &+= 1
  }
  return total
}
