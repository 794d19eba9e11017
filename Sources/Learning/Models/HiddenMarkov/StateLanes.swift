/// The states of an HMM in blocks of four SIMD lanes, so that the per-frame work of the lattice
/// and the emissions runs on four states at once. Lanes past the last state stand for absent
/// states: probability 0, and values that keep them so.
struct StateLanes: Sendable {
  typealias Block = SIMD4<Double>

  let states: Int
  var blockCount: Int { (states + Block.scalarCount - 1) / Block.scalarCount }

  /// `count` items of one value per state (`value(state, item)`), item-major: item i's blocks
  /// are `i * blockCount ..< (i + 1) * blockCount`; an absent state's lane holds `absent(item)`.
  func blocks(_ count: Int, absent: (Int) -> Double = { _ in 0 }, _ value: (Int, Int) -> Double) -> [Block] {
    var out = [Block](repeating: .zero, count: count * blockCount)
    for i in 0..<count {
      for lane in 0..<(blockCount * Block.scalarCount) {
        out[i * blockCount + lane / Block.scalarCount][lane % Block.scalarCount] = lane < states ? value(lane, i) : absent(i)
      }
    }
    return out
  }

  /// One value per state.
  func blocks(_ values: [Double], absent: Double) -> [Block] { blocks(1, absent: { _ in absent }) { state, _ in values[state] } }

  /// State `state`'s value of item `item`.
  @inline(__always)
  func value(_ blocks: UnsafeBufferPointer<Block>, item: Int, state: Int) -> Double {
    blocks[item * blockCount + state / Block.scalarCount][state % Block.scalarCount]
  }

  /// Items × states, row-major, without the absent states.
  func flattened(_ blocks: [Block]) -> [Double] {
    let count = blocks.count / blockCount
    return blocks.withUnsafeBufferPointer { blocks in
      (0..<(count * states)).map { value(blocks, item: $0 / states, state: $0 % states) }
    }
  }
}
