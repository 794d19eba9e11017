import Foundation

/// Runs first on every thread `orderedParallelMap` starts, before its first item; nil (the
/// default) runs nothing. The command-line tool sets it once, before any work, so that each
/// worker's own glibc heap starts with a block marked for transparent huge pages
/// (`prepareHeapForExtraction`).
public nonisolated(unsafe) var workerThreadStart: (@Sendable () -> Void)?

/// Runs `work(0) … work(count − 1)` on `jobs` threads and hands each result to `deliver` on the
/// calling thread, in index order, as soon as it and all earlier ones are done. Results are
/// streamed, so memory holds only the items in flight and finished results waiting for an earlier
/// slow one.
public func orderedParallelMap<T: Sendable>(
  count: Int, jobs: Int, work: @escaping @Sendable (Int) -> T, deliver: (Int, T) -> Void
) {
  let slots = ResultSlots<T>(count: count)
  let workers = max(1, min(jobs, count))
  for _ in 0..<workers {
    let thread = Thread {
      workerThreadStart?()
      while let index = slots.claim() { slots.store(work(index), at: index) }
    }
    thread.stackSize = 8 << 20
    thread.start()
  }
  for index in 0..<count { deliver(index, slots.take(index)) }
}

private final class ResultSlots<T: Sendable>: @unchecked Sendable {
  private let condition = NSCondition()
  private var results: [Int: T] = [:]
  private var nextUnclaimed = 0
  private let count: Int

  init(count: Int) { self.count = count }

  func claim() -> Int? {
    condition.lock()
    defer { condition.unlock() }
    guard nextUnclaimed < count else { return nil }
    nextUnclaimed += 1
    return nextUnclaimed - 1
  }

  func store(_ result: T, at index: Int) {
    condition.lock()
    results[index] = result
    condition.broadcast()
    condition.unlock()
  }

  func take(_ index: Int) -> T {
    condition.lock()
    defer { condition.unlock() }
    while results[index] == nil { condition.wait() }
    return results.removeValue(forKey: index)!
  }
}
