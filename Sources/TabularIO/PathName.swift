import Foundation

/// Path arithmetic on strings, as POSIX `dirname` and `basename` do it. (Foundation's `NSString`
/// path methods crash on one-character paths on Linux, e.g. `--output -` or a file named `x`.)
public enum PathName {
  /// The folder part: "" for a bare name, "/" for an entry of the root; trailing slashes ignored.
  public static func directory(of path: String) -> String {
    let trimmed = trimmingTrailingSlashes(path)
    guard let slash = trimmed.lastIndex(of: "/") else { return "" }
    let directory = trimmingTrailingSlashes(String(trimmed[..<slash]))
    return directory.isEmpty ? "/" : directory
  }

  /// The last component: `c.wav` for `a/b/c.wav`; trailing slashes ignored.
  public static func lastComponent(of path: String) -> String {
    let trimmed = trimmingTrailingSlashes(path)
    guard let slash = trimmed.lastIndex(of: "/") else { return trimmed }
    let name = trimmed[trimmed.index(after: slash)...]
    return name.isEmpty ? "/" : String(name)
  }

  /// The last component's extension without its dot (`wav`), or "" (also for `.hidden`).
  public static func fileExtension(of path: String) -> String {
    let name = lastComponent(of: path)
    guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
    return String(name[name.index(after: dot)...])
  }

  /// `name` inside `directory` ("" or "." for the working directory).
  public static func joining(_ directory: String, _ name: String) -> String {
    if directory.isEmpty || directory == "." { return name }
    return directory.hasSuffix("/") ? directory + name : directory + "/" + name
  }

  private static func trimmingTrailingSlashes(_ path: String) -> String {
    var path = Substring(path)
    while path.count > 1 && path.hasSuffix("/") { path = path.dropLast() }
    return String(path)
  }

  /// `path` made absolute (against `base`, default the working directory) and normalised (no
  /// `.` or `..`), without resolving links: the key by which inputs are recognised.
  public static func absolute(_ path: String, relativeTo base: String? = nil) -> String {
    let path = path.isEmpty ? "." : path
    let url = base.map { URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: $0, isDirectory: true)) } ?? URL(fileURLWithPath: path)
    return url.standardizedFileURL.path
  }

  /// `path` relative to `directory` (both absolute and normalised), with `..` where needed.
  public static func relative(from directory: String, to path: String) -> String {
    let from = directory.split(separator: "/")
    let to = path.split(separator: "/")
    var common = 0
    while common < min(from.count, to.count) && from[common] == to[common] { common += 1 }
    let components = Array(repeating: "..", count: from.count - common) + to[common...].map(String.init)
    return components.isEmpty ? "." : components.joined(separator: "/")
  }
}
