import Foundation

/// A segment dataset on disk (`genrekit dataset` writes it; models read it): a folder with
///
///     features.npy    float32, C order: (segments, bands, frames) for log-mel,
///                     (segments, frames, coefficients) for MFCC
///     segments.csv    id,track,segment,label,path, one row per segment in the array's order
///     dataset.json    how the segments were made (`Manifest`)
public enum DatasetDirectory {
  public static let arrayFile = "features.npy"
  public static let indexFile = "segments.csv"
  public static let manifestFile = "dataset.json"
  public static let indexColumns = ["id", "track", "segment", "label", "path"]

  /// How a dataset's segments were made, so that a model trained on it can make its input again
  /// from new audio.
  public struct Manifest: Codable, Equatable, Sendable {
    public var format = "genrekit-dataset"
    public var version = 1
    /// `logmel` or `mfcc`.
    public var representation: String
    /// The MFCC count, for `mfcc`.
    public var mfccCount: Int?
    public var segmentSeconds: Double
    /// `kaggle` (reflect padding) or `librosa`.
    public var compat: String
    /// The array's shape.
    public var shape: [Int]

    /// The manifest file's text (sorted keys, so that equal manifests give equal bytes).
    public var json: String {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self) + "\n"
    }

    /// The header of the array file for `shape`, as long as the header of an empty array of the
    /// same segment shape: a writer reserves that before it knows the segment count.
    public static func arrayHeader(shape: [Int]) -> [UInt8] {
      NumpyArray.float32Header(shape: shape, length: NumpyArray.float32Header(shape: [0] + shape.dropFirst()).count)
    }

    public init(representation: String, mfccCount: Int?, segmentSeconds: Double, compat: String, shape: [Int]) {
      self.representation = representation
      self.mfccCount = mfccCount
      self.segmentSeconds = segmentSeconds
      self.compat = compat
      self.shape = shape
    }
  }
}
