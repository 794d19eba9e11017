import Foundation

/// Named numeric arrays in the `safetensors` format (huggingface/safetensors), so that numpy
/// (`safetensors.numpy.load_file`) and PyTorch read a GenreKit model's arrays as they are:
///
///     8 bytes   little-endian u64 N, the header's length
///     N bytes   JSON: {"name": {"dtype": "F64", "shape": [r, c], "data_offsets": [begin, end]}, …,
///               "__metadata__": {"key": "value", …}}, padded with spaces to a multiple of 8
///     the data  every tensor's bytes, little-endian, C order, back to back
///
/// Reading treats the bytes as untrusted: every offset, shape and size is checked before any
/// element is read, and a violation is a `TensorArchiveError` saying what is wrong.
public struct TensorArchive: Sendable, Equatable {
  public enum DType: String, Sendable, CaseIterable {
    case f64 = "F64"
    case f32 = "F32"
    case i64 = "I64"
    case i32 = "I32"

    public var byteCount: Int {
      switch self {
      case .f64, .i64: return 8
      case .f32, .i32: return 4
      }
    }
  }

  public struct Tensor: Sendable, Equatable {
    public var dtype: DType
    public var shape: [Int]
    /// Little-endian element bytes, C order (a slice of the file read, not a copy).
    public var bytes: ArraySlice<UInt8>

    public var elementCount: Int { shape.reduce(1, *) }
  }

  public private(set) var tensors: [String: Tensor] = [:]
  public var metadata: [String: String] = [:]

  public init() {}

  // MARK: Building

  public mutating func add(_ name: String, _ values: [Double], shape: [Int]) {
    add(name, dtype: .f64, shape: shape, count: values.count) { bytes in
      for value in values { bytes.append(littleEndian: value.bitPattern) }
    }
  }

  public mutating func add(_ name: String, _ values: [Float], shape: [Int]) {
    add(name, dtype: .f32, shape: shape, count: values.count) { bytes in
      for value in values { bytes.append(littleEndian: value.bitPattern) }
    }
  }

  public mutating func add(_ name: String, _ values: [Int32], shape: [Int]) {
    add(name, dtype: .i32, shape: shape, count: values.count) { bytes in
      for value in values { bytes.append(littleEndian: UInt32(bitPattern: value)) }
    }
  }

  public mutating func add(_ name: String, _ values: [Int64], shape: [Int]) {
    add(name, dtype: .i64, shape: shape, count: values.count) { bytes in
      for value in values { bytes.append(littleEndian: UInt64(bitPattern: value)) }
    }
  }

  public mutating func remove(_ name: String) {
    tensors[name] = nil
  }

  private mutating func add(
    _ name: String, dtype: DType, shape: [Int], count: Int, _ append: (inout [UInt8]) -> Void
  ) {
    precondition(shape.reduce(1, *) == count, "tensor \(name): \(count) values do not fill shape \(shape)")
    precondition(tensors[name] == nil, "tensor \(name) added twice")
    var bytes = [UInt8]()
    bytes.reserveCapacity(count * dtype.byteCount)
    append(&bytes)
    tensors[name] = Tensor(dtype: dtype, shape: shape, bytes: bytes[...])
  }

  // MARK: Reading values, checked against the shape the caller expects

  /// The values of F64 tensor `name`, which must have exactly `shape` and, unless `finite` is
  /// false, hold only finite numbers.
  public func doubles(_ name: String, shape: [Int], finite: Bool = true) throws(TensorArchiveError) -> [Double] {
    let values = try elements(name, .f64, shape) { (bits: UInt64) in Double(bitPattern: bits) }
    if finite { try requireAll(values, of: name, satisfy: \.isFinite, "not a finite number") }
    return values
  }

  public func floats(_ name: String, shape: [Int], finite: Bool = true) throws(TensorArchiveError) -> [Float] {
    let values = try elements(name, .f32, shape) { (bits: UInt32) in Float(bitPattern: bits) }
    if finite { try requireAll(values, of: name, satisfy: \.isFinite, "not a finite number") }
    return values
  }

  /// The values of I32 tensor `name` of exactly `shape`, each within `range` when given.
  public func int32s(_ name: String, shape: [Int], in range: ClosedRange<Int32>? = nil) throws(TensorArchiveError) -> [Int32] {
    let values = try elements(name, .i32, shape) { (bits: UInt32) in Int32(bitPattern: bits) }
    if let range { try requireAll(values, of: name, satisfy: range.contains, "outside \(range.lowerBound)...\(range.upperBound)") }
    return values
  }

  public func int64s(_ name: String, shape: [Int], in range: ClosedRange<Int64>? = nil) throws(TensorArchiveError) -> [Int64] {
    let values = try elements(name, .i64, shape) { (bits: UInt64) in Int64(bitPattern: bits) }
    if let range { try requireAll(values, of: name, satisfy: range.contains, "outside \(range.lowerBound)...\(range.upperBound)") }
    return values
  }

  private func elements<Bits: FixedWidthInteger, Value>(
    _ name: String, _ dtype: DType, _ shape: [Int], _ convert: (Bits) -> Value
  ) throws(TensorArchiveError) -> [Value] {
    let tensor = try tensor(name, dtype: dtype, shape: shape)
    return tensor.bytes.withUnsafeBytes { raw in
      (0..<tensor.elementCount).map {
        convert(Bits(littleEndian: raw.loadUnaligned(fromByteOffset: MemoryLayout<Bits>.size * $0, as: Bits.self)))
      }
    }
  }

  private func requireAll<Value>(
    _ values: [Value], of name: String, satisfy isValid: (Value) -> Bool, _ problem: String
  ) throws(TensorArchiveError) {
    if let bad = values.firstIndex(where: { !isValid($0) }) {
      throw .invalid("tensor \(name): element \(bad) is \(values[bad]), \(problem)")
    }
  }

  /// The shape of tensor `name` (to size the others from it), which must have `rank` dimensions.
  public func shape(of name: String, rank: Int) throws(TensorArchiveError) -> [Int] {
    guard let tensor = tensors[name] else { throw .invalid("tensor \(name) is missing") }
    guard tensor.shape.count == rank else {
      throw .invalid("tensor \(name) has shape \(tensor.shape), expected \(rank) dimensions")
    }
    return tensor.shape
  }

  private func tensor(_ name: String, dtype: DType, shape: [Int]) throws(TensorArchiveError) -> Tensor {
    guard let tensor = tensors[name] else { throw .invalid("tensor \(name) is missing") }
    guard tensor.dtype == dtype else { throw .invalid("tensor \(name) is \(tensor.dtype.rawValue), expected \(dtype.rawValue)") }
    guard tensor.shape == shape else { throw .invalid("tensor \(name) has shape \(tensor.shape), expected \(shape)") }
    return tensor
  }

  // MARK: Serialisation

  /// The safetensors bytes. Tensors are laid out by decreasing element size, then by name (as the
  /// reference implementation does, so every element is aligned), and the same archive always
  /// gives the same bytes.
  public func serialized() -> [UInt8] {
    let order = tensors.keys.sorted { a, b in
      let (sa, sb) = (tensors[a]!.dtype.byteCount, tensors[b]!.dtype.byteCount)
      return sa != sb ? sa > sb : a < b
    }
    var offset = 0
    var entries: [String] = []
    if !metadata.isEmpty {
      let fields = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
      entries.append("\"__metadata__\":{\(fields.joined(separator: ","))}")
    }
    for name in order {
      let tensor = tensors[name]!
      let end = offset + tensor.bytes.count
      entries.append(
        "\(jsonString(name)):{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(end)]}"
      )
      offset = end
    }
    var header = Array("{\(entries.joined(separator: ","))}".utf8)
    while header.count % 8 != 0 { header.append(0x20) }
    var out = [UInt8]()
    out.reserveCapacity(8 + header.count + offset)
    out.append(littleEndian: UInt64(header.count))
    out += header
    for name in order { out += tensors[name]!.bytes }
    return out
  }

  /// Parses safetensors bytes, checking the header and every tensor's extent.
  public init(serialized data: [UInt8]) throws(TensorArchiveError) {
    guard data.count >= 8 else { throw .invalid("\(data.count) bytes: too short for a safetensors header") }
    let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
    // The reference implementation refuses headers over 100 MB as well.
    guard headerLength <= UInt64(min(data.count - 8, 100_000_000)) else {
      throw .invalid("the header claims \(headerLength) bytes; the file holds \(data.count - 8) after the length")
    }
    let headerEnd = 8 + Int(headerLength)
    let header: [String: HeaderValue]
    do {
      header = try JSONDecoder().decode([String: HeaderValue].self, from: Data(data[8..<headerEnd]))
    } catch {
      throw .invalid("the header is not a safetensors JSON object (\(Self.reason(error)))")
    }
    let bufferLength = data.count - headerEnd
    var extents: [(begin: Int, end: Int, name: String)] = []
    for (name, value) in header {
      let entry: HeaderValue.Entry
      switch value {
      case .metadata(let metadata):
        guard name == "__metadata__" else { throw .invalid("tensor \(name): needs dtype, shape and data_offsets") }
        self.metadata = metadata
        continue
      case .tensor(let tensorEntry):
        guard name != "__metadata__" else { throw .invalid("__metadata__ is not an object of strings") }
        entry = tensorEntry
      }
      guard let dtype = DType(rawValue: entry.dtype) else {
        throw .invalid("tensor \(name): dtype \(entry.dtype) is not one GenreKit reads (\(DType.allCases.map(\.rawValue).joined(separator: ", ")))")
      }
      let shape = entry.shape
      let offsets = entry.data_offsets
      guard shape.allSatisfy({ $0 >= 0 }) else { throw .invalid("tensor \(name): shape \(shape) has a negative size") }
      guard offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= bufferLength else {
        throw .invalid("tensor \(name): data_offsets \(offsets) do not lie within the \(bufferLength) data bytes")
      }
      var count = 1
      for dimension in shape {
        let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
        guard !overflow, product <= bufferLength else { throw .invalid("tensor \(name): shape \(shape) is larger than the file") }
        count = product
      }
      guard offsets[1] - offsets[0] == count * dtype.byteCount else {
        throw .invalid("tensor \(name): shape \(shape) of \(dtype.rawValue) needs \(count * dtype.byteCount) bytes; data_offsets give \(offsets[1] - offsets[0])")
      }
      extents.append((offsets[0], offsets[1], name))
      tensors[name] = Tensor(dtype: dtype, shape: shape, bytes: data[(headerEnd + offsets[0])..<(headerEnd + offsets[1])])
    }
    // As the format requires: the tensors tile the data exactly, without gaps or overlaps.
    var position = 0
    for extent in extents.sorted(by: { ($0.begin, $0.end) < ($1.begin, $1.end) }) {
      guard extent.begin == position else {
        throw .invalid("tensor \(extent.name): data starts at \(extent.begin), expected \(position) (tensors overlap or leave a gap)")
      }
      position = extent.end
    }
    guard position == bufferLength else { throw .invalid("\(bufferLength - position) data bytes belong to no tensor") }
  }

  /// A header entry: a tensor's extent, or the string map `__metadata__`.
  private enum HeaderValue: Decodable {
    struct Entry: Decodable {
      var dtype: String
      var shape: [Int]
      var data_offsets: [Int]
    }
    case tensor(Entry)
    case metadata([String: String])

    init(from decoder: any Decoder) throws {
      if let metadata = try? [String: String](from: decoder) {
        self = .metadata(metadata)
      } else {
        self = .tensor(try Entry(from: decoder))
      }
    }
  }

  private static func reason(_ error: any Error) -> String {
    guard let error = error as? DecodingError else { return "unreadable" }
    switch error {
    case .keyNotFound(let key, let context): return "\((context.codingPath + [key]).map(\.stringValue).joined(separator: ".")) is missing"
    case .typeMismatch(_, let context), .valueNotFound(_, let context):
      return "\(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type"
    case .dataCorrupted: return "not JSON"
    @unknown default: return "unreadable"
    }
  }
}

/// Why tensor bytes were refused; the description says what is wrong (the caller adds the file).
public enum TensorArchiveError: Error, Equatable, CustomStringConvertible {
  case invalid(String)

  public var description: String {
    switch self {
    case .invalid(let message): return message
    }
  }
}

private func jsonString(_ text: String) -> String {
  var out = "\""
  for scalar in text.unicodeScalars {
    switch scalar {
    case "\"": out += "\\\""
    case "\\": out += "\\\\"
    case "\n": out += "\\n"
    case "\r": out += "\\r"
    case "\t": out += "\\t"
    default:
      if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
    }
  }
  return out + "\""
}

extension [UInt8] {
  fileprivate mutating func append<T: FixedWidthInteger>(littleEndian value: T) {
    Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
  }
}
