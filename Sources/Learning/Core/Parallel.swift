import Foundation

/// `body(0) … body(count − 1)` on up to `threads` threads, results in index order. Each call
/// must depend only on its index, so the results never depend on `threads`.
func parallelMap<T: Sendable>(count: Int, threads: Int, _ body: @Sendable (Int) -> T) -> [T] {
  let slots = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
  slots.initialize(repeating: nil)
  defer {
    _ = slots.deinitialize()
    slots.deallocate()
  }
  // Each index is written by exactly one worker.
  nonisolated(unsafe) let shared = slots
  let workers = max(1, min(threads, count))
  DispatchQueue.concurrentPerform(iterations: workers) { worker in
    for index in stride(from: worker, to: count, by: workers) { shared[index] = body(index) }
  }
  return slots.map { $0! }
}

/// A count shared by threads.
final class Counter: @unchecked Sendable {
  private let lock = NSLock()
  private var value = 0

  /// The count after adding one.
  func increment() -> Int {
    lock.lock()
    defer { lock.unlock() }
    value += 1
    return value
  }
}

/// Runs `body` on consecutive blocks of rows on up to `threads` threads; each block writes only
/// its own rows of the result (rows × columns), so the result does not depend on `threads`.
/// There are several blocks per thread, taken in turn, as rows can differ in cost (a k-d tree's
/// queries in a dense region measure more points).
func parallelRows(
  _ rows: Int, columns: Int, threads: Int, _ body: @Sendable (Range<Int>, UnsafeMutablePointer<Double>) -> Void
) -> Matrix {
  /// The blocks write disjoint rows of one buffer.
  struct SharedOutput: @unchecked Sendable { let base: UnsafeMutablePointer<Double> }
  var out = [Double](repeating: 0, count: rows * columns)
  let blocks = max(1, min(threads * 8, rows / 64))
  let taken = Counter()
  out.withUnsafeMutableBufferPointer { out in
    guard let base = out.baseAddress else { return }
    let shared = SharedOutput(base: base)
    DispatchQueue.concurrentPerform(iterations: min(threads, blocks)) { _ in
      while case let b = taken.increment() - 1, b < blocks {
        body((b * rows / blocks)..<((b + 1) * rows / blocks), shared.base)
      }
    }
  }
  return Matrix(rows: rows, columns: columns, values: out)
}
