/// A track's class from its segments' predictions: the majority vote of the segments, ties broken
/// by the larger summed score (the segments' class probabilities, or an HMM's log-likelihoods).
public struct TrackVerdicts: Sendable, Equatable {
  /// The tracks, in order of first appearance.
  public var tracks: [String]
  /// Each track's segments (indices into the inputs).
  public var segments: [[Int]]
  /// Each track's class.
  public var classes: [Int]
  /// Each track's classes, best first: by votes, then by summed score.
  public var rankings: [[Int]]

  /// - Parameters:
  ///   - predictions: each segment's class.
  ///   - scores: segments × classes; summed per track to break ties.
  public init(tracks segmentTracks: [String], predictions: [Int], scores: Matrix) {
    var order: [String] = []
    var members: [String: [Int]] = [:]
    for (i, track) in segmentTracks.enumerated() {
      if members[track] == nil { order.append(track) }
      members[track, default: []].append(i)
    }
    tracks = order
    segments = order.map { members[$0]! }
    rankings = segments.map { rows in
      var votes = [Int](repeating: 0, count: scores.columns)
      var sums = [Double](repeating: 0, count: scores.columns)
      for r in rows {
        votes[predictions[r]] += 1
        for c in 0..<scores.columns { sums[c] += scores[r, c] }
      }
      return (0..<scores.columns).sorted { a, b in
        votes[a] != votes[b] ? votes[a] > votes[b] : (sums[a] != sums[b] ? sums[a] > sums[b] : a < b)
      }
    }
    classes = rankings.map { $0[0] }
  }

  /// How ties are broken, in words, for reports.
  public static let rule = "majority vote of the segments, ties broken by the larger summed probability (HMM: summed log-likelihood)"
}
