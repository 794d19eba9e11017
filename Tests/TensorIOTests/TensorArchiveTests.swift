import Foundation
import Testing
import TensorIO

@Suite struct TensorArchiveTests {
  func sample() -> TensorArchive {
    var archive = TensorArchive()
    archive.metadata = ["format": "test"]
    archive.add("w", [1.5, -2, 3, 4, 5, 6], shape: [2, 3])
    archive.add("labels", [Int32(0), 2, 1], shape: [3])
    archive.add("offsets", [Int64(0), 7], shape: [2])
    archive.add("half", [Float(0.25)], shape: [1])
    return archive
  }

  @Test func roundTripKeepsNamesShapesAndValues() throws {
    let bytes = sample().serialized()
    let read = try TensorArchive(serialized: bytes)
    #expect(read == sample())
    #expect(try read.doubles("w", shape: [2, 3]) == [1.5, -2, 3, 4, 5, 6])
    #expect(try read.int32s("labels", shape: [3], in: 0...2) == [0, 2, 1])
    #expect(read.serialized() == bytes)
  }

  /// The layout of the safetensors format, byte for byte: the length, a JSON header padded to 8
  /// bytes, 8-byte types first, then little-endian data.
  @Test func bytesFollowTheSafetensorsLayout() throws {
    var archive = TensorArchive()
    archive.add("b", [Int32(1)], shape: [1])
    archive.add("a", [2.0], shape: [1])
    let bytes = archive.serialized()
    let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8
    #expect(bytes[2..<8].allSatisfy { $0 == 0 })
    #expect(headerLength % 8 == 0)
    let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self).trimmingCharacters(in: .whitespaces)
    #expect(header == #"{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"b":{"dtype":"I32","shape":[1],"data_offsets":[8,12]}}"#)
    #expect(Array(bytes[(8 + headerLength)...]) == [0, 0, 0, 0, 0, 0, 0, 0x40, 1, 0, 0, 0])
  }

  @Test func readersCheckTypeShapeRangeAndFiniteness() throws {
    var archive = sample()
    archive.add("bad", [1, Double.nan], shape: [2])
    let read = try TensorArchive(serialized: archive.serialized())
    #expect(throws: TensorArchiveError.invalid("tensor w has shape [2, 3], expected [3, 2]")) { try read.doubles("w", shape: [3, 2]) }
    #expect(throws: TensorArchiveError.invalid("tensor w is F64, expected I32")) { try read.int32s("w", shape: [2, 3]) }
    #expect(throws: TensorArchiveError.invalid("tensor nope is missing")) { try read.doubles("nope", shape: [1]) }
    #expect(throws: TensorArchiveError.invalid("tensor labels: element 1 is 2, outside 0...1")) { try read.int32s("labels", shape: [3], in: 0...1) }
    #expect(throws: TensorArchiveError.invalid("tensor bad: element 1 is nan, not a finite number")) { try read.doubles("bad", shape: [2]) }
    #expect(try read.doubles("bad", shape: [2], finite: false)[1].isNaN)
  }

  /// A header written by hand, with the data bytes that follow it.
  func file(_ header: String, data: Int) -> [UInt8] {
    let json = Array(header.utf8)
    return withUnsafeBytes(of: UInt64(json.count).littleEndian, Array.init) + json + [UInt8](repeating: 0, count: data)
  }

  @Test(arguments: [
    (#"{"a":{"dtype":"F64","shape":[2],"data_offsets":[0,8]}}"#, 8, "needs 16 bytes"),
    (#"{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,16]}}"#, 8, "do not lie within"),
    (#"{"a":{"dtype":"F64","shape":[1],"data_offsets":[-8,0]}}"#, 8, "do not lie within"),
    (#"{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"b":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}"#, 16, "overlap or leave a gap"),
    (#"{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}"#, 16, "8 data bytes belong to no tensor"),
    (#"{"a":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]}}"#, 2, "dtype BF16"),
    (#"{"a":{"dtype":"F64","shape":[-1],"data_offsets":[0,8]}}"#, 8, "negative"),
    (#"{"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#, 8, "larger than the file"),
    (#"{"a":{"dtype":"F64","shape":[1.5],"data_offsets":[0,8]}}"#, 8, "not a safetensors JSON object"),
    (#"{"a":{"dtype":"F64","data_offsets":[0,8]}}"#, 8, "not a safetensors JSON object"),
    (#"[1,2]"#, 0, "not a safetensors JSON object"),
    (#"{"__metadata__":{"a":1}}"#, 0, "__metadata__"),
  ])
  func damagedHeadersAreRefused(header: String, data: Int, fragment: String) throws {
    let error = try #require(throws: TensorArchiveError.self) { try TensorArchive(serialized: file(header, data: data)) }
    #expect(error.description.contains(fragment), "\(error)")
  }

  @Test func truncatedBytesAreRefused() throws {
    let bytes = sample().serialized()
    for length in [0, 7, 8, 20, bytes.count - 1] {
      #expect(throws: TensorArchiveError.self) { try TensorArchive(serialized: Array(bytes.prefix(length))) }
    }
    var huge = bytes
    huge.replaceSubrange(0..<8, with: withUnsafeBytes(of: UInt64.max.littleEndian, Array.init))
    #expect(throws: TensorArchiveError.self) { try TensorArchive(serialized: huge) }
  }
}

@Suite struct ChecksumTests {
  /// Reference values of XXH64 (seed 0) from the `xxhash` package of PyPI.
  @Test func xxHash64MatchesTheReference() {
    #expect(xxHash64([]) == 0xEF46_DB37_51D8_E999)
    #expect(xxHash64(Array("abc".utf8)) == 0x44BC_2CF5_AD77_0999)
    #expect(xxHash64(Array("Nobody inspects the spammish repetition".utf8)) == 0xFBCE_A83C_8A37_8BF1)
    #expect(xxHash64((0..<768).map { UInt8($0 % 256) }) == 0x8E03_C838_C596_036F)
  }
}

@Suite struct NumpyArrayTests {
  @Test func roundTripAndNumpysHeader() throws {
    let array = NumpyArray(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
    let bytes = array.serialized()
    #expect(Array(bytes.prefix(10)) == [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, 118, 0])
    #expect(String(decoding: bytes[10..<128], as: UTF8.self).hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"))
    #expect(try NumpyArray(serialized: bytes) == array)
    // One dimension: numpy's "(n,)".
    #expect(String(decoding: NumpyArray.float32Header(shape: [5]), as: UTF8.self).contains("'shape': (5,)"))
  }

  /// As numpy.save writes float64 in Fortran order: np.asfortranarray([[1, 2, 3], [4, 5, 6]]).
  @Test func fortranOrderFloat64() throws {
    let header = Array("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }".utf8)
    var padded = header
    while (10 + padded.count + 1) % 64 != 0 { padded.append(0x20) }
    padded.append(0x0A)
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(padded.count), 0] + padded
    for value in [1.0, 4, 2, 5, 3, 6] { bytes += withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init) }
    let array = try NumpyArray(serialized: bytes)
    #expect(array.shape == [2, 3] && array.float64Values == [1, 2, 3, 4, 5, 6] && array.values == [1, 2, 3, 4, 5, 6])
  }

  @Test func damagedFilesAreRefused() {
    let good = NumpyArray(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]).serialized()
    func refused(_ bytes: [UInt8], _ fragment: String) {
      let error = #expect(throws: TensorArchiveError.self) { try NumpyArray(serialized: bytes) }
      #expect(error?.description.contains(fragment) == true, "\(String(describing: error))")
    }
    refused(Array(good.prefix(5)), "not a .npy file")
    refused(Array(good.dropLast(4)), "needs 24 data bytes")
    /// The file with one header text replaced (the header keeps its length).
    func replacing(_ old: String, _ new: String) -> [UInt8] {
      let (old, new) = (Array(old.utf8), Array(new.utf8))
      let at = (0...(good.count - old.count)).first { Array(good[$0..<($0 + old.count)]) == old }!
      var header = Array(good[..<at]) + new + Array(good[(at + old.count)..<128])
      header.removeLast(header.count - 127)
      return header + [0x0A] + good.dropFirst(128)
    }
    refused(replacing("<f4", "<i8"), "dtype <i8")
    refused(replacing("(2, 3)", "(99999999999, 99999999999)"), "larger than the file")
    var hugeHeader = good
    hugeHeader[8] = 0xFF
    hugeHeader[9] = 0xFF
    refused(hugeHeader, "claims")
  }
}
