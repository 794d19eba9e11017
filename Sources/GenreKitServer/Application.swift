import Foundation
import Hummingbird
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
    let upload: Upload
    do {
      upload = try Upload(
        body: body, contentType: request.headers[.contentType] ?? "", name: request.uri.queryParameters["name"].map(String.init))
    } catch {
      throw HTTPError(.badRequest, message: "\(error)")
    }
    let (bytes, name) = (upload.bytes, upload.name)
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
