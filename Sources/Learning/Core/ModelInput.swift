/// The kind of input a model reads.
public enum InputKind: String, Sendable, Codable, CaseIterable {
  /// One row of numbers per example (a feature table).
  case featureRows = "feature-rows"
  /// A sequence of frames per example, each frame a vector of coefficients (MFCC frames).
  case frameSequences = "frame-sequences"
  /// A fixed-shape bands × frames image per example (a log-mel spectrogram).
  case spectrograms
}

/// The examples a model reads, of one of the input kinds.
public enum ModelInput: Sendable, Equatable {
  case rows(Matrix)
  case sequences(FrameSequences)
  case spectrograms(Spectrograms)

  public var kind: InputKind {
    switch self {
    case .rows: return .featureRows
    case .sequences: return .frameSequences
    case .spectrograms: return .spectrograms
    }
  }

  public var count: Int {
    switch self {
    case .rows(let x): return x.rows
    case .sequences(let s): return s.count
    case .spectrograms(let s): return s.count
    }
  }

  /// The examples at `indices`, in that order.
  public func selecting(_ indices: [Int]) -> ModelInput {
    switch self {
    case .rows(let x): return .rows(x.selecting(rows: indices))
    case .sequences(let s): return .sequences(s.selecting(indices))
    case .spectrograms(let s): return .spectrograms(s.selecting(indices))
    }
  }
}

/// Frame sequences of possibly different lengths, stored end to end: sequence i is frames
/// `offsets[i] ..< offsets[i + 1]`, each `coefficients` values (frame-major, as librosa's `.T`).
public struct FrameSequences: Sendable, Equatable {
  public let coefficients: Int
  /// Frame-major values of every frame of every sequence.
  public let values: [Double]
  /// Frame offsets, `count + 1` of them, from 0.
  public let offsets: [Int]

  public init(coefficients: Int, values: [Double], offsets: [Int]) {
    precondition(offsets.first == 0 && offsets.last.map { $0 * coefficients } == values.count, "offsets must cover the values")
    self.coefficients = coefficients
    self.values = values
    self.offsets = offsets
  }

  /// Sequences given one by one (each frames × coefficients).
  public init(_ sequences: [Matrix], coefficients: Int) {
    var values: [Double] = []
    var offsets = [0]
    for sequence in sequences {
      precondition(sequence.columns == coefficients, "every sequence has the same coefficients")
      values += sequence.values
      offsets.append(offsets.last! + sequence.rows)
    }
    self.init(coefficients: coefficients, values: values, offsets: offsets)
  }

  public var count: Int { offsets.count - 1 }
  public var frameCount: Int { offsets.last! }

  /// Sequence i as a frames × coefficients matrix.
  public func sequence(_ i: Int) -> Matrix {
    Matrix(rows: offsets[i + 1] - offsets[i], columns: coefficients, values: Array(values[(offsets[i] * coefficients)..<(offsets[i + 1] * coefficients)]))
  }

  /// Every frame of every sequence, one row each.
  public var allFrames: Matrix { Matrix(rows: frameCount, columns: coefficients, values: values) }

  public func selecting(_ indices: [Int]) -> FrameSequences {
    FrameSequences(indices.map(sequence), coefficients: coefficients)
  }
}

/// Examples of one fixed shape `bands × frames` (float32, row-major per example).
public struct Spectrograms: Sendable, Equatable {
  public let bands: Int
  public let frames: Int
  public let values: [Float]

  public init(bands: Int, frames: Int, values: [Float]) {
    precondition(bands * frames > 0 && values.count % (bands * frames) == 0, "values must fill whole examples")
    self.bands = bands
    self.frames = frames
    self.values = values
  }

  public var count: Int { values.count / (bands * frames) }

  public func selecting(_ indices: [Int]) -> Spectrograms {
    let size = bands * frames
    var out = [Float]()
    out.reserveCapacity(indices.count * size)
    for i in indices { out += values[(i * size)..<((i + 1) * size)] }
    return Spectrograms(bands: bands, frames: frames, values: out)
  }
}

/// What a model is fitted on: its input, a class for each example, each example's group (the
/// split unit, e.g. a track or an artist) so that a model that holds out a validation part draws
/// it by group, and each example's source (the track it comes from).
public struct TrainingData: Sendable {
  public var input: ModelInput
  /// Indices into `0 ..< classCount`.
  public var labels: [Int]
  public var classCount: Int
  public var groups: [String]
  /// Default: the group.
  public var sources: [String]

  public init(input: ModelInput, labels: [Int], classCount: Int, groups: [String]? = nil, sources: [String]? = nil) {
    self.input = input
    self.labels = labels
    self.classCount = classCount
    self.groups = groups ?? labels.indices.map { "row \($0 + 1)" }
    self.sources = sources ?? self.groups
  }

  public var count: Int { labels.count }

  public func subset(_ indices: [Int]) -> TrainingData {
    TrainingData(
      input: input.selecting(indices), labels: indices.map { labels[$0] }, classCount: classCount, groups: indices.map { groups[$0] },
      sources: indices.map { sources[$0] })
  }
}
