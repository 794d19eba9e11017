import Foundation
import TabularIO

/// The options a feature table is extracted with; a resumed run must use the same ones.
public struct ExtractionSettings: Codable, Equatable, Sendable {
  public var compat: CompatibilityMode
  public var segmentSeconds: Double?

  public init(compat: CompatibilityMode, segmentSeconds: Double?) {
    self.compat = compat
    self.segmentSeconds = segmentSeconds
  }

  public var description: String {
    "compat \(compat.rawValue), " + (segmentSeconds.map { "segments of \($0.formatted()) s" } ?? "whole clips")
  }
}

/// Which input produced which rows of a feature table, written beside it
/// (`features.csv.manifest.json`) so that a resumed run matches rows to inputs by their path and
/// knows the settings the rows were made with.
public struct ExtractionManifest: Codable, Equatable, Sendable {
  public struct Source: Codable, Equatable, Sendable {
    /// The input's path relative to the table's folder, so that moving both together keeps it.
    public var path: String
    public var rows: Int
  }

  public var format = "genrekit-extract-manifest"
  public var version = 1
  public var settings: ExtractionSettings
  /// In the order of the table's rows.
  public var sources: [Source]

  public static func path(forTable table: String) -> String { table + ".manifest.json" }

  /// The manifest file's text (sorted keys, so that equal manifests give equal bytes).
  public func json() throws(FileError) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    do {
      return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    } catch {
      throw FileError(path: "the manifest", reason: "cannot encode it: \(error)")
    }
  }
}

/// A problem with one input, for stderr and the `--errors` file.
public struct InputDiagnostic: Sendable, Equatable {
  public enum Level: String, Sendable { case error, warning }
  public var path: String
  public var level: Level
  public var message: String

  public init(path: String, level: Level, message: String) {
    self.path = path
    self.level = level
    self.message = message
  }
}

/// Extracts audio files into a feature table: rows in input order whatever the number of
/// threads, written atomically with their manifest; with `resume`, the rows of inputs already in
/// the table are kept and only the others extracted.
public struct FeatureTableJob: Sendable {
  public var output: String
  public var settings: ExtractionSettings
  public var resume: Bool
  public var jobs: Int

  public init(output: String, settings: ExtractionSettings, resume: Bool, jobs: Int) {
    self.output = output
    self.settings = settings
    self.resume = resume
    self.jobs = jobs
  }

  public struct Summary: Sendable {
    /// Inputs whose rows were already in the table (resume).
    public var kept = 0
    /// Inputs extracted in this run, successfully or not.
    public var attempted = 0
    public var newRows = 0
    public var diagnostics: [InputDiagnostic] = []
    /// Whether the table was written (only when the run produced rows).
    public var written = false

    public var failures: Int { diagnostics.filter { $0.level == .error }.count }
  }

  /// Runs the extraction; `onFinished` is called on the caller's thread after each input
  /// extracted, with the number of inputs to extract and the input's diagnostics.
  public func run(
    _ inputs: [AudioInput], onFinished: (_ pending: Int, [InputDiagnostic]) -> Void = { _, _ in }
  ) throws(FileError) -> Summary {
    guard let segmentation = Segmentation(segmentSeconds: settings.segmentSeconds) else {
      throw FileError(path: output, reason: "invalid segment length \(String(describing: settings.segmentSeconds))")
    }
    let previous = resume ? try PreviousTable(path: output, settings: settings) : nil
    let keys = inputs.map { PathName.absolute($0.path) }
    var kept = previous?.rowsOfSource ?? [:]
    let pendingIndices = inputs.indices.filter { kept[keys[$0]] == nil }
    var summary = Summary(kept: inputs.count - pendingIndices.count, attempted: pendingIndices.count)
    guard !pendingIndices.isEmpty else { return summary }

    let table = try AtomicFileWriter(destination: output)
    table.write(CSVFormat.line(FeatureSchema.columns))
    var sources: [ExtractionManifest.Source] = []
    let directory = PathName.absolute(PathName.directory(of: output))
    func record(_ key: String, rows: Int) { sources.append(.init(path: PathName.relative(from: directory, to: key), rows: rows)) }
    func writeKept(_ key: String) {
      guard let rows = kept.removeValue(forKey: key), let previous else { return }
      for row in previous.rows[rows] { table.write(CSVFormat.line(row.fields)) }
      record(key, rows: rows.count)
    }
    var cursor = 0
    let pending = pendingIndices.map { inputs[$0] }
    BatchExtractor(extractor: FeatureExtractor(mode: settings.compat), segmentation: segmentation)
      .run(pending, jobs: jobs) { index, result in
        let inputIndex = pendingIndices[index]
        while cursor < inputIndex {
          writeKept(keys[cursor])
          cursor += 1
        }
        cursor = inputIndex + 1
        let input = inputs[inputIndex]
        var diagnostics: [InputDiagnostic] = []
        switch result {
        case .success(let file):
          for row in file.rows { table.write(CSVFormat.line(row.csvFields)) }
          summary.newRows += file.rows.count
          record(keys[inputIndex], rows: file.rows.count)
          if let warning = file.warning { diagnostics.append(.init(path: input.path, level: .warning, message: warning)) }
          if file.rows.isEmpty {
            diagnostics.append(.init(path: input.path, level: .warning, message: "shorter than one segment: no rows"))
          }
        case .failure(let error):
          diagnostics.append(.init(path: input.path, level: .error, message: error.description))
        }
        summary.diagnostics += diagnostics
        onFinished(pending.count, diagnostics)
      }
    for key in keys[cursor...] { writeKept(key) }
    // Rows of files that are not among this run's inputs stay too, in their old order.
    for source in previous?.sources ?? [] where kept[source.key] != nil { writeKept(source.key) }

    guard summary.newRows > 0 else {
      table.discard()
      return summary
    }
    try table.commit()
    summary.written = true
    if output != "-" {
      let manifest = try AtomicFileWriter(destination: ExtractionManifest.path(forTable: output))
      manifest.write(try ExtractionManifest(settings: settings, sources: sources).json())
      try manifest.commit()
    }
    return summary
  }

  /// Writes the diagnostics as CSV (`path,level,error`), atomically.
  public static func writeDiagnostics(_ diagnostics: [InputDiagnostic], to path: String) throws(FileError) {
    let writer = try AtomicFileWriter(destination: path)
    writer.write(CSVFormat.line(["path", "level", "error"]))
    for diagnostic in diagnostics { writer.write(CSVFormat.line([diagnostic.path, diagnostic.level.rawValue, diagnostic.message])) }
    try writer.commit()
  }
}

/// The table a resumed run continues: its rows and, from its manifest, which input made which.
private struct PreviousTable {
  var rows: [CSVRecord] = []
  /// Sources by absolute path, in row order.
  var sources: [(key: String, rows: Range<Int>)] = []
  var rowsOfSource: [String: Range<Int>] { Dictionary(sources.map { ($0.key, $0.rows) }, uniquingKeysWith: { a, _ in a }) }

  init(path: String, settings: ExtractionSettings) throws(FileError) {
    guard path != "-" else { throw FileError(path: path, reason: "--resume needs an output file, not standard output") }
    guard FileManager.default.fileExists(atPath: path) else { return }
    let manifestPath = ExtractionManifest.path(forTable: path)
    let manifest: ExtractionManifest
    do {
      manifest = try JSONDecoder().decode(ExtractionManifest.self, from: InputFile.contents(of: manifestPath))
    } catch {
      throw FileError(
        path: path,
        reason: "cannot resume: its manifest \(manifestPath) is missing or unreadable, so its rows cannot be matched to inputs (run without --resume to extract everything again)")
    }
    guard manifest.settings == settings else {
      throw FileError(
        path: path, reason: "cannot resume: it was extracted with \(manifest.settings.description); this run asks for \(settings.description)")
    }
    let records: [CSVRecord]
    do {
      records = try CSVReader.read(path: path, delimiter: UInt8(ascii: ","))
    } catch {
      throw FileError(path: path, reason: "cannot resume: \(error)")
    }
    guard let header = records.first, header.fields == FeatureSchema.columns else {
      throw FileError(path: path, reason: "cannot resume: its header is not the GenreKit feature schema")
    }
    if let ragged = records.dropFirst().first(where: { $0.fields.count != FeatureSchema.columns.count }) {
      throw FileError(path: path, reason: "cannot resume: line \(ragged.line) has \(ragged.fields.count) fields, expected \(FeatureSchema.columns.count)")
    }
    rows = Array(records.dropFirst())
    let directory = PathName.absolute(PathName.directory(of: path))
    var start = 0
    for source in manifest.sources {
      guard source.rows >= 0, source.rows <= rows.count - start else { break }
      sources.append((PathName.absolute(source.path, relativeTo: directory), start..<(start + source.rows)))
      start += source.rows
    }
    guard start == rows.count, sources.count == manifest.sources.count else {
      throw FileError(
        path: path,
        reason: "cannot resume: it has \(rows.count) rows but its manifest accounts for \(manifest.sources.map(\.rows).reduce(0, +)) (run without --resume)")
    }
  }
}
