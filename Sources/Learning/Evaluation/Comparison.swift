import Foundation

/// One model's results over every fold of a split.
public struct ModelScore: Sendable, Codable, Equatable {
  public var model: String
  public var accuracy: FoldSummary
  public var macroF1: FoldSummary
  /// Summed over folds, measured in this process.
  public var fitSeconds: Double
  public var predictSeconds: Double
  /// Folds whose fit stopped at its iteration limit.
  public var unconvergedFolds: Int
  public var folds: [ClassificationReport]
}

/// Fits and scores pipelines on the same folds: the one split logic behind every comparison.
public enum Comparison {
  /// `progress` is told after each fit: the fits done, of every model on every fold, and the model.
  public static func run(
    _ pipelines: [(name: String, settings: PipelineSettings)], on dataset: Dataset, folds: [SplitFold], threads: Int,
    progress: ((_ done: Int, _ total: Int, _ model: String) -> Void)? = nil
  ) throws(LearningError) -> [ModelScore] {
    var scores: [ModelScore] = []
    for (name, settings) in pipelines {
      var reports: [ClassificationReport] = []
      var fitSeconds = 0.0
      var predictSeconds = 0.0
      var unconverged = 0
      for fold in folds {
        // Validation rows join training: no model here takes a predefined validation set.
        let train = dataset.subset(fold.trainingRows)
        let test = dataset.subset(fold.test)
        let fitStart = DispatchTime.now()
        let fitted = try settings.fit(train, threads: threads)
        if fitted.model.convergenceWarning != nil { unconverged += 1 }
        let predictStart = DispatchTime.now()
        let predicted = try fitted.predict(test, threads: threads)
        let end = DispatchTime.now()
        fitSeconds += seconds(fitStart, predictStart)
        predictSeconds += seconds(predictStart, end)
        reports.append(ClassificationReport(truth: test.labels, predicted: predicted, classCount: dataset.classNames.count))
        progress?(scores.count * folds.count + reports.count, pipelines.count * folds.count, name)
      }
      scores.append(
        ModelScore(
          model: name, accuracy: FoldSummary(reports.map(\.accuracy)), macroF1: FoldSummary(reports.map(\.macroF1)),
          fitSeconds: fitSeconds, predictSeconds: predictSeconds, unconvergedFolds: unconverged, folds: reports))
    }
    return scores
  }

  static func seconds(_ start: DispatchTime, _ end: DispatchTime) -> Double {
    Double(end.uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
  }
}
