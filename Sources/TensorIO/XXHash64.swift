/// XXH64 (seed 0) of bytes, the xxHash algorithm of Yann Collet: ties a model file to its tensor
/// file at memory speed (not a security measure: every value is validated anyway).
public func xxHash64(_ bytes: [UInt8]) -> UInt64 {
  let p1: UInt64 = 0x9E37_79B1_85EB_CA87
  let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
  let p3: UInt64 = 0x1656_67B1_9E37_79F9
  let p4: UInt64 = 0x85EB_CA77_C2B2_AE63
  let p5: UInt64 = 0x27D4_EB2F_1656_67C5
  func rotate(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }
  func round(_ accumulator: UInt64, _ input: UInt64) -> UInt64 { rotate(accumulator &+ input &* p2, 31) &* p1 }
  func merge(_ hash: UInt64, _ accumulator: UInt64) -> UInt64 { (hash ^ round(0, accumulator)) &* p1 &+ p4 }
  return bytes.withUnsafeBytes { raw in
    func word(_ offset: Int) -> UInt64 { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
    let count = raw.count
    var offset = 0
    var hash: UInt64
    if count >= 32 {
      var v1 = p1 &+ p2
      var v2 = p2
      var v3: UInt64 = 0
      var v4 = 0 &- p1
      while offset + 32 <= count {
        v1 = round(v1, word(offset))
        v2 = round(v2, word(offset + 8))
        v3 = round(v3, word(offset + 16))
        v4 = round(v4, word(offset + 24))
        offset += 32
      }
      hash = rotate(v1, 1) &+ rotate(v2, 7) &+ rotate(v3, 12) &+ rotate(v4, 18)
      hash = merge(merge(merge(merge(hash, v1), v2), v3), v4)
    } else {
      hash = p5
    }
    hash &+= UInt64(count)
    while offset + 8 <= count {
      hash = rotate(hash ^ round(0, word(offset)), 27) &* p1 &+ p4
      offset += 8
    }
    if offset + 4 <= count {
      let half = UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
      hash = rotate(hash ^ (half &* p1), 23) &* p2 &+ p3
      offset += 4
    }
    while offset < count {
      hash = rotate(hash ^ (UInt64(raw[offset]) &* p5), 11) &* p1
      offset += 1
    }
    hash ^= hash >> 33
    hash &*= p2
    hash ^= hash >> 29
    hash &*= p3
    return hash ^ (hash >> 32)
  }
}
