import AudioBridge
import AudioFeatures
import Foundation
import Learning
import TabularIO
import TensorIO

extension Compare {
  /// Every model from audio on one split of the tracks: the table models on 30-s and 3-s rows, the
  /// HMMs (diag and full) on 13-MFCC frames and the networks on log-mel spectrograms of the same
  /// 3-s segments.
  func compareAudio() throws {
    prepareHeapForExtraction(jobs: jobs.count)
    let files = InputDiscovery.audioFiles(in: inputs)
    guard !files.isEmpty else { throw CLIFailure.usage("no audio files found in \(inputs.joined(separator: ", "))") }
    let outputs = [("--save-split", saveSplit), ("--save-results", saveResults)].compactMap { name, path in path.map { (name, $0) } }
    try OutputSafety.check(outputs: outputs, inputs: files + splitArguments.files)
    let (examples, diagnostics) = try ExampleSource.loadAudio(files, settings: AudioExamples.Settings(), cache: cache, jobs: jobs.count, quiet: quiet)
    let clips = examples.clipRows
    let segments = examples.segmentRows
    let sequences = examples.mfccSequences
    let spectrograms = examples.logMelSpectrograms
    guard Set(clips.labels).count >= 2 else { throw CLIFailure.usage("the audio inputs hold fewer than two labels (folders)") }

    // One split of the tracks for every row.
    let folds = try splitArguments.folds(of: clips)
    let testTracks = folds.map { Set($0.test.map { clips.groups[$0] }) }
    let splitText = SplitFiles.csv(folds: folds, of: clips)
    if let saveSplit {
      let writer = try AtomicFileWriter(destination: saveSplit)
      writer.write(splitText)
      try writer.commit()
    }

    var candidates: [ComparisonCandidate] = []
    for name in modelNames {
      let kind = ModelRegistry.kind(named: name)!
      switch kind.input {
      case .featureRows:
        let settings = PipelineSettings(model: try kind.settings(seed: splitArguments.seed), pcaComponents: pca)
        candidates.append(.rows(name, input: "30-s rows", settings: settings, data: clips, tracks: clips.sources))
        candidates.append(.rows(name, input: "3-s rows", settings: settings, data: segments, tracks: segments.sources))
      case .frameSequences:
        for covariance in GaussianHMM.Covariance.allCases {
          let settings = try kind.settings(seed: splitArguments.seed, options: ["covariance": covariance.rawValue])
          candidates.append(
            .examples("\(name)-\(covariance.rawValue)", input: "13-MFCC frames of 3-s segments", settings: settings, data: sequences, tracks: sequences.sources))
        }
      case .spectrograms:
        candidates.append(
          .examples(name, input: "128-band log-mel of 3-s segments", settings: try kind.settings(seed: splitArguments.seed), data: spectrograms,
            tracks: spectrograms.sources))
      }
    }
    let failed = diagnostics.filter { $0.level == .error }.count
    let header = [
      "\(files.count) audio files: \(examples.files.count) used (\(clips.count) tracks, \(segments.count) 3-s segments, \(clips.classNames.count) classes: \(clips.classNames.joined(separator: ", ")))"
        + (failed > 0 ? "; \(failed) left out (named above)" : ""),
      "split: \(splitArguments.description), by track; fingerprint xxh64:\(String(xxHash64(Array(splitText.utf8)), radix: 16))",
      "per track: \(TrackVerdicts.rule)",
    ] + Self.partSizes(folds, of: clips)
    if format != .table { for line in header { log("genrekit: \(line)") } }
    let fits = Progress(unit: "fits", quiet: quiet)
    let scores = TrackComparison.run(candidates, testTracks: testTracks, threads: jobs.count) { done, total, candidate in
      fits.update(done: done, total: total, note: candidate)
    }
    fits.interrupt()
    for score in scores { if let failure = score.failure { log("genrekit: \(score.model) on \(score.input) could not be fitted: \(failure)") } }
    for score in scores where score.unconvergedFolds > 0 {
      log("genrekit: warning: \(score.model) on \(score.input) stopped at its iteration limit in \(score.unconvergedFolds) of \(folds.count) folds")
    }
    print(try renderAudio(scores, header: header, classNames: clips.classNames, as: format), terminator: "")
    try save { try renderAudio(scores, header: header, classNames: clips.classNames, as: .json) }
  }

  private func renderAudio(_ scores: [TrackScore], header: [String], classNames: [String], as format: OutputFormat) throws -> String {
    switch format {
    case .csv:
      let columns = [
        "model", "input", "segment_accuracy", "track_accuracy", "track_macro_f1", "fit_seconds", "predict_seconds", "segment_accuracy_std",
        "track_accuracy_std", "track_macro_f1_std",
      ]
      // A candidate that could not be fitted has empty fields (its reason is on stderr).
      let rows = scores.map {
        $0.failure != nil
          ? [$0.model, $0.input] + Array(repeating: "", count: 8)
          : [$0.model, $0.input, "\($0.segmentAccuracy.mean)", "\($0.trackAccuracy.mean)", "\($0.trackMacroF1.mean)", "\($0.fitSeconds)",
             "\($0.predictSeconds)", "\($0.segmentAccuracy.std)", "\($0.trackAccuracy.std)", "\($0.trackMacroF1.std)"]
      }
      return ([columns] + rows).map(CSVFormat.line).joined()
    case .json:
      struct Output: Encodable {
        var inputs: [String]
        var split: String
        var trackVerdict: String
        var classes: [String]
        var models: [TrackScore]
      }
      return try prettyJSON(Output(inputs: header, split: splitArguments.description, trackVerdict: TrackVerdicts.rule, classes: classNames, models: scores)) + "\n"
    case .table:
      func summary(_ s: FoldSummary) -> String { String(format: "%.3f ± %.3f", s.mean, s.std) }
      let table = TextTable(
        header: ["model", "input", "segment acc.", "track acc.", "track macro-F1", "fit s", "predict s"],
        rows: scores.map { score in
          score.failure.map { [score.model, score.input, "not fitted: \($0)"] }
            ?? [score.model, score.input, summary(score.segmentAccuracy), summary(score.trackAccuracy), summary(score.trackMacroF1),
                String(format: "%.2f", score.fitSeconds), String(format: "%.2f", score.predictSeconds)]
        })
      return (header + [""] + table.lines).joined(separator: "\n") + "\n"
    }
  }
}
