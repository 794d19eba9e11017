import Foundation
import GenreKitServer
import NIOCore
import Testing

/// The upload route's multipart parsing: the file part found as browsers and curl send it, and
/// every damaged body an error, never a crash (the crash input MultipartKit trapped on included).
@Suite struct UploadTests {
  static let type = "multipart/form-data; boundary=XyZ"

  func upload(_ body: String, type: String = Self.type) throws(Upload.Failure) -> Upload {
    try Upload(body: ByteBuffer(string: body), contentType: type, name: nil)
  }

  @Test func theFilePartWithItsNameAndBytes() throws {
    let body = "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n"
      + "--XyZ  \r\ncontent-disposition: form-data; name=\"file\"; filename=\"a b.wav\"\r\nContent-Type: audio/wav\r\n\r\n"
      + "RIFF\r\n--Xy\r\n\r\ndata\r\n--XyZ--\r\nepilogue"
    let found = try upload(body)
    #expect(found.name == "a b.wav")
    #expect(found.bytes == Array("RIFF\r\n--Xy\r\n\r\ndata".utf8))
    // Without a file name, the first part; a raw body is the file itself.
    #expect(try upload("--XyZ\r\n\r\nonly\r\n--XyZ--").bytes == Array("only".utf8))
    #expect(try upload("--XyZ--", type: "audio/wav").name == "upload")
  }

  @Test(arguments: [
    ("no delimiter", "just bytes", Upload.Failure.malformed),
    ("unterminated part", "--XyZ\r\nContent-Type: a\r\n\r\nbody with no end", .malformed),
    ("unterminated headers", "--XyZ\r\nContent-Type: a", .malformed),
    ("no CRLF after the delimiter", "--XyZ junk\r\n\r\nx\r\n--XyZ--", .malformed),
    ("a header without a colon", "--XyZ\r\nnonsense\r\n\r\nx\r\n--XyZ--", .malformed),
    ("a header name above ASCII", "--XyZ\r\n\u{f3}\u{f5}name: x\r\n\r\nx\r\n--XyZ--", .malformed),
    ("no part", "--XyZ--", .noPart),
  ])
  func damagedBodiesAreErrors(what: String, body: String, failure: Upload.Failure) {
    #expect(throws: failure, "\(what)") { try upload(body) }
  }

  @Test func aBoundaryIsNeeded() {
    #expect(throws: Upload.Failure.noBoundary) { try upload("--XyZ--", type: "multipart/form-data") }
  }
}
