import ArgumentParser
import AudioFeatures
import Foundation
import TabularIO

extension CompatibilityMode: ExpressibleByArgument {}

struct Extract: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "extract",
    abstract: "Compute the 57 GTZAN features of audio files, as CSV in the Kaggle schema.",
    discussion: """
      Inputs are audio files or directories (searched recursively for wav, au, aiff, aif, flac, \
      ogg and mp3). Rows are written in sorted path order. Exit status: 0 every input produced \
      rows; 1 some inputs failed (the other rows are written); 2 usage error or no audio found.
      """)

  @Argument(help: "Audio files or directories.")
  var inputs: [String]

  @Option(help: "The CSV file to write (replaced atomically, only when the run produced rows).")
  var output: String

  @Option(help: "Cut each clip into segments of this many seconds (Kaggle 3-s rule); default: whole clips.")
  var segmentSeconds: Double?

  @Option(help: "The label column for every row (default: the file's parent directory name).")
  var label: String?

  @Option(help: "kaggle: librosa 0.7 as in the Kaggle tables; librosa: librosa 0.11 defaults.")
  var compat: CompatibilityMode = .kaggle

  @Option(help: "Files processed in parallel (default: all cores).")
  var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

  @Flag(help: "Keep the rows already in --output and process only inputs not there yet.")
  var resume = false

  @Option(help: "Also write the failed inputs and their reasons to this CSV (path,error).")
  var errors: String?

  @Flag(help: "No progress on stderr.")
  var quiet = false

  func validate() throws {
    guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    guard Segmentation(segmentSeconds: segmentSeconds) != nil else {
      throw ValidationError("--segment-seconds must be a positive number of seconds")
    }
  }

  func run() throws {
    prepareHeapForExtraction(jobs: jobs)
    let segmentation = Segmentation(segmentSeconds: segmentSeconds)!
    let files = InputDiscovery.audioFiles(in: inputs)
    guard !files.isEmpty else {
      throw CLIFailure.usage("no audio files found in \(inputs.joined(separator: ", "))")
    }
    let previous = resume ? try PreviousOutput(path: output) : PreviousOutput()
    let audioInputs = files.map {
      AudioInput(path: $0, label: label ?? InputDiscovery.parentDirectoryName(of: $0))
    }
    // Inputs already in the output keep their rows, written in the same sorted order as a full run.
    var keptRows = Dictionary(grouping: previous.rows) { segmentation.sourceKey(ofRow: $0.fields[0]) }
    let sourceKeys = audioInputs.map { segmentation.sourceKey(ofFile: $0.fileName) }
    let pendingIndices = audioInputs.indices.filter { keptRows[sourceKeys[$0]] == nil }
    let pending = pendingIndices.map { audioInputs[$0] }
    guard !pending.isEmpty else {
      log("genrekit: all \(audioInputs.count) inputs are already in \(output)")
      return
    }

    let writer = try AtomicFileWriter(destination: output)
    writer.write(CSVFormat.line(FeatureSchema.columns))
    var failures: [(path: String, reason: String)] = []
    var newRows = 0
    let progress = Progress(total: pending.count, enabled: !quiet && isatty(STDERR_FILENO) != 0)
    var cursor = 0
    func writeKeptRows(before index: Int) {
      while cursor < index {
        for row in keptRows.removeValue(forKey: sourceKeys[cursor]) ?? [] { writer.write(CSVFormat.line(row.fields)) }
        cursor += 1
      }
    }
    BatchExtractor(extractor: FeatureExtractor(mode: compat), segmentation: segmentation)
      .run(pending, jobs: jobs) { index, result in
        writeKeptRows(before: pendingIndices[index])
        cursor = pendingIndices[index] + 1
        switch result {
        case .success(let rows):
          for row in rows { writer.write(CSVFormat.line(row.csvFields)) }
          newRows += rows.count
        case .failure(let error):
          failures.append((pending[index].path, error.description))
          progress.interrupt()
          log("genrekit: \(pending[index].path): \(error)")
        }
        progress.advance()
      }
    writeKeptRows(before: audioInputs.count)
    // Rows of files that are not among this run's inputs stay too, in their old order.
    for row in previous.rows where keptRows[segmentation.sourceKey(ofRow: row.fields[0])] != nil {
      writer.write(CSVFormat.line(row.fields))
    }
    progress.finish()

    if newRows > 0 {
      try writer.commit()
    } else {
      writer.discard()
      log("genrekit: no rows were produced; \(output) was left as it was")
    }
    if let errors { try writeErrors(failures, to: errors) }
    if !failures.isEmpty {
      log("genrekit: \(failures.count) of \(pending.count) inputs failed")
      throw ExitCode(1)
    }
  }

  private func writeErrors(_ failures: [(path: String, reason: String)], to path: String) throws {
    let writer = try AtomicFileWriter(destination: path)
    writer.write(CSVFormat.line(["path", "error"]))
    for failure in failures { writer.write(CSVFormat.line([failure.path, failure.reason])) }
    try writer.commit()
  }
}

/// The rows of an existing output kept by `--resume`.
private struct PreviousOutput {
  var rows: [CSVRecord] = []

  init() {}

  init(path: String) throws {
    guard FileManager.default.fileExists(atPath: path) else { return }
    let records = try CSVReader.read(path: path, delimiter: UInt8(ascii: ","))
    guard let header = records.first else { return }
    guard header.fields == FeatureSchema.columns else {
      throw CLIFailure.usage("\(path): --resume needs an output in the GTZAN feature schema; its header differs")
    }
    for record in records.dropFirst() where record.fields.count != FeatureSchema.columns.count {
      throw CLIFailure.usage(
        "\(path):\(record.line): expected \(FeatureSchema.columns.count) fields, found \(record.fields.count)")
    }
    rows = Array(records.dropFirst())
  }
}
