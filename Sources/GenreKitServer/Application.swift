import Foundation
import Hummingbird
import MultipartKit
import NIOCore

/// The largest upload accepted; a larger body is answered 413 before it is all read.
public let maximumUploadBytes = 50 << 20

/// The server of `genrekit serve`: `GET /` (the page to try a song), `POST /api/predict` (the
/// file as the body, or as a multipart/form-data part), `GET /health`. Built here rather than in
/// the command so that tests run the same application on an ephemeral port.
public func buildApplication(service: PredictionService, host: String, port: Int) -> some ApplicationProtocol {
  let router = Router()
  router.get("/") { _, _ -> Response in
    Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: Page.html)))
  }
  router.get("/health") { _, _ -> Health in
    Health(status: "ok", model: service.model.kind.name, classes: service.model.classNames, input: service.model.input?.summary ?? "")
  }
  router.post("/api/predict") { request, _ -> PredictionService.Result in
    let body: ByteBuffer
    do {
      body = try await request.body.collect(upTo: maximumUploadBytes)
    } catch is NIOTooManyBytesError {
      throw HTTPError(.contentTooLarge, message: "the upload is larger than \(maximumUploadBytes >> 20) MB")
    }
    let (bytes, name) = try upload(body, request: request)
    guard !bytes.isEmpty else { throw HTTPError(.badRequest, message: "the request holds no file") }
    do {
      return try await service.predict(bytes, fileName: name)
    } catch PredictionService.Failure.busy {
      throw HTTPError(.serviceUnavailable, headers: [.retryAfter: "5"], message: "busy: every place in the queue is taken; try again in a few seconds")
    } catch PredictionService.Failure.unreadable(let reason) {
      throw HTTPError(.badRequest, message: "\(name): \(reason)")
    }
  }
  return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "genrekit"))
}

struct Health: ResponseEncodable {
  var status: String
  var model: String
  var classes: [String]
  var input: String
}

extension PredictionService.Result: ResponseEncodable {}

/// The uploaded file's bytes and name: the first part with a file of a multipart/form-data
/// body, or the whole body (named by `?name=`).
func upload(_ body: ByteBuffer, request: Request) throws -> (bytes: [UInt8], name: String) {
  let contentType = request.headers[.contentType] ?? ""
  guard contentType.lowercased().hasPrefix("multipart/form-data") else {
    let name = request.uri.queryParameters["name"].map(String.init) ?? "upload"
    return (Array(buffer: body), shortened(name))
  }
  guard let boundary = parameter("boundary", of: contentType), !boundary.isEmpty, boundary.count <= 200 else {
    throw HTTPError(.badRequest, message: "a multipart body needs a boundary")
  }
  var parts: [(headers: [(String, String)], body: [UInt8])] = []
  var headers: [(String, String)] = []
  var bytes: [UInt8] = []
  let parser = MultipartParser(boundary: boundary)
  parser.onHeader = { headers.append(($0, $1)) }
  parser.onBody = { bytes += $0.readBytes(length: $0.readableBytes) ?? [] }
  parser.onPartComplete = {
    parts.append((headers, bytes))
    (headers, bytes) = ([], [])
  }
  do {
    try parser.execute(body)
  } catch {
    throw HTTPError(.badRequest, message: "the multipart body is malformed")
  }
  // The first part that carries a file name, else the first part.
  let named = parts.compactMap { part -> (bytes: [UInt8], name: String)? in
    guard let disposition = part.headers.first(where: { $0.0.lowercased() == "content-disposition" })?.1,
      let name = parameter("filename", of: disposition)
    else { return nil }
    return (part.body, shortened(name))
  }
  if let file = named.first { return file }
  guard let first = parts.first else { throw HTTPError(.badRequest, message: "the multipart body holds no part") }
  return (first.body, "upload")
}

/// A client's file name, as echoed in answers: at most 200 characters.
func shortened(_ name: String) -> String { name.count <= 200 ? name : String(name.prefix(199)) + "…" }

/// `key=value` or `key="value"` in a header value such as `form-data; name="file"; filename="a.wav"`.
func parameter(_ key: String, of header: String) -> String? {
  for field in header.split(separator: ";").dropFirst() {
    let pair = field.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
    guard pair.count == 2, pair[0].lowercased() == key else { continue }
    let value = pair[1]
    return value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 ? String(value.dropFirst().dropLast()) : value
  }
  return nil
}
