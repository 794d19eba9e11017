import Foundation

/// A file that could not be read or written; the description names it and says why.
public struct FileError: Error, Equatable, CustomStringConvertible {
  public var path: String
  public var reason: String

  public init(path: String, reason: String) {
    self.path = path
    self.reason = reason
  }

  public var description: String { "\(InputFile.displayName(path)): \(reason)" }
}

/// Reading whole input files, with `-` for standard input, as Unix tools do.
public enum InputFile {
  /// How messages name a path: `-` is "standard input".
  public static func displayName(_ path: String) -> String { path == "-" ? "standard input" : path }

  /// The bytes of a file (`-`: standard input). A directory or a path that cannot be opened is
  /// an error saying why.
  public static func bytes(of path: String) throws(FileError) -> [UInt8] {
    let descriptor = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw FileError(path: path, reason: "cannot read: \(String(cString: strerror(errno)))") }
    defer { if descriptor != STDIN_FILENO { close(descriptor) } }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { throw FileError(path: path, reason: "cannot read: \(String(cString: strerror(errno)))") }
    guard (status.st_mode & S_IFMT) != S_IFDIR else { throw FileError(path: path, reason: "is a directory, not a file") }
    // One byte beyond the size seen, so that a regular file is read in one call and its end seen
    // in the next; pipes and growing files extend the buffer.
    var bytes = [UInt8](repeating: 0, count: max(Int(status.st_size), 0) + 1)
    var filled = 0
    while true {
      if filled == bytes.count { bytes += repeatElement(0, count: max(bytes.count, 1 << 16)) }
      let read = bytes.withUnsafeMutableBufferPointer { Foundation.read(descriptor, $0.baseAddress! + filled, $0.count - filled) }
      if read < 0 {
        if errno == EINTR { continue }
        throw FileError(path: path, reason: "cannot read: \(String(cString: strerror(errno)))")
      }
      if read == 0 { break }
      filled += read
    }
    bytes.removeLast(bytes.count - filled)
    return bytes
  }

  public static func contents(of path: String) throws(FileError) -> Data { Data(try bytes(of: path)) }
}

/// Checks made before any work, so that a command never writes over the data it reads.
public enum OutputSafety {
  /// Refuses when an output is one of the inputs (the same file, through any path or link) or two
  /// outputs are the same file. `outputs` pairs each path with the option that named it.
  public static func check(outputs: [(option: String, path: String)], inputs: [String]) throws(FileError) {
    let inputIdentities = Dictionary(inputs.compactMap { path in identity(of: path).map { ($0, path) } }, uniquingKeysWith: { a, _ in a })
    var seen: [String: String] = [:]
    for (option, path) in outputs {
      if let identity = identity(of: path), let input = inputIdentities[identity] {
        throw FileError(
          path: path,
          reason: "\(option) names the input \(InputFile.displayName(input)); GenreKit never writes over its inputs (choose another output)")
      }
      let key = path == "-" ? "-" : (identity(of: path).map { "\($0.device):\($0.inode)" } ?? URL(fileURLWithPath: path).standardizedFileURL.path)
      if let other = seen[key] {
        throw FileError(path: path, reason: "\(option) and \(other) name the same output")
      }
      seen[key] = option
    }
  }

  struct Identity: Hashable {
    var device: UInt64
    var inode: UInt64
  }

  /// The file a path leads to (links followed), if it exists. Standard input and output have none.
  static func identity(of path: String) -> Identity? {
    var status = stat()
    guard path != "-", stat(path, &status) == 0 else { return nil }
    return Identity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
  }
}

/// Writes a file so that readers only ever see the old version or the complete new one: data goes
/// to a temporary file beside the destination, which `commit()` renames over it. Without `commit()`
/// (an error, a run that produced nothing, an interrupt) the destination is left as it was.
///
/// On Linux the temporary file is an unnamed one (`O_TMPFILE`), given a name only at commit, just
/// before the rename: a process killed with SIGKILL leaves nothing behind. Where the file system
/// cannot make unnamed files, a hidden named one (`.name.XXXXXX.tmp`) is used and removed on
/// SIGINT and SIGTERM.
///
/// - `-` writes to standard output.
/// - A symbolic link is written through: its final target is replaced, never the link itself.
/// - A destination that exists and is not a regular file (a FIFO, `/dev/null`) is written to
///   directly, as a stream; a directory is refused.
/// - A replaced file keeps its permissions; a new one gets those of an ordinary new file.
public final class AtomicFileWriter {
  public let destination: String
  private enum Mode {
    case standardOutput
    case stream
    case replace(temporary: String, target: String, permissions: mode_t?)
    /// An unnamed file in the target's folder, open as `descriptor`.
    case replaceUnnamed(descriptor: Int32, target: String, permissions: mode_t?)
  }
  private let mode: Mode
  private var handle: UnsafeMutablePointer<FILE>?

  public init(destination: String) throws(FileError) {
    self.destination = destination
    if destination == "-" {
      // A stream of its own on a duplicate of descriptor 1, flushed at commit.
      mode = .standardOutput
      handle = fdopen(dup(STDOUT_FILENO), "w")
      return
    }
    var status = stat()
    if stat(destination, &status) == 0 {
      switch status.st_mode & S_IFMT {
      case S_IFDIR:
        throw FileError(path: destination, reason: "is a directory; give a file name")
      case S_IFREG:
        break
      default:
        mode = .stream
        guard let file = fopen(destination, "w") else {
          throw FileError(path: destination, reason: "cannot write: \(String(cString: strerror(errno)))")
        }
        handle = file
        return
      }
    }
    let existing = stat(destination, &status) == 0 ? status.st_mode & 0o7777 : nil
    let target = try Self.resolvingLinks(destination)
    let directory = PathName.directory(of: target)
    let name = PathName.lastComponent(of: target)
    if let fd = Self.unnamedFile(in: directory) {
      mode = .replaceUnnamed(descriptor: fd, target: target, permissions: existing)
      handle = fdopen(dup(fd), "w")
      // Nothing to remove on an interrupt, but an interrupt must still end the run.
      InterruptCleanup.makeInterruptible()
      return
    }
    var template = Array(PathName.joining(directory, ".\(name).XXXXXX.tmp").utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, 4) }
    guard fd >= 0 else {
      throw FileError(
        path: destination,
        reason: "cannot create a file in \(directory.isEmpty ? "." : directory): \(String(cString: strerror(errno)))")
    }
    let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    mode = .replace(temporary: temporary, target: target, permissions: existing)
    handle = fdopen(fd, "w")
    InterruptCleanup.register(temporary)
  }

  /// An unnamed regular file in `directory` (Linux's `O_TMPFILE`), or nil where that is not possible.
  private static func unnamedFile(in directory: String) -> Int32? {
    #if os(Linux)
      // O_TMPFILE is (__O_TMPFILE | O_DIRECTORY); the C macro is not imported.
      let temporaryFile: Int32 = 0o20000000 | O_DIRECTORY
      guard access("/proc/self/fd", X_OK) == 0 else { return nil }
      let fd = open(directory.isEmpty ? "." : directory, temporaryFile | O_WRONLY | O_CLOEXEC, 0o600)
      return fd >= 0 ? fd : nil
    #else
      return nil
    #endif
  }

  public func write(_ text: String) {
    fputs(text, handle)
  }

  public func write(_ bytes: [UInt8]) {
    _ = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, handle) }
  }

  public func write(_ bytes: UnsafeRawBufferPointer) {
    _ = fwrite(bytes.baseAddress, 1, bytes.count, handle)
  }

  /// Replaces bytes already written at `offset` (a header whose sizes are known only at the
  /// end); later writes continue at the end. Only for files, not streams.
  public func overwrite(at offset: Int, with bytes: [UInt8]) throws(FileError) {
    guard let file = handle, !isStream else {
      throw FileError(path: destination, reason: "cannot rewrite a stream; give a file")
    }
    guard fseeko(file, off_t(offset), SEEK_SET) == 0 else { throw FileError(path: destination, reason: "cannot seek: \(String(cString: strerror(errno)))") }
    _ = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
    fseeko(file, 0, SEEK_END)
  }

  /// Flushes, syncs and renames the temporary file over the destination.
  public func commit() throws(FileError) {
    guard let file = handle else { return }
    handle = nil
    switch mode {
    case .standardOutput:
      fflush(nil)  // what the process printed before comes first
      let written = ferror(file) == 0 && fflush(file) == 0
      let reason = String(cString: strerror(errno))
      fclose(file)
      guard written else { throw FileError(path: "-", reason: "cannot write to standard output: \(reason)") }
    case .stream:
      let written = ferror(file) == 0 && fflush(file) == 0
      let reason = String(cString: strerror(errno))
      fclose(file)
      guard written else { throw FileError(path: destination, reason: "cannot write: \(reason)") }
    case .replace(let temporary, let target, let permissions):
      let written = ferror(file) == 0 && fflush(file) == 0 && fsync(fileno(file)) == 0
      let reason = String(cString: strerror(errno))
      fclose(file)
      guard written else {
        discard(temporary)
        throw FileError(path: destination, reason: "cannot write: \(reason)")
      }
      // mkstemp creates the file 0600: give it the replaced file's permissions, or those of an
      // ordinary new file.
      let mask = umask(0)
      umask(mask)
      chmod(temporary, permissions ?? (0o666 & ~mask))
      guard rename(temporary, target) == 0 else {
        let reason = String(cString: strerror(errno))
        discard(temporary)
        throw FileError(path: destination, reason: "cannot write: \(reason)")
      }
      InterruptCleanup.unregister(temporary)
    case .replaceUnnamed(let descriptor, let target, let permissions):
      let written = ferror(file) == 0 && fflush(file) == 0 && fsync(descriptor) == 0
      var reason = String(cString: strerror(errno))
      fclose(file)
      defer { close(descriptor) }
      guard written else { throw FileError(path: destination, reason: "cannot write: \(reason)") }
      let mask = umask(0)
      umask(mask)
      fchmod(descriptor, permissions ?? (0o666 & ~mask))
      // Named at last, under a hidden name beside the target, then renamed over it.
      let directory = PathName.directory(of: target)
      for attempt in 0..<100 {
        let temporary = PathName.joining(directory, ".\(PathName.lastComponent(of: target)).\(getpid()).\(attempt).tmp")
        guard linkat(AT_FDCWD, "/proc/self/fd/\(descriptor)", AT_FDCWD, temporary, AT_SYMLINK_FOLLOW) == 0 else {
          if errno == EEXIST { continue }
          reason = String(cString: strerror(errno))
          break
        }
        guard rename(temporary, target) == 0 else {
          reason = String(cString: strerror(errno))
          unlink(temporary)
          break
        }
        return
      }
      throw FileError(path: destination, reason: "cannot write: \(reason)")
    }
  }

  private var isStream: Bool {
    switch mode {
    case .standardOutput, .stream: return true
    case .replace, .replaceUnnamed: return false
    }
  }

  /// Drops what was written; the destination is untouched (a stream or standard output receives
  /// what was already written to it).
  public func discard() {
    guard let file = handle else { return }
    handle = nil
    switch mode {
    case .standardOutput, .stream: fclose(file)
    case .replace(let temporary, _, _):
      fclose(file)
      discard(temporary)
    case .replaceUnnamed(let descriptor, _, _):
      // An unnamed file vanishes with its last descriptor.
      fclose(file)
      close(descriptor)
    }
  }

  private func discard(_ temporary: String) {
    unlink(temporary)
    InterruptCleanup.unregister(temporary)
  }

  deinit { discard() }

  /// The file a chain of symbolic links ends at (which may not exist yet).
  static func resolvingLinks(_ path: String) throws(FileError) -> String {
    var current = path
    for _ in 0..<40 {
      var status = stat()
      guard lstat(current, &status) == 0, (status.st_mode & S_IFMT) == S_IFLNK else { return current }
      var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
      let length = readlink(current, &buffer, buffer.count - 1)
      guard length >= 0 else { throw FileError(path: path, reason: "cannot read the link: \(String(cString: strerror(errno)))") }
      let target = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
      current = target.hasPrefix("/") ? target : PathName.joining(PathName.directory(of: current), target)
    }
    throw FileError(path: path, reason: "too many levels of symbolic links")
  }
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

  /// Installs the handlers (and unblocks the signals) without a file to remove.
  static func makeInterruptible() {
    lock.lock()
    defer { lock.unlock() }
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
