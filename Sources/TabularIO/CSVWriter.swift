import Foundation

/// RFC 4180 output: fields holding the delimiter, a quote or a line break are quoted (quotes
/// doubled); records end with LF.
public enum CSVFormat {
  public static func line(_ fields: [String]) -> String {
    fields.map(quoted).joined(separator: ",") + "\n"
  }

  static func quoted(_ field: String) -> String {
    guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
      return field
    }
    return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }
}

/// Writes a file so that readers only ever see the old version or the complete new one: data goes
/// to a temporary file beside the destination, which `commit()` renames over it. Without `commit()`
/// (an error, a run that produced nothing, an interrupt) the destination is left as it was.
public final class AtomicFileWriter {
  public let destination: String
  private let temporaryPath: String
  private var handle: UnsafeMutablePointer<FILE>?

  public init(destination: String) throws(CSVError) {
    self.destination = destination
    let directory = (destination as NSString).deletingLastPathComponent
    let name = (destination as NSString).lastPathComponent
    var template = Array(
      ((directory.isEmpty ? "." : directory) + "/.\(name).XXXXXX.tmp").utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, 4) }
    guard fd >= 0 else {
      throw CSVError(path: destination, reason: "cannot create a temporary file: \(String(cString: strerror(errno)))")
    }
    temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    handle = fdopen(fd, "w")
    InterruptCleanup.register(temporaryPath)
  }

  public func write(_ text: String) {
    fputs(text, handle)
  }

  /// Flushes, syncs and renames the temporary file over the destination.
  public func commit() throws(CSVError) {
    guard let file = handle else { return }
    handle = nil
    let flushed = fflush(file) == 0 && fsync(fileno(file)) == 0
    fclose(file)
    // mkstemp creates the file 0600; give it the permissions an ordinary new file would get.
    let mask = umask(0)
    umask(mask)
    chmod(temporaryPath, 0o666 & ~mask)
    guard flushed, rename(temporaryPath, destination) == 0 else {
      let reason = String(cString: strerror(errno))
      discard()
      throw CSVError(path: destination, reason: "cannot write: \(reason)")
    }
    InterruptCleanup.unregister(temporaryPath)
  }

  /// Drops the temporary file; the destination is untouched.
  public func discard() {
    if let file = handle {
      fclose(file)
      handle = nil
    }
    unlink(temporaryPath)
    InterruptCleanup.unregister(temporaryPath)
  }

  deinit { discard() }
}

/// Removes unfinished temporary files when the process is interrupted (SIGINT, SIGTERM), so an
/// interrupted run leaves every destination as it was.
public enum InterruptCleanup {
  private static let lock = NSLock()
  nonisolated(unsafe) private static var paths: [UnsafeMutablePointer<CChar>] = []

  static func register(_ path: String) {
    lock.lock()
    defer { lock.unlock() }
    paths.append(strdup(path))
    installHandlers()
  }

  static func unregister(_ path: String) {
    lock.lock()
    defer { lock.unlock() }
    if let index = paths.firstIndex(where: { String(cString: $0) == path }) {
      free(paths.remove(at: index))
    }
  }

  nonisolated(unsafe) private static var installed = false

  private static func installHandlers() {
    guard !installed else { return }
    installed = true
    // A parent may have left these signals blocked (the mask is inherited): unblock them so that
    // an interrupt really ends the run.
    var unblocked = sigset_t()
    sigemptyset(&unblocked)
    sigaddset(&unblocked, SIGINT)
    sigaddset(&unblocked, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &unblocked, nil)
    for signalNumber in [SIGINT, SIGTERM] {
      signal(signalNumber) { received in
        for path in InterruptCleanup.paths { unlink(path) }
        _exit(128 + received)
      }
    }
  }
}
