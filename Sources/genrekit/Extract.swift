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

      Examples:
        genrekit extract genres/ --output features_30_sec.csv
        genrekit extract genres/ --segment-seconds 3 --jobs 2 --errors errors.csv \\
          --output features_3_sec.csv
        genrekit extract genres/ --segment-seconds 3 --output features_3_sec.csv \\
          --resume
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

  @Option(help: "Files processed in parallel.")
  var jobs = Parallelism.allCores

  @Flag(help: "Keep the rows already in --output and process only inputs not there yet.")
  var resume = false

  @Option(help: "Also write the failed inputs and their reasons to this CSV (path,error).")
  var errors: String?

  @Flag(help: "No progress on stderr.")
  var quiet = false
  @Option(help: "Only shard i of n (0-based) of the inputs, for a cluster job array; 'genrekit merge' joins the shards' outputs.")
  var shard: Sharding.Shard?

  func validate() throws {
    guard Segmentation(segmentSeconds: segmentSeconds) != nil else {
      throw ValidationError("--segment-seconds must be a positive number of seconds")
    }
  }

  func run() throws {
    prepareHeapForExtraction(jobs: jobs.count)
    let discovered = InputDiscovery.audioFiles(in: inputs)
    let files = shard?.select(discovered, inputs: inputs) ?? discovered
    if let shard, files.isEmpty, !discovered.isEmpty {
      log("genrekit: shard \(shard) holds none of the \(discovered.count) inputs; nothing to write")
      return
    }
    guard !files.isEmpty else {
      throw CLIFailure.usage("no audio files found in \(inputs.joined(separator: ", "))")
    }
    var outputs = [("--output", output)]
    if output != "-" { outputs.append(("the manifest", ExtractionManifest.path(forTable: output))) }
    if let errors { outputs.append(("--errors", errors)) }
    try OutputSafety.check(outputs: outputs, inputs: files)

    let job = FeatureTableJob(
      output: output, settings: ExtractionSettings(compat: compat, segmentSeconds: segmentSeconds), resume: resume, jobs: jobs.count)
    let audioInputs = files.map { AudioInput(path: $0, label: label ?? InputDiscovery.parentDirectoryName(of: $0)) }
    let progress = FileProgress(quiet: quiet)
    let summary = try job.run(audioInputs) { progress.finished(total: $0, $1) }
    progress.end()
    if let errors { try FeatureTableJob.writeDiagnostics(summary.diagnostics, to: errors) }
    if summary.attempted == 0 {
      log("genrekit: all \(audioInputs.count) inputs are already in \(output)")
    } else if !summary.written {
      log("genrekit: no rows were produced; \(output) was left as it was")
    }
    if summary.failures > 0 {
      log("genrekit: \(summary.failures) of \(summary.attempted) inputs failed")
      throw ExitCode(1)
    }
  }
}

extension Sharding.Shard: ExpressibleByArgument {
  public init?(argument: String) { self.init(argument) }
}
