import ArgumentParser
import AudioFeatures
import Foundation
import TabularIO
import TensorIO

struct DatasetCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dataset",
    abstract: "Cut audio into the segments of 'extract' and write their log-mel spectrograms or MFCC frames as a dataset.",
    discussion: """
      Writes <dir>/features.npy (float32; (segments, 128, frames) for logmel, (segments, frames, n) \
      for mfcc; numpy.load reads it), <dir>/segments.csv (id,track,segment,label,path in the \
      array's order) and <dir>/dataset.json (how the segments were made). Exit status as extract.

      Examples:
        genrekit dataset genres/ --representation logmel --output logmel-3s
        genrekit dataset genres/ --representation mfcc --mfcc-count 20 --jobs 2 \\
          --output mfcc20-3s
      """)

  enum RepresentationName: String, ExpressibleByArgument, CaseIterable {
    case logmel, mfcc
  }

  @Argument(help: "Audio files or directories.") var inputs: [String]
  @Option(help: "logmel or mfcc.") var representation: RepresentationName
  @Option(help: "MFCC coefficients per frame (default 13).") var mfccCount: Int?
  @Option(help: "Segment length in seconds (the Kaggle rule).") var segmentSeconds = 3.0
  @Option(help: "The label of every segment (default: the file's parent directory name).") var label: String?
  @Option(help: "Files processed in parallel.") var jobs = Parallelism.allCores
  @Option(help: "Also write the failed inputs and their reasons to this CSV (path,level,error).") var errors: String?
  @Flag(help: "No progress on stderr.") var quiet = false
  @Flag(help: "Keep the segments already in --output and process only inputs not there yet.") var resume = false
  @Option(help: "Only shard i of n (0-based) of the inputs, for a cluster job array; 'genrekit merge' joins the shards' outputs.")
  var shard: Sharding.Shard?
  @Option(help: "The dataset directory to write.") var output: String

  func validate() throws {
    guard Segmentation(segmentSeconds: segmentSeconds) != nil else { throw ValidationError("--segment-seconds must be a positive number of seconds") }
    if let mfccCount {
      guard representation == .mfcc else { throw ValidationError("--mfcc-count goes with --representation mfcc") }
      guard (1...128).contains(mfccCount) else { throw ValidationError("--mfcc-count must be between 1 and 128") }
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
    guard !files.isEmpty else { throw CLIFailure.usage("no audio files found in \(inputs.joined(separator: ", "))") }
    var outputs = [DatasetDirectory.arrayFile, DatasetDirectory.indexFile, DatasetDirectory.manifestFile].map {
      ("--output", PathName.joining(output, $0))
    }
    if let errors { outputs.append(("--errors", errors)) }
    try OutputSafety.check(outputs: outputs, inputs: files)
    // Resuming: the missing inputs go to a dataset of their own, then merged with the old one in
    // the order one run writes.
    var pending = files
    var resumed: String?
    if resume, FileManager.default.fileExists(atPath: PathName.joining(output, DatasetDirectory.manifestFile)) {
      let manifestPath = PathName.joining(output, DatasetDirectory.manifestFile)
      let made = try? JSONDecoder().decode(DatasetDirectory.Manifest.self, from: InputFile.contents(of: manifestPath))
      let asked = (representation.rawValue, representation == .mfcc ? mfccCount ?? 13 : nil, segmentSeconds)
      guard let made, (made.representation, made.mfccCount, made.segmentSeconds) == asked else {
        throw CLIFailure.usage(
          "cannot resume \(output): it was made with other settings (\(made.map { "\($0.representation), \($0.segmentSeconds.formatted())-s segments" } ?? "unreadable manifest")) than this run's (\(asked.0), \(asked.2.formatted())-s segments)")
      }
      let present = try Sharding.sources(ofDataset: output)
      pending = files.filter { !present.contains($0) }
      guard !pending.isEmpty else {
        log("genrekit: all \(files.count) inputs are already in \(output)")
        return
      }
      resumed = FileManager.default.temporaryDirectory.appendingPathComponent("genrekit-resume-\(UUID().uuidString)").path
    }
    defer { if let resumed { try? FileManager.default.removeItem(atPath: resumed) } }
    let job = SegmentDatasetJob(
      directory: resumed ?? output, representation: representation == .logmel ? .logMel : .mfcc(count: mfccCount ?? 13),
      segmentSeconds: segmentSeconds, jobs: jobs.count)
    let audioInputs = pending.map { AudioInput(path: $0, label: label ?? InputDiscovery.parentDirectoryName(of: $0)) }
    let progress = FileProgress(quiet: quiet)
    let summary = try job.run(audioInputs) { progress.finished(total: $0, $1) }
    progress.end()
    if let errors { try FeatureTableJob.writeDiagnostics(summary.diagnostics, to: errors) }
    if summary.written, let resumed {
      let segments = try Sharding.mergeDatasets([output, resumed], into: output)
      log("genrekit: added \(summary.segments) segments of \(summary.files) files to \(output) (\(segments) in all)")
    } else if summary.written {
      log("genrekit: wrote \(summary.segments) segments of \(summary.files) files to \(output)")
    } else {
      log("genrekit: no segments were produced; \(output) was left as it was")
    }
    if summary.failures > 0 {
      log("genrekit: \(summary.failures) of \(audioInputs.count) inputs failed")
      throw ExitCode(1)
    }
  }
}
