import Foundation

/// A little-endian float32/float64 `.npy` array, read as Double in C (row-major) order.
struct NumpyArray {
  var shape: [Int]
  var values: [Double]

  init(path: String) throws {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    let headerLength = Int(data[8]) | Int(data[9]) << 8
    let header = String(decoding: data[10..<(10 + headerLength)], as: UTF8.self)
    let shapeText = header.components(separatedBy: "'shape': (")[1].components(separatedBy: ")")[0]
    shape = shapeText.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    let body = data[(10 + headerLength)...]
    if header.contains("'<f4'") {
      values = body.withUnsafeBytes { raw in
        (0..<(raw.count / 4)).map { Double(raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self)) }
      }
    } else {
      precondition(header.contains("'<f8'"), "unsupported npy dtype in \(path)")
      values = body.withUnsafeBytes { raw in
        (0..<(raw.count / 8)).map { raw.loadUnaligned(fromByteOffset: 8 * $0, as: Double.self) }
      }
    }
    if header.contains("'fortran_order': True") && shape.count == 2 {
      let (rows, columns) = (shape[0], shape[1])
      let columnMajor = values
      values = (0..<(rows * columns)).map { columnMajor[($0 % columns) * rows + $0 / columns] }
    }
  }
}

/// Largest |a − b| over two equally long sequences.
func maxAbsDifference<A: Collection, B: Collection>(_ a: A, _ b: B) -> Double
where A.Element: BinaryFloatingPoint, B.Element: BinaryFloatingPoint {
  precondition(a.count == b.count, "length \(a.count) ≠ \(b.count)")
  return zip(a, b).reduce(0) { max($0, abs(Double($1.0) - Double($1.1))) }
}
