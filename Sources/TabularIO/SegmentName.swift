/// The one rule for naming the segments of a clip in GenreKit's tables and datasets (the Kaggle
/// tables' rule): segment 3 of `blues.00000.wav` (or `.flac`) is `blues.00000.3.wav`, and it
/// belongs to track `blues.00000`. `extract` and `dataset` write names with it; tables, split
/// lists and per-track verdicts read them back with it.
public struct SegmentName: Sendable, Equatable {
  /// The track (the clip's file name without folder and extension).
  public var track: String
  /// The segment index, or nil for a whole clip.
  public var segment: Int?

  public init(track: String, segment: Int?) {
    self.track = track
    self.segment = segment
  }

  /// Segment `index` of the file `fileName` (a path or a name).
  public init(segment index: Int, of fileName: String) {
    self.init(track: Self.stem(of: PathName.lastComponent(of: fileName)), segment: index)
  }

  /// The row name: `track.<segment>.wav`, or the track for a whole clip.
  public var id: String { segment.map { "\(track).\($0).wav" } ?? track }

  /// The name of segment `index` of the file `fileName`.
  public static func name(ofSegment index: Int, of fileName: String) -> String {
    SegmentName(segment: index, of: fileName).id
  }

  /// Reads a row name: `blues.00000.3.wav` → track `blues.00000`, segment 3; `blues.00000.wav`,
  /// `blues.00000.au` and `blues/blues.00000.wav` (a split list) → track `blues.00000`. A name
  /// of two parts (`x.0.wav`) is read as a whole track, as the GTZAN names need; where a segment
  /// is known, name it with `init(segment:of:)` rather than read it back.
  public init(parsing name: String) {
    var parts = PathName.lastComponent(of: name).split(separator: ".", omittingEmptySubsequences: false)
    if parts.count > 1, let last = parts.last, Double(last) == nil { parts.removeLast() }  // the extension
    var segment: Int?
    if parts.count > 2, let last = parts.last, !last.isEmpty, last.allSatisfy({ $0.isASCII && $0.isNumber }) {
      segment = Int(last)
      parts.removeLast()
    }
    self.init(track: parts.joined(separator: "."), segment: segment)
  }

  static func stem(of fileName: String) -> String {
    guard let dot = fileName.lastIndex(of: "."), dot != fileName.startIndex else { return fileName }
    return String(fileName[..<dot])
  }
}
