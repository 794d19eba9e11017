import Foundation
import TensorIO

extension NumpyArray {
  init(path: String) throws {
    try self.init(serialized: [UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
  }

  /// The elements at the file's own precision.
  var doubles: [Double] { float64Values ?? values.map(Double.init) }
}

/// Largest |a − b| over two equally long sequences.
func maxAbsDifference<A: Collection, B: Collection>(_ a: A, _ b: B) -> Double
where A.Element: BinaryFloatingPoint, B.Element: BinaryFloatingPoint {
  precondition(a.count == b.count, "length \(a.count) ≠ \(b.count)")
  return zip(a, b).reduce(0) { max($0, abs(Double($1.0) - Double($1.1))) }
}
