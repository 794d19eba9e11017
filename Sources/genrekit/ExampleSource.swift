import AudioBridge
import AudioFeatures
import Foundation
import Learning
import TabularIO
import TensorIO

/// What a model command reads: a feature table, a segment dataset directory written by
/// `genrekit dataset`, or audio (files, or folders of genre folders), made into the input of the
/// model at hand as `extract` or `dataset` would make it.
enum ExampleSource {
  /// A table, and how its rows were made from audio when that is known.
  case table(LoadedTable, input: InputDescription?)
  case dataset(SegmentDataset)

  /// How audio inputs become examples, for a model reading `kind`.
  struct AudioRequest {
    var kind: InputKind
    var settings: AudioExamples.Settings
    var jobs: Int
    /// Feature rows of whole clips rather than of segments.
    var wholeClips = false
  }

  /// Audio when `path` is a folder that is not a dataset directory or a file with an audio
  /// extension; a dataset when it is a dataset directory; else a table read with `options`.
  /// How it was read is said on stderr.
  static func read(_ path: String, options: Learning.TableOptions, audio: AudioRequest) throws -> ExampleSource {
    if SegmentDataset.isDataset(path) {
      let dataset = try SegmentDataset.read(directory: path)
      log("genrekit: \(path): \(dataset.count) segments of \(Set(dataset.tracks).count) tracks, \(dataset.description.summary), \(dataset.classNames.count) classes")
      return .dataset(dataset)
    }
    if isAudio(path) { return try read(audio: path, request: audio) }
    return .table(try TableArguments.read(path, options: options), input: nil)
  }

  static func isAudio(_ path: String) -> Bool {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return !SegmentDataset.isDataset(path) }
    return InputDiscovery.audioExtensions.contains(PathName.fileExtension(of: path).lowercased())
  }

  /// Every segment of the audio at `path` (labels: the parent folders), as the model's input.
  private static func read(audio path: String, request: AudioRequest) throws -> ExampleSource {
    let files = InputDiscovery.audioFiles(in: [path])
    guard !files.isEmpty else { throw CLIFailure.usage("no audio files found in \(path)") }
    let (examples, diagnostics) = try loadAudio(files, settings: request.settings, cache: nil, jobs: request.jobs, quiet: false)
    let failed = diagnostics.filter { $0.level == .error }.count
    guard !examples.files.isEmpty else { throw CLIFailure.usage("none of the \(files.count) audio files in \(path) could be read") }
    var description = examples.description(for: request.kind)
    if request.wholeClips { description.wholeClips = true }
    log(
      "genrekit: \(path): \(files.count) audio files\(failed > 0 ? " (\(failed) left out, named above)" : ""): "
        + "\(request.wholeClips ? examples.files.count : examples.files.reduce(0) { $0 + $1.segmentCount }) examples of \(examples.files.count) tracks: \(description.summary)")
    guard request.kind == .featureRows else { return .dataset(examples.segmentDataset(for: request.kind)) }
    let rows = request.wholeClips ? examples.clipRows : examples.segmentRows
    var summary = TableSummary(path: path, rows: rows.count)
    summary.fingerprint = examples.fingerprint
    summary.featureColumns = AudioExamples.featureNames
    summary.grouping = "the track of each segment"
    summary.groupCount = examples.files.count
    return .table(LoadedTable(dataset: rows, summary: summary, hasLabels: true), input: description)
  }

  /// The examples of audio `files` (labels: their parent folders), with progress on a terminal;
  /// each bad file is named on stderr as it is met, and left out.
  static func loadAudio(
    _ files: [String], settings: AudioExamples.Settings, cache: String?, jobs: Int, quiet: Bool
  ) throws -> (examples: AudioExamples, diagnostics: [InputDiagnostic]) {
    let inputs = files.map { AudioInput(path: $0, label: InputDiscovery.parentDirectoryName(of: $0)) }
    let progress = FileProgress(quiet: quiet)
    let loaded = try AudioExamples.load(inputs, settings: settings, cache: cache, jobs: jobs) { progress.finished(total: $0, $1) }
    progress.end()
    return loaded
  }

  /// The files `path` names: a table, a dataset directory's files, or audio files.
  static func files(of path: String) -> [String] {
    if SegmentDataset.isDataset(path) {
      return [DatasetDirectory.arrayFile, DatasetDirectory.indexFile, DatasetDirectory.manifestFile].map { PathName.joining(path, $0) }
    }
    return isAudio(path) ? InputDiscovery.audioFiles(in: [path]) : [path]
  }
}
