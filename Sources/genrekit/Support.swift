import ArgumentParser
import AudioFeatures
import Foundation
import Learning
import Synchronization

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

/// Steps done / total, rate and time left, redrawn on one terminal line (at most ten times a
/// second); silent unless stderr is a terminal. Safe to call from any thread.
final class Progress: @unchecked Sendable {
  private let unit: String
  private let enabled: Bool
  private let lock = NSLock()
  private let start = Date()
  private var lastDrawn = Date.distantPast
  private var drawn = false

  init(unit: String, quiet: Bool = false) {
    self.unit = unit
    enabled = !quiet && isatty(STDERR_FILENO) != 0
  }

  func update(done: Int, total: Int, note: String = "") {
    guard enabled else { return }
    lock.lock()
    defer { lock.unlock() }
    let now = Date()
    guard done == total || now.timeIntervalSince(lastDrawn) >= 0.1 else { return }
    lastDrawn = now
    drawn = true
    let elapsed = now.timeIntervalSince(start)
    let rate = Double(done) / max(elapsed, 1e-9)
    let left = Double(total - done) / max(rate, 1e-9)
    let line = String(format: "\r%d/%d %@  %.1f/s  %.0f s left  %@\u{1B}[K", done, total, unit, rate, left, note)
    FileHandle.standardError.write(Data(line.utf8))
  }

  /// Ends the progress line so that a message can be printed on its own line.
  func interrupt() {
    lock.lock()
    defer { lock.unlock() }
    if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    drawn = false
  }
}

/// Progress over audio files, each file's problems said on stderr (on their own lines) as they
/// are met: what extract, dataset and the audio inputs of model commands show.
final class FileProgress {
  private let progress: Progress
  private var done = 0

  init(quiet: Bool) { progress = Progress(unit: "files", quiet: quiet) }

  /// One more file finished, of `total`, with its diagnostics.
  func finished(total: Int, _ diagnostics: [InputDiagnostic]) {
    for diagnostic in diagnostics {
      progress.interrupt()
      log("genrekit: \(diagnostic.level == .warning ? "warning: " : "")\(diagnostic.path): \(diagnostic.message)")
    }
    done += 1
    progress.update(done: done, total: total)
  }

  func end() { progress.interrupt() }
}

/// Extraction allocates and frees arrays of several MB per clip (a 30-s clip touches ~30 MB), and
/// a network's training step arrays of tens of MB per layer (a batch of the default CNN's first
/// convolution: 34 MB). By default glibc maps each one afresh and the kernel zero-fills it 4 KB at
/// a time: on one-clip runs that is a quarter of the time, and as much of a training step. So
/// large blocks stay in the heap for reuse, and the main heap is grown up front (`reserve` bytes)
/// over a range marked for transparent huge pages, which the kernel then fills 2 MB at a time
/// (where THP is enabled, in `madvise` or `always` mode; elsewhere the advice is ignored).
///
/// `arenas` caps glibc's heaps. Training allocates from one thread at a time: one heap, the main
/// one, with the reserve. Extraction gives each file in flight its own heap (`jobs + 1`, with
/// the main thread's): two threads' files interleaved in one heap fragmented it, small blocks
/// held between freed large ones, and it grew with the number of files (10,000 short files with
/// `--jobs 2`: 43 → 79–85 MB), where each thread's own heap repeats one pattern file after file.
func prepareHeap(reserve size: Int, arenas: Int = 1) {
  #if canImport(Glibc)
    mallopt(M_MMAP_THRESHOLD, 256 << 20)
    // Above the reserve, so that freeing it (or a training step's arrays) returns nothing.
    mallopt(M_TRIM_THRESHOLD, Int32(max(512 << 20, 2 * size)))
    mallopt(M_ARENA_MAX, Int32(arenas))
  #endif
  reserveHugePages(size)
}

/// Grows the calling thread's heap by a block of `size` bytes over a range marked for transparent
/// huge pages, and frees it: it stays in the heap (below the trim threshold `prepareHeap` sets)
/// for the arrays to reuse. The block's head, up to its first 2-MB boundary, cannot become a huge
/// page (the heap's first page is in use already): a block that is never touched, and so takes no
/// memory, holds it for good, and the arrays start in huge pages. Without it the decoded signal
/// went there and a one-clip run took 510 more page faults (2026-12-07).
private func reserveHugePages(_ size: Int) {
  #if canImport(Glibc)
    let hugePage = 2 << 20
    guard let block = malloc(size) else { return }
    let start = (Int(bitPattern: block) + hugePage - 1) & ~(hugePage - 1)
    let end = (Int(bitPattern: block) + size) & ~(hugePage - 1)
    guard end > start else {
      free(block)
      return
    }
    _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_HUGEPAGE)
    free(block)
    // Taken from the top of the heap where the block was (or else not kept); its end leaves room
    // for malloc's header.
    let head = start - Int(bitPattern: block) - 64
    guard head > 4096, let holder = malloc(head) else { return }
    if holder == block { heapHeadHolders.withLock { $0.append(Int(bitPattern: holder)) } } else { free(holder) }
  #endif
}

/// The addresses of the blocks `reserveHugePages` holds for the process's life (kept, as the
/// compiler removes an allocation that nothing refers to).
private let heapHeadHolders = Mutex<[Int]>([])

/// OpenBLAS starts a pool of threads, one per core, as it loads (sized by `OPENBLAS_NUM_THREADS`),
/// and an idle one spins on `sched_yield` for about 0.1 s of a core before it sleeps: CPU taken
/// from the command's own threads (a kNN `compare` of the Spotify table: 0.28 → 0.19 CPU seconds
/// without the pool, 2026-12-07). GenreKit runs BLAS on one thread (CBLASLAPACK), so it asks for
/// no pool. Set before any other thread starts (`setenv` is not safe beside another thread's
/// `getenv`); the commands `report` runs (this executable) inherit it.
func startBLASWithoutThreadPool() {
  setenv("OPENBLAS_NUM_THREADS", "1", 1)
}

/// Starts this process again with `OPENBLAS_CORETYPE` set when OpenBLAS chose kernels far below
/// what the CPU runs (`LinearAlgebra.betterKernels`): OpenBLAS reads the variable only as it
/// loads. For the commands whose time is mostly BLAS (training); a value the user set is kept,
/// and the commands they start inherit it. If the new start fails, this one goes on as it is.
func useTheCPUsBLASKernels() {
  #if os(Linux)
    guard getenv("OPENBLAS_CORETYPE") == nil,
      let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
      let flagLine = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
      let kernels = LinearAlgebra.betterKernels(than: LinearAlgebra.kernels, cpuFlags: Set(flagLine.split(separator: " ").map(String.init)))
    else { return }
    setenv("OPENBLAS_CORETYPE", kernels, 1)
    execv("/proc/self/exe", CommandLine.unsafeArgv)
    unsetenv("OPENBLAS_CORETYPE")
  #endif
}

/// The heap reserve for extracting with `jobs` files at once. The files are analysed on worker
/// threads, each with its own heap: each of those gets a reserve of its own as it starts (48 MB,
/// what a 30-s clip touches and less than glibc's 64 MB for one thread heap), without which a
/// one-clip run took 4,150 page faults instead of 1,630 (2026-12-03; 980 since 2026-12-07).
func prepareHeapForExtraction(jobs: Int) {
  prepareHeap(reserve: min(jobs, 8) * (64 << 20), arenas: jobs + 1)
  workerThreadStart = { reserveHugePages(48 << 20) }
}

/// How many threads, or files or songs at once (`--jobs`, `--workers`): at least 1, by default
/// the machine's cores. `--help` shows that default as "all cores", the same text on every
/// machine, where an `Int` option would print this machine's count.
struct Parallelism: ExpressibleByArgument, Sendable {
  let count: Int

  static var allCores: Parallelism { Parallelism(count: ProcessInfo.processInfo.activeProcessorCount) }

  private init(count: Int) { self.count = count }

  init?(argument: String) {
    guard let count = Int(argument), count >= 1 else { return nil }
    self.count = count
  }

  var defaultValueDescription: String { "all cores" }
}

/// Indented JSON with sorted keys, for `--format json`.
func prettyJSON<T: Encodable>(_ value: T) throws -> String {
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
  return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// Text columns aligned for a terminal: left-aligned text, right-aligned numbers.
struct TextTable {
  var header: [String]
  var rows: [[String]]

  var lines: [String] {
    let widths = header.indices.map { c in ([header] + rows).map { $0.indices.contains(c) ? $0[c].count : 0 }.max() ?? 0 }
    func line(_ fields: [String]) -> String {
      fields.enumerated().map { c, field in
        let padding = String(repeating: " ", count: max(0, widths[c] - field.count))
        return Double(field) != nil ? padding + field : field + padding
      }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
    }
    return [line(header)] + rows.map(line)
  }
}

extension Duration {
  /// Seconds to the millisecond, for messages.
  var seconds: String { String(format: "%.3f", Double(components.seconds) + Double(components.attoseconds) * 1e-18) }
}
