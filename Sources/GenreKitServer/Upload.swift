import Foundation
import NIOCore

/// The file a `POST /api/predict` carries: the first part with a file name of a
/// multipart/form-data body (else its first part), or the whole body, named by `?name=`. Its own
/// type, apart from the route, so that the fuzzer reaches it without a server.
///
/// The multipart parser is GenreKit's own (RFC 2046's delimiters, RFC 7578's parts): MultipartKit
/// 4.7.1, the one on this machine, traps on a header-name byte above 127 (its lookup table has 128
/// entries), which let one request stop the server; found by the `upload` fuzz target and kept in
/// `Tests/Fuzz/crashes/upload`. Delimiters are found in linear time (Knuth–Morris–Pratt).
public struct Upload: Sendable {
  public var bytes: [UInt8]
  public var name: String

  public enum Failure: Error, Equatable, CustomStringConvertible {
    case noBoundary, malformed, noPart

    public var description: String {
      switch self {
      case .noBoundary: "a multipart body needs a boundary"
      case .malformed: "the multipart body is malformed"
      case .noPart: "the multipart body holds no part"
      }
    }
  }

  public init(body: ByteBuffer, contentType: String, name: String?) throws(Failure) {
    let body = Array(buffer: body)
    guard contentType.lowercased().hasPrefix("multipart/form-data") else {
      (bytes, self.name) = (body, shortened(name ?? "upload"))
      return
    }
    guard let boundary = parameter("boundary", of: contentType), !boundary.isEmpty, boundary.count <= 200 else { throw .noBoundary }
    let parts = try Self.parts(of: body, boundary: Array(boundary.utf8))
    let named = parts.compactMap { part -> (bytes: [UInt8], name: String)? in
      guard let disposition = part.headers.first(where: { $0.name.lowercased() == "content-disposition" })?.value,
        let name = parameter("filename", of: disposition)
      else { return nil }
      return (part.body, shortened(name))
    }
    if let file = named.first {
      (self.bytes, self.name) = file
      return
    }
    guard let first = parts.first else { throw .noPart }
    (self.bytes, self.name) = (first.body, "upload")
  }

  struct Part {
    var headers: [(name: String, value: String)]
    var body: [UInt8]
  }

  /// The parts between the delimiters `--boundary` (the first at the start or after a CRLF, the
  /// others after a CRLF; the last followed by `--`): each part's header lines up to an empty
  /// line, then its body.
  static func parts(of body: [UInt8], boundary: [UInt8]) throws(Failure) -> [Part] {
    let dashes = Array("--".utf8)
    let (cr, lf) = (UInt8(ascii: "\r"), UInt8(ascii: "\n"))
    let delimiter = [cr, lf] + dashes + boundary
    // The first delimiter: at the very start, or after a preamble.
    var position: Int
    if body.starts(with: dashes + boundary) {
      position = dashes.count + boundary.count
    } else if let found = find(delimiter, in: body, from: 0) {
      position = found + delimiter.count
    } else {
      throw .malformed
    }
    var parts: [Part] = []
    while true {
      // After a delimiter: "--" ends the body; otherwise optional padding, then CRLF.
      if body[position...].starts(with: dashes) { return parts }
      while position < body.count && (body[position] == UInt8(ascii: " ") || body[position] == UInt8(ascii: "\t")) { position += 1 }
      guard body[position...].starts(with: [cr, lf]) else { throw .malformed }
      position += 2
      var headers: [(name: String, value: String)] = []
      while true {
        guard let end = find([cr, lf], in: body, from: position) else { throw .malformed }
        if end == position {
          position += 2
          break
        }
        headers.append(try header(body[position..<end]))
        position = end + 2
      }
      guard let end = find(delimiter, in: body, from: position) else { throw .malformed }
      parts.append(Part(headers: headers, body: Array(body[position..<end])))
      position = end + delimiter.count
    }
  }

  /// `Name: value`, the name a token of visible ASCII characters.
  static func header(_ line: ArraySlice<UInt8>) throws(Failure) -> (name: String, value: String) {
    guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
      line[..<colon].allSatisfy({ $0 > 32 && $0 < 127 })
    else { throw .malformed }
    let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingCharacters(in: .whitespaces)
    return (String(decoding: line[..<colon], as: UTF8.self), value)
  }

  /// The first index at or after `start` where `needle` occurs in `haystack`
  /// (Knuth–Morris–Pratt: linear in the haystack, whatever a client puts in it).
  static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
    guard !needle.isEmpty, start >= 0, haystack.count - start >= needle.count else { return nil }
    // fallback[i]: the length of the longest proper prefix of needle[0...i] that is also its suffix.
    var fallback = [Int](repeating: 0, count: needle.count)
    var matched = 0
    for i in 1..<needle.count {
      while matched > 0 && needle[i] != needle[matched] { matched = fallback[matched - 1] }
      if needle[i] == needle[matched] { matched += 1 }
      fallback[i] = matched
    }
    matched = 0
    for i in start..<haystack.count {
      while matched > 0 && haystack[i] != needle[matched] { matched = fallback[matched - 1] }
      if haystack[i] == needle[matched] { matched += 1 }
      if matched == needle.count { return i - needle.count + 1 }
    }
    return nil
  }
}
