import AudioFeatures
import Foundation
import TabularIO
import Testing

import TensorIO

/// `genrekit dataset`'s arrays against librosa 0.11 (pad_mode='reflect'), from references in
/// Fixtures/dataset (generate_dataset.py): log-mel within 1e-3 dB everywhere, MFCC within 1e-4 of
/// each coefficient's std over the 120 FLAC clips.
@Suite struct DatasetTests {
  /// Writes the dataset of `paths` and reads its array back.
  func dataset(_ paths: [String], _ representation: Representation) throws -> (array: NumpyArray, index: [String]) {
    let directory = try temporaryDirectory().path
    let job = SegmentDatasetJob(directory: directory, representation: representation, segmentSeconds: 3, jobs: 2)
    let summary = try job.run(paths.map { AudioInput(path: $0, label: "fixture") })
    #expect(summary.failures == 0 && summary.written)
    let array = try NumpyArray(serialized: [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/features.npy"))))
    let index = try String(contentsOfFile: directory + "/segments.csv", encoding: .utf8).split(separator: "\n").map(String.init)
    return (array, index)
  }

  var mfccStd: [Double] {
    get throws {
      let url = URL(fileURLWithPath: Fixtures.path("dataset/mfcc_std.json"))
      return try JSONDecoder().decode([String: [Double]].self, from: Data(contentsOf: url))["13"]!
    }
  }

  func reference(_ name: String) throws -> NumpyArray {
    try NumpyArray(serialized: [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path("dataset/\(name).npy")))))
  }

  /// `segments` segments of the clip against its reference arrays (log-mel: the first and last).
  func expectParity(clip path: String, name: String, segments: Int) throws {
    let logMel = try dataset([path], .logMel)
    #expect(logMel.array.shape == [segments, 128, 130])
    let expected = try reference("\(name).logmel")
    let size = 128 * 130
    for (r, segment) in [0, segments - 1].enumerated() {
      let ours = logMel.array.values[(segment * size)..<((segment + 1) * size)]
      let theirs = expected.values[(r * size)..<((r + 1) * size)]
      #expect(maxAbsDifference(ours, theirs) <= 1e-3, "\(name) segment \(segment) log-mel")
    }
    let mfcc = try dataset([path], .mfcc(count: 13))
    #expect(mfcc.array.shape == [segments, 130, 13])
    let std = try mfccStd
    let reference = try reference("\(name).mfcc13")
    var worst = 0.0
    for (i, (ours, theirs)) in zip(mfcc.array.values, reference.values).enumerated() {
      worst = max(worst, abs(Double(ours) - Double(theirs)) / std[i % 13])
    }
    #expect(worst <= 1e-4, "\(name) MFCC: \(worst) of the coefficient's std")
  }

  @Test func committedThirtySecondClip() throws {
    try expectParity(clip: Fixtures.path("full-length/mix_30s.flac"), name: "mix_30s", segments: 9)
  }

  @Test(.enabled(if: SharedData.exists("data/gtzan/audio-flac"), "needs ../shared/data/gtzan/audio-flac (real GTZAN clips)"))
  func realClipsOfEachGenre() throws {
    for genre in ["classical", "jazz", "rock"] {
      try expectParity(clip: SharedData.path("data/gtzan/audio-flac/\(genre)/\(genre).00000.flac"), name: "\(genre).00000", segments: 10)
    }
  }

  /// The index names each segment as extract does, in the array's order, with its track.
  @Test func indexFollowsTheArray() throws {
    let paths = Fixtures.signalPaths
    let (array, index) = try dataset(paths, .mfcc(count: 20))
    let expectedIds = try paths.flatMap { path in
      try extractRows([path], segmentSeconds: 3).map(\.name)
    }
    #expect(index.first == "id,track,segment,label,path")
    #expect(index.dropFirst().map { String($0.split(separator: ",")[0]) } == expectedIds)
    #expect(array.shape == [expectedIds.count, 130, 20])
    #expect(index[1].hasPrefix("clicks_120bpm.0.wav,clicks_120bpm,0,fixture,"))
    // One STFT serves every representation: the summary of a segment equals extract's row.
    let signal = try loadSignal(atPath: paths[0]).samples
    let analysis = FrameAnalysis(signal: Array(signal[0..<66_149]))
    #expect(analysis.summary == FeatureExtractor().features(of: Array(signal[0..<66_149])))
    #expect(analysis.mfcc(count: 20).values.count == 20 * 130 && analysis.chroma.rows == 12)
  }
}
