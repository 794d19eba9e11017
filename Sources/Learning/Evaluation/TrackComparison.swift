import Foundation

/// One model on one kind of input, to be compared with others on the same tracks.
public struct ComparisonCandidate: Sendable {
  public var model: String
  /// What the model reads, in words (`30-s rows`, `13-MFCC frames of 3-s segments`).
  public var input: String
  /// Each example's track.
  public let tracks: [String]
  public let labels: [Int]
  public let classCount: Int
  /// A fitted candidate: its model, and how it predicts examples (their classes and their track
  /// tie-break scores).
  struct Fitted {
    let model: any FittedModel
    let predict: (_ test: [Int], _ threads: Int) throws(LearningError) -> (predicted: [Int], scores: Matrix)
  }

  let fit: @Sendable (_ train: [Int], _ threads: Int) throws(LearningError) -> Fitted

  /// A model of table rows, with its preprocessing fitted on each fold's training part.
  public static func rows(_ model: String, input: String, settings: PipelineSettings, data: Dataset, tracks: [String]) -> ComparisonCandidate {
    ComparisonCandidate(model: model, input: input, tracks: tracks, labels: data.labels, classCount: data.classNames.count) { train, threads throws(LearningError) in
      let pipeline = try settings.fit(data.subset(train), threads: threads)
      return Fitted(model: pipeline.model) { test, threads throws(LearningError) in
        let probabilities = try pipeline.probabilities(data.subset(test), threads: threads)
        return (argmaxPerRow(probabilities), probabilities)
      }
    }
  }

  /// A model of frame sequences or spectrograms.
  public static func examples(_ model: String, input: String, settings: any ModelSettings, data: TrainingData, tracks: [String]) -> ComparisonCandidate {
    ComparisonCandidate(model: model, input: input, tracks: tracks, labels: data.labels, classCount: data.classCount) { train, threads throws(LearningError) in
      let fitted = try settings.fit(data.subset(train), threads: threads, progress: nil)
      return Fitted(model: fitted) { test, threads throws(LearningError) in
        let testInput = data.input.selecting(test)
        return (try fitted.predict(testInput, threads: threads), try fitted.segmentScores(testInput, threads: threads))
      }
    }
  }
}

/// A candidate's results over the folds: per segment and per track.
public struct TrackScore: Sendable, Codable, Equatable {
  public var model: String
  public var input: String
  public var segmentAccuracy: FoldSummary
  public var trackAccuracy: FoldSummary
  public var trackMacroF1: FoldSummary
  public var fitSeconds: Double
  public var predictSeconds: Double
  public var unconvergedFolds: Int
  /// Why the candidate could not be fitted on some fold (its scores are then empty).
  public var failure: String?
  /// Per fold: the segment-level and the track-level report.
  public var segmentReports: [ClassificationReport]
  public var trackReports: [ClassificationReport]
}

/// Every candidate on the same split of tracks: the split unit is the track, whatever a model
/// reads, so the segments of a song never straddle training and test, and every row of the
/// comparison uses the same tracks on each side.
public enum TrackComparison {
  /// A candidate that cannot be fitted on a fold (too few examples for its settings) gets its
  /// reason instead of scores; the others still run.
  /// - Parameters:
  ///   - folds: per fold, the test tracks; the other tracks of a candidate's examples train.
  ///   - progress: told after each fit, with the fits done of all, and the candidate.
  public static func run(
    _ candidates: [ComparisonCandidate], testTracks folds: [Set<String>], threads: Int,
    progress: ((_ done: Int, _ total: Int, _ candidate: String) -> Void)? = nil
  ) -> [TrackScore] {
    candidates.enumerated().map { c, candidate in
      do {
        return try score(candidate, testTracks: folds, threads: threads) { f in
          progress?(c * folds.count + f + 1, candidates.count * folds.count, "\(candidate.model) on \(candidate.input)")
        }
      } catch {
        let empty = FoldSummary([])
        return TrackScore(
          model: candidate.model, input: candidate.input, segmentAccuracy: empty, trackAccuracy: empty, trackMacroF1: empty,
          fitSeconds: 0, predictSeconds: 0, unconvergedFolds: 0, failure: "\(error)", segmentReports: [], trackReports: [])
      }
    }
  }

  static func score(
    _ candidate: ComparisonCandidate, testTracks folds: [Set<String>], threads: Int, foldDone: (Int) -> Void
  ) throws(LearningError) -> TrackScore {
    var segmentReports: [ClassificationReport] = []
    var trackReports: [ClassificationReport] = []
    var (fitSeconds, predictSeconds, unconverged) = (0.0, 0.0, 0)
    for (f, testTracks) in folds.enumerated() {
      let test = candidate.tracks.indices.filter { testTracks.contains(candidate.tracks[$0]) }
      let train = candidate.tracks.indices.filter { !testTracks.contains(candidate.tracks[$0]) }
      guard !test.isEmpty, !train.isEmpty else { throw .invalidSplit("fold \(f + 1) leaves \(candidate.input) without a training or test part") }
      let start = DispatchTime.now()
      let fitted = try candidate.fit(train, threads)
      let predictStart = DispatchTime.now()
      let result = try fitted.predict(test, threads)
      fitSeconds += Comparison.seconds(start, predictStart)
      predictSeconds += Comparison.seconds(predictStart, DispatchTime.now())
      if fitted.model.convergenceWarning != nil { unconverged += 1 }
      let truth = test.map { candidate.labels[$0] }
      segmentReports.append(ClassificationReport(truth: truth, predicted: result.predicted, classCount: candidate.classCount))
      let verdicts = TrackVerdicts(tracks: test.map { candidate.tracks[$0] }, predictions: result.predicted, scores: result.scores)
      trackReports.append(
        ClassificationReport(truth: verdicts.segments.map { truth[$0[0]] }, predicted: verdicts.classes, classCount: candidate.classCount))
      foldDone(f)
    }
    return TrackScore(
      model: candidate.model, input: candidate.input, segmentAccuracy: FoldSummary(segmentReports.map(\.accuracy)),
      trackAccuracy: FoldSummary(trackReports.map(\.accuracy)), trackMacroF1: FoldSummary(trackReports.map(\.macroF1)),
      fitSeconds: fitSeconds, predictSeconds: predictSeconds, unconvergedFolds: unconverged, failure: nil, segmentReports: segmentReports,
      trackReports: trackReports)
  }
}
