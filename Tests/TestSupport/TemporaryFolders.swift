import Foundation

/// A new folder in the temporary directory, named `prefix-<UUID>`, removed when the test process
/// exits (Swift Testing has no suite-wide tear-down).
public func makeTemporaryFolder(prefix: String) throws -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  TemporaryFolders.add(url)
  return url
}

enum TemporaryFolders {
  private static let lock = NSLock()
  nonisolated(unsafe) private static var folders: [URL] = []

  static func add(_ url: URL) {
    lock.lock()
    defer { lock.unlock() }
    if folders.isEmpty { atexit { TemporaryFolders.removeAll() } }
    folders.append(url)
  }

  static func removeAll() {
    lock.lock()
    defer { lock.unlock() }
    for url in folders { try? FileManager.default.removeItem(at: url) }
    folders = []
  }
}
