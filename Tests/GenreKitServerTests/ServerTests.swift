import AudioBridge
import Foundation
import Hummingbird
import HummingbirdTesting
import Learning
import NIOCore
import Testing

@testable import GenreKitServer

/// `genrekit serve` over real HTTP, on an ephemeral port: the page, a good file (raw and
/// multipart), a file that is not audio, one too large, concurrent requests, a full queue, and no
/// temporary file left behind.
@Suite(.serialized) struct ServerTests {
  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("AudioFeaturesTests/Fixtures/full-length")

  /// Logistic regression on the bundled GTZAN 30-s table, reading songs as whole 30-s clips.
  static let model: ModelFile = {
    let table = try! TableReader.read(path: EmbeddedTables.gtzan30Seconds)
    let settings = PipelineSettings(model: try! ModelRegistry.kind(named: "logreg")!.settings(seed: 0))
    let fitted = try! settings.fit(table.dataset, threads: 1)
    return ModelFile(
      pipeline: fitted, hyperparameters: settings.summary, classNames: table.dataset.classNames, labelColumn: "label",
      input: InputDescription(
        kind: .featureRows, representation: "features", coefficients: 57, frames: nil, segmentSeconds: 30, wholeClips: true, compat: "kaggle"))
  }()

  func service(workers: Int = 2, waiting: Int = 8) throws -> PredictionService {
    try PredictionService(model: Self.model, name: "logreg.json", workers: workers, waiting: waiting)
  }

  func bytes(_ name: String) throws -> ByteBuffer { ByteBuffer(bytes: try Data(contentsOf: Self.fixtures.appendingPathComponent(name))) }

  func decode(_ response: TestResponse) throws -> PredictionService.Result {
    try JSONDecoder().decode(PredictionService.Result.self, from: Data(buffer: response.body))
  }

  func uploads() -> Set<String> {
    Set((try? FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())) ?? []).filter { $0.hasPrefix("genrekit-upload-") }
  }

  @Test func pageHealthAndAGoodFile() async throws {
    let before = uploads()
    let service = try service()
    let app = buildApplication(service: service, host: "127.0.0.1", port: 0)
    try await app.test(.live) { client in
      let page = try await client.execute(uri: "/", method: .get)
      #expect(page.status == .ok && String(buffer: page.body).contains(#"<ol id="probabilities">"#))
      let health = try await client.execute(uri: "/health", method: .get)
      let status = try JSONSerialization.jsonObject(with: Data(buffer: health.body)) as? [String: Any]
      #expect(health.status == .ok && status?["model"] as? String == "logreg" && (status?["classes"] as? [String])?.count == 10)

      let response = try await client.execute(uri: "/api/predict?name=mix_30s.flac", method: .post, body: try bytes("mix_30s.flac"))
      #expect(response.status == .ok, "\(String(buffer: response.body))")
      let result = try decode(response)
      #expect(result.file == "mix_30s.flac" && result.segments == 1 && result.probabilities.count == 10)
      #expect(abs(result.probabilities.map(\.probability).reduce(0, +) - 1) < 1e-9)
      #expect(result.probabilities.map(\.probability) == result.probabilities.map(\.probability).sorted(by: >))
      #expect(result.spectrogramSVG.hasPrefix("<svg") && result.spectrogramSVG.contains("data:image/png;base64,"))
      // The same numbers as `genrekit predict` on the file.
      let direct = try SongInput(model: Self.model, path: "logreg.json").predict(
        song: Self.fixtures.appendingPathComponent("mix_30s.flac").path, model: Self.model, jobs: 1)
      let byClass = Dictionary(uniqueKeysWithValues: zip(Self.model.classNames, direct.probabilities))
      #expect(result.probabilities.allSatisfy { byClass[$0.class] == $0.probability })
    }
    #expect(uploads() == before)
  }

  @Test func multipartMP3AndBadUploads() async throws {
    let before = uploads()
    let app = buildApplication(service: try service(), host: "127.0.0.1", port: 0)
    try await app.test(.live) { client in
      let boundary = "genrekit-test-boundary"
      var body = ByteBuffer(string: "--\(boundary)\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n")
      body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"mix_10s_44k_stereo.mp3\"\r\nContent-Type: audio/mpeg\r\n\r\n")
      var mp3 = try bytes("mix_10s_44k_stereo.mp3")
      body.writeBuffer(&mp3)
      body.writeString("\r\n--\(boundary)--\r\n")
      let multipart = try await client.execute(
        uri: "/api/predict", method: .post, headers: [.contentType: "multipart/form-data; boundary=\(boundary)"], body: body)
      #expect(multipart.status == .ok, "\(String(buffer: multipart.body))")
      let result = try decode(multipart)
      #expect(result.file == "mix_10s_44k_stereo.mp3" && result.segments == 1 && result.spectrogramSVG.contains("the first 10.0 s"))

      let text = try await client.execute(uri: "/api/predict?name=notes.wav", method: .post, body: ByteBuffer(string: "this is not audio\n"))
      #expect(text.status == .badRequest && String(buffer: text.body).contains("notes.wav: cannot decode audio"), "\(String(buffer: text.body))")
      let empty = try await client.execute(uri: "/api/predict", method: .post)
      #expect(empty.status == .badRequest && String(buffer: empty.body).contains("no file"))
      let broken = try await client.execute(
        uri: "/api/predict", method: .post, headers: [.contentType: "multipart/form-data"], body: ByteBuffer(string: "x"))
      #expect(broken.status == .badRequest && String(buffer: broken.body).contains("boundary"))
      let large = try await client.execute(uri: "/api/predict", method: .post, body: ByteBuffer(repeating: 0, count: maximumUploadBytes + 1))
      #expect(large.status == .contentTooLarge)
      // The server still answers after all of these.
      #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
    }
    #expect(uploads() == before)
  }

  @Test func concurrentRequestsAndAFullQueue() async throws {
    let service = try service(workers: 2, waiting: 1)
    let app = buildApplication(service: service, host: "127.0.0.1", port: 0)
    let clip = try bytes("mix_30s.flac")
    try await app.test(.live) { client in
      // Three at once fit in two workers and one waiting place: all served, with the same answer.
      let results = try await withThrowingTaskGroup(of: PredictionService.Result.self) { group in
        for _ in 0..<3 {
          group.addTask {
            let response = try await client.execute(uri: "/api/predict?name=a.flac", method: .post, body: clip)
            #expect(response.status == .ok)
            return try decode(response)
          }
        }
        return try await group.reduce(into: []) { $0.append($1) }
      }
      #expect(results.count == 3 && Set(results.map { $0.probabilities.map(\.probability) }).count == 1)

      // With every place taken, a request is turned away at once, and served once one is free.
      for _ in 0..<3 { #expect(service.admit()) }
      let busy = try await client.execute(uri: "/api/predict?name=a.flac", method: .post, body: clip)
      #expect(busy.status == .serviceUnavailable && busy.headers[.retryAfter] == "5")
      service.leave()
      #expect(try await client.execute(uri: "/api/predict?name=a.flac", method: .post, body: clip).status == .ok)
      for _ in 0..<2 { service.leave() }
      #expect(service.inFlight == 0)
    }
  }
}
