/// A PNG writer for heatmaps: 8-bit indexed colour (a palette of at most 256 colours), the image
/// data in stored (uncompressed) deflate blocks. No compression library is needed, and for
/// spectrograms the file stays small because each pixel is one byte.
public enum PNG {
  /// `indices` row-major (`width × height`, top row first), each an index into `palette`.
  public static func indexed(width: Int, height: Int, indices: [UInt8], palette: [Colour]) -> [UInt8] {
    precondition(width > 0 && height > 0 && indices.count == width * height && (1...256).contains(palette.count))
    var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    // IHDR: size, bit depth 8, colour type 3 (indexed), deflate, filter method 0, no interlace.
    chunk("IHDR", bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [8, 3, 0, 0, 0], into: &png)
    chunk("PLTE", palette.flatMap { [$0.red, $0.green, $0.blue] }, into: &png)
    var raw: [UInt8] = []
    raw.reserveCapacity((width + 1) * height)
    for row in 0..<height {
      raw.append(0)  // filter type None
      raw += indices[(row * width)..<((row + 1) * width)]
    }
    chunk("IDAT", zlibStored(raw), into: &png)
    chunk("IEND", [], into: &png)
    return png
  }

  static func chunk(_ type: String, _ data: [UInt8], into png: inout [UInt8]) {
    let typed = Array(type.utf8) + data
    png += bigEndian(UInt32(data.count)) + typed + bigEndian(crc32(typed))
  }

  /// A zlib stream of stored deflate blocks (at most 65,535 bytes each) and its Adler-32.
  static func zlibStored(_ data: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0x78, 0x01]
    var offset = 0
    repeat {
      let length = min(65_535, data.count - offset)
      let final: UInt8 = offset + length == data.count ? 1 : 0
      out += [final, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
      out += data[offset..<(offset + length)]
      offset += length
    } while offset < data.count
    return out + bigEndian(adler32(data))
  }

  static func bigEndian(_ value: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8((value >> $0) & 0xFF) } }

  static let crcTable: [UInt32] = (0..<256).map { n in
    var c = UInt32(n)
    for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    return c
  }

  static func crc32(_ data: [UInt8]) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for byte in data { c = crcTable[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
    return c ^ 0xFFFF_FFFF
  }

  static func adler32(_ data: [UInt8]) -> UInt32 {
    var (a, b): (UInt32, UInt32) = (1, 0)
    for byte in data {
      a = (a + UInt32(byte)) % 65_521
      b = (b + a) % 65_521
    }
    return b << 16 | a
  }
}
