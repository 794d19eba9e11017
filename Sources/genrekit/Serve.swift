import ArgumentParser
import Foundation
import GenreKitServer
import Learning

struct Serve: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve", abstract: "Serve a page to try a song with a model: upload a file, see its genre probabilities and log-mel spectrogram.",
    discussion: """
      Routes: GET / (the page), POST /api/predict (an audio file as the body, named by ?name=, or \
      as a multipart/form-data part; JSON back), GET /health. Uploads over 50 MB get 413, files \
      that are not audio 400 with the reason, and requests beyond --workers + --queue 503.

      Examples:
        genrekit serve --model cnn.json
        genrekit serve --model forest.json --port 9000 --workers 2
        curl --data-binary @song.mp3 'http://127.0.0.1:8080/api/predict?name=song.mp3'
      """)

  @Option(help: "A model file from 'genrekit train'.") var model: String
  @Option(help: "The address to listen on (default: loopback only).") var host = "127.0.0.1"
  @Option(help: "The port (0: any free one).") var port = 8080
  @Option(help: "Songs analysed at once.") var workers = Parallelism.allCores
  @Option(help: "Requests that may wait for a worker; more get 503.") var queue = 8

  func validate() throws {
    guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
    guard queue >= 0 else { throw ValidationError("--queue must be 0 or more") }
  }

  func run() async throws {
    let file = try ModelFile.read(path: model)
    let service: PredictionService
    do {
      service = try PredictionService(model: file, name: model, workers: workers.count, waiting: queue)
    } catch {
      throw CLIFailure.usage(error.description)
    }
    prepareHeapForExtraction(jobs: workers.count)
    log("genrekit: serving \(model) (\(file.kind.name), \(file.classNames.count) classes) at http://\(host):\(port)/")
    try await buildApplication(service: service, host: host, port: port).runService()
  }
}
