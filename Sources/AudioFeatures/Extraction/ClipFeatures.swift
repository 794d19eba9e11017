/// Mean and population variance (ddof = 0) of one frame-wise feature.
public struct MeanVariance: Sendable, Equatable {
  public var mean: Double
  public var variance: Double

  /// Two-pass, accumulated in Double (numpy accumulates float32 pairwise; the two agree to ~1e-7).
  public init<T: BinaryFloatingPoint>(_ values: [T]) {
    self = values.withUnsafeBufferPointer { v in MeanVariance(count: v.count) { Double(v[$0]) } }
  }

  /// Of `value(0) … value(count − 1)`, for values computed on demand instead of stored.
  init(count: Int, _ value: (Int) -> Double) {
    guard count > 0 else {
      self.init(mean: 0, variance: 0)
      return
    }
    let mean = interleavedSum(count, value) / Double(count)
    let squares = interleavedSum(count) { (value($0) - mean) * (value($0) - mean) }
    self.init(mean: mean, variance: squares / Double(count))
  }

  public init(mean: Double, variance: Double) {
    self.mean = mean
    self.variance = variance
  }

  /// Rounded to float32, the precision librosa keeps for float32 features.
  var float32Rounded: MeanVariance {
    MeanVariance(mean: Double(Float(mean)), variance: Double(Float(variance)))
  }
}

/// The 57 numeric GTZAN features of one clip or segment, in the Kaggle tables' column order.
public struct ClipFeatures: Sendable, Equatable {
  public var length: Int
  public var chroma: MeanVariance
  public var rms: MeanVariance
  public var spectralCentroid: MeanVariance
  public var spectralBandwidth: MeanVariance
  public var rolloff: MeanVariance
  public var zeroCrossingRate: MeanVariance
  public var harmonic: MeanVariance
  public var percussive: MeanVariance
  public var tempo: Double
  public var mfcc: [MeanVariance]

  /// The numeric columns `length … mfcc20_var`, as in `FeatureSchema.numericColumns`.
  public var numericValues: [Double] {
    var values: [Double] = [Double(length)]
    for pair in [chroma, rms, spectralCentroid, spectralBandwidth, rolloff, zeroCrossingRate, harmonic, percussive] {
      values += [pair.mean, pair.variance]
    }
    values.append(tempo)
    for pair in mfcc { values += [pair.mean, pair.variance] }
    return values
  }
}

/// The Kaggle GTZAN CSV schema: `filename`, 57 numeric columns, `label`.
public enum FeatureSchema {
  public static let numericColumns: [String] =
    ["length"]
    + [
      "chroma_stft", "rms", "spectral_centroid", "spectral_bandwidth", "rolloff",
      "zero_crossing_rate", "harmony", "perceptr",
    ].flatMap { ["\($0)_mean", "\($0)_var"] }
    + ["tempo"]
    + (1...MFCC.coefficientCount).flatMap { ["mfcc\($0)_mean", "mfcc\($0)_var"] }

  public static let columns = ["filename"] + numericColumns + ["label"]
}
