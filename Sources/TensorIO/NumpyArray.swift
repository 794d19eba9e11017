/// An array in numpy's `.npy` format: `numpy.save` writes it, `numpy.load` reads it. GenreKit
/// writes version 1.0, little-endian float32, C order; it reads little-endian float32 and
/// float64 in C or Fortran order, versions 1.0–3.0. Reading treats the bytes as untrusted.
///
///     6 bytes   \x93NUMPY
///     2 bytes   version (1, 0)
///     2 bytes   header length, little-endian (4 bytes from version 2.0)
///     header    a Python dict literal: {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
///               padded with spaces and ended by \n, so that the data starts at a multiple of 64
///     data      the elements, in C (row-major) order
public struct NumpyArray: Sendable, Equatable {
  public var shape: [Int]
  /// The elements in C order, as float32 (float64 files are rounded).
  public var values: [Float]
  /// The elements of a float64 file at full precision (nil for float32 files).
  public var float64Values: [Double]?

  public init(shape: [Int], values: [Float]) {
    precondition(shape.reduce(1, *) == values.count, "the values must fill the shape")
    self.shape = shape
    self.values = values
  }

  static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

  /// The version 1.0 header of a little-endian float32 C-order array, `length` bytes long in
  /// all (a multiple of 64; at least what the shape needs), so that a writer can reserve it
  /// before the shape is known and fill it in at the end.
  public static func float32Header(shape: [Int], length: Int = 128) -> [UInt8] {
    let dimensions = shape.count == 1 ? "\(shape[0])," : shape.map(String.init).joined(separator: ", ")
    var dictionary = Array("{'descr': '<f4', 'fortran_order': False, 'shape': (\(dimensions)), }".utf8)
    let total = max(length, (10 + dictionary.count + 1 + 63) / 64 * 64)
    while 10 + dictionary.count + 1 < total { dictionary.append(0x20) }
    dictionary.append(0x0A)
    let headerLength = UInt16(dictionary.count)
    return magic + [1, 0, UInt8(headerLength & 0xFF), UInt8(headerLength >> 8)] + dictionary
  }

  /// The whole file.
  public func serialized() -> [UInt8] {
    var out = Self.float32Header(shape: shape, length: 64)
    out.reserveCapacity(out.count + 4 * values.count)
    for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
    return out
  }

  /// Parses `.npy` bytes; every size is checked before any element is read.
  public init(serialized bytes: [UInt8]) throws(TensorArchiveError) {
    guard bytes.count >= 10, Array(bytes[0..<6]) == Self.magic else { throw .invalid("not a .npy file (no \\x93NUMPY magic)") }
    let major = bytes[6]
    guard (1...3).contains(major) else { throw .invalid(".npy version \(major).\(bytes[7]) is not one GenreKit reads (1.0 to 3.0)") }
    let lengthBytes = major == 1 ? 2 : 4
    guard bytes.count >= 8 + lengthBytes else { throw .invalid("the .npy header is cut short") }
    var headerLength = 0
    for i in 0..<lengthBytes { headerLength |= Int(bytes[8 + i]) << (8 * i) }
    let dataStart = 8 + lengthBytes + headerLength
    guard headerLength <= 1 << 20, dataStart <= bytes.count else { throw .invalid("the .npy header claims \(headerLength) bytes; the file is shorter") }
    let header = String(decoding: bytes[(8 + lengthBytes)..<dataStart], as: UTF8.self)
    let fields = try Self.fields(of: header)
    let itemSize: Int
    switch fields.descr {
    case "<f4": itemSize = 4
    case "<f8": itemSize = 8
    default: throw .invalid(".npy dtype \(fields.descr.prefix(20)) is not one GenreKit reads (<f4, <f8)")
    }
    var count = 1
    for dimension in fields.shape {
      let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
      guard !overflow, product <= bytes.count else { throw .invalid(".npy shape \(fields.shape) is larger than the file") }
      count = product
    }
    guard bytes.count - dataStart == count * itemSize else {
      throw .invalid(".npy shape \(fields.shape) needs \(count * itemSize) data bytes; the file holds \(bytes.count - dataStart)")
    }
    var doubles: [Double]?
    var values = bytes[dataStart...].withUnsafeBytes { raw in
      if itemSize == 4 {
        return (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
      }
      doubles = (0..<count).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self))) }
      return doubles!.map(Float.init)
    }
    if fields.fortranOrder && fields.shape.count > 1 {
      values = Self.cOrder(values, shape: fields.shape)
      doubles = doubles.map { Self.cOrder($0, shape: fields.shape) }
    }
    self.init(shape: fields.shape, values: values)
    float64Values = doubles
  }

  /// Fortran-ordered elements (the first index varying fastest) laid out in C order.
  private static func cOrder<T>(_ fortran: [T], shape: [Int]) -> [T] {
    var strides = [Int](repeating: 1, count: shape.count)
    for d in 1..<shape.count { strides[d] = strides[d - 1] * shape[d - 1] }
    var index = [Int](repeating: 0, count: shape.count)
    var out = fortran
    for c in 0..<fortran.count {
      out[c] = fortran[zip(index, strides).reduce(0) { $0 + $1.0 * $1.1 }]
      var d = shape.count - 1
      while d >= 0 {
        index[d] += 1
        if index[d] < shape[d] { break }
        index[d] = 0
        d -= 1
      }
    }
    return out
  }

  /// The three entries of the header dict, by a small parser of exactly numpy's form.
  private static func fields(of header: String) throws(TensorArchiveError) -> (descr: String, fortranOrder: Bool, shape: [Int]) {
    func value(of key: String) throws(TensorArchiveError) -> Substring {
      guard let range = header.range(of: "'\(key)':") else { throw .invalid("the .npy header has no '\(key)'") }
      return header[range.upperBound...].drop { $0 == " " }
    }
    let descrText = try value(of: "descr")
    guard descrText.first == "'", let close = descrText.dropFirst().firstIndex(of: "'") else { throw .invalid("the .npy header's descr is not a string") }
    let descr = String(descrText[descrText.index(after: descrText.startIndex)..<close])
    let fortranText = try value(of: "fortran_order")
    guard fortranText.hasPrefix("True") || fortranText.hasPrefix("False") else { throw .invalid("the .npy header's fortran_order is not True or False") }
    let shapeText = try value(of: "shape")
    guard shapeText.first == "(", let end = shapeText.firstIndex(of: ")") else { throw .invalid("the .npy header's shape is not a tuple") }
    let entries = shapeText[shapeText.index(after: shapeText.startIndex)..<end].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    let shape = entries.filter { !$0.isEmpty }.map { Int($0) }
    guard shape.allSatisfy({ ($0 ?? -1) >= 0 }) else { throw .invalid("the .npy header's shape holds \(entries), not sizes") }
    return (descr, fortranText.hasPrefix("True"), shape.map { $0! })
  }
}
