/// A model the training loop trains: one optimiser step per batch, an evaluation in inference
/// mode, and copies of its weights to keep the best epoch's.
protocol Trainee {
  associatedtype Snapshot
  /// One optimiser step on the training examples `rows`: the batch's mean loss (with any
  /// penalty) and how many of its examples the model got right before the step.
  mutating func step(_ rows: [Int], generator: inout SeededGenerator) -> (loss: Double, correct: Int)
  /// Mean loss and accuracy on `rows`, in inference mode.
  func evaluate(_ rows: [Int]) -> (loss: Double, accuracy: Double)
  var snapshot: Snapshot { get }
  mutating func restore(_ snapshot: Snapshot)
}

/// When training stops.
enum StoppingRule: Sendable, Equatable {
  /// Every epoch runs.
  case epochLimit
  /// scikit-learn's `MLPClassifier`: after more than `patience` epochs in a row whose training
  /// loss is not below the best by `tolerance`.
  case trainingLoss(tolerance: Double, patience: Int)
  /// scikit-learn's `early_stopping=True`: the same on the validation accuracy (above the best by
  /// `tolerance`); the best accuracy's weights are kept.
  case validationAccuracy(tolerance: Double, patience: Int)
  /// Keras's `EarlyStopping(monitor="val_loss", patience, restore_best_weights=True,
  /// start_from_epoch=firstEpoch - 1)`: after `patience` epochs without a lower validation loss,
  /// counted from epoch `firstEpoch` (1-based); the best loss's weights are kept.
  case validationLoss(patience: Int, firstEpoch: Int)

  var needsValidation: Bool {
    switch self {
    case .epochLimit, .trainingLoss: return false
    case .validationAccuracy, .validationLoss: return true
    }
  }
}

/// What a training run did: every epoch's record, the epoch whose weights were kept, and whether
/// the stopping rule ended it before the epoch limit.
struct TrainingRun: Sendable, Equatable {
  var history: [EpochRecord]
  var bestEpoch: Int
  var stoppedEarly: Bool
}

/// Mini-batch training, written once for every network: each epoch reshuffles the training
/// examples (as `ordering` says, so a seed fixes the order), steps through them in batches,
/// evaluates the validation part, records the epoch, and applies the stopping rule.
struct TrainingLoop: Sendable {
  var epochs: Int
  var batchSize: Int
  var stopping: StoppingRule
  var ordering = EpochOrdering.shuffled

  /// How each epoch orders the training examples.
  enum EpochOrdering: Sendable {
    /// Reshuffled with the run's generator.
    case shuffled
    /// Reshuffled as scikit-learn's MLP does (`sklearn.utils.shuffle` with numpy's `RandomState`),
    /// the state continuing from the one given.
    case numpy(NumpyRandomState)
    /// As given, every epoch: to replay a reference's fixed batch order.
    case fixed
  }

  /// - Throws: `LearningError.nonFiniteResult` when a batch's loss is NaN or infinite (a diverging
  ///   run: a lower learning rate helps), so that no model with NaN weights comes out of a fit.
  func run<Model: Trainee>(
    _ model: inout Model, train: [Int], validation: [Int], generator: inout SeededGenerator, progress: ProgressHandler?
  ) throws(LearningError) -> TrainingRun {
    precondition(!train.isEmpty && (!validation.isEmpty || !stopping.needsValidation), "a validation rule needs validation examples")
    var order = train
    var ordering = self.ordering
    let batch = min(batchSize, train.count)
    let batchesPerEpoch = (train.count + batch - 1) / batch
    var history: [EpochRecord] = []
    // The best score so far (each rule's measure, to maximise), its epoch and, where the rule
    // keeps the best weights, a copy of them.
    var best: (epoch: Int, score: Double)?
    var bestWeights: Model.Snapshot?
    var stalls = 0
    var stoppedEarly = false
    for epoch in 1...epochs {
      switch ordering {
      case .shuffled: order.shuffle(using: &generator)
      case .numpy(var random):
        random.shuffle(&order)
        ordering = .numpy(random)
      case .fixed: break
      }
      var lossSum = 0.0
      var correct = 0
      for (index, start) in stride(from: 0, to: order.count, by: batch).enumerated() {
        let rows = Array(order[start..<min(start + batch, order.count)])
        let result = model.step(rows, generator: &generator)
        guard result.loss.isFinite else {
          throw .nonFiniteResult(
            "the training loss became \(result.loss) in epoch \(epoch) (the run diverged; try a lower learning rate); no weights were kept from it")
        }
        lossSum += result.loss * Double(rows.count)
        correct += result.correct
        progress?((epoch - 1) * batchesPerEpoch + index + 1, epochs * batchesPerEpoch, history.last?.summary ?? "epoch 1")
      }
      var record = EpochRecord(epoch: epoch, trainingLoss: lossSum / Double(order.count), trainingAccuracy: Double(correct) / Double(order.count))
      if !validation.isEmpty {
        let scores = model.evaluate(validation)
        (record.validationLoss, record.validationAccuracy) = (scores.loss, scores.accuracy)
      }
      history.append(record)
      let bestScore = best?.score ?? -.infinity
      func keepIfBest(_ score: Double) {
        guard score > bestScore else { return }
        best = (epoch, score)
        if stopping.needsValidation { bestWeights = model.snapshot }
      }
      switch stopping {
      case .epochLimit: break
      case .trainingLoss(let tolerance, let patience):
        stalls = -record.trainingLoss < bestScore + tolerance ? stalls + 1 : 0
        keepIfBest(-record.trainingLoss)
        stoppedEarly = stalls > patience
      case .validationAccuracy(let tolerance, let patience):
        let accuracy = record.validationAccuracy!
        stalls = accuracy < bestScore + tolerance ? stalls + 1 : 0
        keepIfBest(accuracy)
        stoppedEarly = stalls > patience
      case .validationLoss(let patience, let firstEpoch):
        guard epoch >= firstEpoch else { break }
        let score = -record.validationLoss!
        stalls = score > bestScore ? 0 : stalls + 1
        keepIfBest(score)
        stoppedEarly = stalls >= patience
      }
      if stoppedEarly { break }
    }
    // The training-loss rule keeps the last weights (as scikit-learn); the others the best epoch's.
    if let bestWeights { model.restore(bestWeights) }
    let bestEpoch = stopping.needsValidation ? best?.epoch ?? history.count : history.count
    return TrainingRun(history: history, bestEpoch: bestEpoch, stoppedEarly: stoppedEarly)
  }
}
