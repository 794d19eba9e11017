import ArgumentParser
import Foundation

#if canImport(Glibc)
  import CMalloc
#endif

/// A failure the user must fix (bad arguments, no input): message on stderr, exit status 2.
enum CLIFailure: Error, CustomStringConvertible {
  case usage(String)

  var description: String {
    switch self {
    case .usage(let message): return message
    }
  }
}

func log(_ message: String) {
  FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Files done / total, rate and time left, redrawn on one terminal line.
final class Progress {
  private let total: Int
  private let enabled: Bool
  private var done = 0
  private let start = Date()

  init(total: Int, enabled: Bool) {
    self.total = total
    self.enabled = enabled
  }

  func advance() {
    done += 1
    guard enabled else { return }
    let elapsed = Date().timeIntervalSince(start)
    let rate = Double(done) / max(elapsed, 1e-9)
    let left = Double(total - done) / max(rate, 1e-9)
    let line = String(format: "\r%d/%d files  %.1f files/s  %.0f s left ", done, total, rate, left)
    FileHandle.standardError.write(Data(line.utf8))
  }

  /// Ends the progress line so that a message can be printed on its own line.
  func interrupt() {
    if enabled && done > 0 { FileHandle.standardError.write(Data("\n".utf8)) }
  }

  func finish() { interrupt() }
}

/// Extraction allocates and frees several 5-MB arrays per clip. By default glibc maps each one
/// afresh and the kernel zero-fills its pages (a third of the run time on short clips); raising
/// the thresholds keeps them in the heap for reuse.
func keepLargeAllocationsInTheHeap() {
  #if canImport(Glibc)
    mallopt(M_MMAP_THRESHOLD, 256 << 20)
    mallopt(M_TRIM_THRESHOLD, 512 << 20)
  #endif
}

/// Indented JSON with sorted keys, for `--format json`.
func prettyJSON<T: Encodable>(_ value: T) throws -> String {
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
  return String(decoding: try encoder.encode(value), as: UTF8.self)
}
