import AudioFeatures
import Foundation
import Testing

/// Parity with the real Kaggle tables and the synthetic librosa references in `../shared`.
/// The acceptance bar is 1e-4 of each column's std over the Kaggle table; the tests hold the
/// measured float32-rounding level (1e-5, a few times the worst error seen) so that a regression
/// shows long before the bar; `length` and `tempo` equal on every row.
@Suite(.enabled(if: SharedData.exists("data/gtzan/audio"), "needs ../shared/data/gtzan (real GTZAN audio and tables)"))
struct KaggleTableParityTests {
  @Test func thirtySecondTableOnEveryClip() throws {
    let paths = InputDiscovery.audioFiles(in: [SharedData.path("data/gtzan/audio")])
    #expect(paths.count == 29)
    let rows = try extractRows(paths)
    expectParity(
      rows, reference: try ReferenceTable(path: SharedData.path("data/gtzan/features_30_sec.csv")),
      spread: .thirtySeconds, tolerance: 1e-5, expectedRows: 29)
  }

  /// The classical, jazz and rock clips (WAV and FLAC) against the 3-s table.
  @Test func threeSecondTableOnClassicalJazzRock() throws {
    let genres = ["classical", "jazz", "rock"]
    let paths = InputDiscovery.audioFiles(
      in: genres.map { SharedData.path("data/gtzan/audio/\($0)") }
        + genres.map { SharedData.path("data/gtzan/audio-flac/\($0)") })
    let rows = try extractRows(paths, segmentSeconds: 3)
    expectParity(
      rows,
      reference: try ReferenceTable(path: SharedData.path("data/gtzan/features_3_sec_subset_classical_jazz_rock.csv")),
      spread: .threeSeconds, tolerance: 1e-5, expectedRows: 1306)
  }
}

@Suite(.enabled(if: SharedData.exists("data/synthetic"), "needs ../shared/data/synthetic (librosa references)"))
struct SyntheticReferenceTests {
  var paths: [String] {
    InputDiscovery.audioFiles(in: [SharedData.path("data/synthetic")]).filter { !$0.contains("/resample/") }
  }

  @Test func kaggleWholeClips() throws {
    expectParity(
      try extractRows(paths),
      reference: try ReferenceTable(path: SharedData.path("data/synthetic/reference_features_kaggle_v07.csv")),
      spread: .thirtySeconds, tolerance: 1e-5, expectedRows: 7)
  }

  /// 6 clips of exactly 661500 samples × 9 segments: the reference tool also writes a 10th
  /// segment per clip, which the Kaggle rule ((i + 1)·66150 < N, strictly) leaves out.
  @Test func kaggleThreeSecondSegments() throws {
    expectParity(
      try extractRows(paths, segmentSeconds: 3),
      reference: try ReferenceTable(path: SharedData.path("data/synthetic/reference_features_3sec_kaggle_v07.csv")),
      spread: .threeSeconds, tolerance: 1e-5, expectedRows: 54)
  }

  @Test func librosaDefaults() throws {
    expectParity(
      try extractRows(paths, mode: .librosa),
      reference: try ReferenceTable(path: SharedData.path("data/synthetic/reference_features.csv")),
      spread: .thirtySeconds, tolerance: 1e-5, expectedRows: 7)
  }

  @Test func resampledFrom44100() throws {
    expectParity(
      try extractRows([SharedData.path("data/synthetic/resample/mix_chord_clicks_100bpm_44100.wav")]),
      reference: try ReferenceTable(path: SharedData.path("data/synthetic/resample/reference_features_kaggle_v07.csv")),
      spread: .thirtySeconds, tolerance: 1e-5, expectedRows: 1)
  }
}
