import TabularIO

/// How a clip is cut into rows: whole, or in fixed-length segments following the Kaggle 3-s rule.
public enum Segmentation: Sendable, Equatable {
  case wholeClip
  /// Segments of `L = seconds · 22050` hop: segment i is samples `[i·L, i·L + L − 1)`, present only
  /// when `(i + 1)·L < N`. For 3 s (L = 66150) this reproduces `features_3_sec.csv` exactly,
  /// including its 66149-sample segments and 9 rows for clips of ≤ 661500 samples.
  case segments(stride: Int)

  /// `nil` when the length is not a positive number of seconds giving segments of at least 2 samples.
  public init?(segmentSeconds: Double?) {
    guard let seconds = segmentSeconds else {
      self = .wholeClip
      return
    }
    // Longer than a year of audio is certainly a typo (and would overflow the sample count).
    guard seconds.isFinite, seconds > 0, seconds < 365 * 86_400 else { return nil }
    let stride = Int((seconds * Double(Framing.sampleRate)).rounded())
    guard stride >= 2 else { return nil }
    self = .segments(stride: stride)
  }

  /// Row names and sample ranges for a clip of `count` samples named `fileName` (`stem.ext`).
  public func pieces(sampleCount count: Int, fileName: String) -> [(name: String, range: Range<Int>)] {
    switch self {
    case .wholeClip:
      return [(fileName, 0..<count)]
    case .segments(let stride):
      var pieces: [(String, Range<Int>)] = []
      var i = 0
      while (i + 1) * stride < count {
        pieces.append((SegmentName.name(ofSegment: i, of: fileName), (i * stride)..<(i * stride + stride - 1)))
        i += 1
      }
      return pieces
    }
  }
}
