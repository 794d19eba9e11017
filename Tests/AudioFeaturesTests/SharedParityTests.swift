import AudioFeatures
import Foundation
import Testing

/// Parity with the real Kaggle tables and the synthetic librosa references in `../shared`.
/// Bar: every column within 1e-4 of its std over the Kaggle table (float32 rounding is ~1e-6);
/// `length` and `tempo` equal.
@Suite(.enabled(if: SharedData.exists("data/gtzan/audio"), "needs ../shared/data/gtzan (real GTZAN audio and tables)"))
struct KaggleTableParityTests {
  @Test func thirtySecondTableOnEveryClip() throws {
    let paths = InputDiscovery.audioFiles(in: [SharedData.path("data/gtzan/audio")])
    #expect(paths.count == 29)
    let rows = try extractRows(paths)
    expectParity(
      rows, reference: try ReferenceTable(path: SharedData.path("data/gtzan/features_30_sec.csv")),
      spread: .thirtySeconds, tolerance: 1e-4)
  }

  /// The classical, jazz and rock clips (WAV and FLAC) against the 3-s table; tempo equal on at
  /// least 99 % of segments.
  @Test func threeSecondTableOnClassicalJazzRock() throws {
    let genres = ["classical", "jazz", "rock"]
    let paths = InputDiscovery.audioFiles(
      in: genres.map { SharedData.path("data/gtzan/audio/\($0)") }
        + genres.map { SharedData.path("data/gtzan/audio-flac/\($0)") })
    let rows = try extractRows(paths, segmentSeconds: 3)
    let result = expectParity(
      rows,
      reference: try ReferenceTable(path: SharedData.path("data/gtzan/features_3_sec_subset_classical_jazz_rock.csv")),
      spread: .threeSeconds, tolerance: 1e-4, exactTempo: false)
    #expect(result.compared > 1000)
    #expect(Double(result.tempoMismatches) <= 0.01 * Double(result.compared))
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
      spread: .thirtySeconds, tolerance: 1e-4)
  }

  @Test func kaggleThreeSecondSegments() throws {
    expectParity(
      try extractRows(paths, segmentSeconds: 3),
      reference: try ReferenceTable(path: SharedData.path("data/synthetic/reference_features_3sec_kaggle_v07.csv")),
      spread: .threeSeconds, tolerance: 1e-4)
  }

  @Test func librosaDefaults() throws {
    expectParity(
      try extractRows(paths, mode: .librosa),
      reference: try ReferenceTable(path: SharedData.path("data/synthetic/reference_features.csv")),
      spread: .thirtySeconds, tolerance: 1e-4)
  }

  @Test func resampledFrom44100() throws {
    expectParity(
      try extractRows([SharedData.path("data/synthetic/resample/mix_chord_clicks_100bpm_44100.wav")]),
      reference: try ReferenceTable(path: SharedData.path("data/synthetic/resample/reference_features_kaggle_v07.csv")),
      spread: .thirtySeconds, tolerance: 1e-3)
  }
}
