import Foundation
import Testing

/// The `genrekit dataset` contract: files, shapes, index columns, bad inputs, outputs.
@Suite struct DatasetCommandTests {
  @Test func writesTheArrayIndexAndManifest() throws {
    let root = try ExtractCommandTests().clipDirectory()
    #expect(FileManager.default.createFile(atPath: root.appendingPathComponent("genre/notes.wav").path, contents: Data("text".utf8)))
    let output = root.appendingPathComponent("mfcc")
    let errors = root.appendingPathComponent("errors.csv")
    let result = try GenreKitBinary.run([
      "dataset", root.path, "--representation", "mfcc", "--mfcc-count", "20", "--output", output.path, "--errors", errors.path, "--quiet",
    ])
    #expect(result.status == 1, "\(result.standardError)")
    #expect(result.standardError.contains("notes.wav: cannot decode audio"))
    #expect(result.standardError.contains("wrote 4 segments of 2 files"))
    let array = try Data(contentsOf: output.appendingPathComponent("features.npy"))
    #expect(String(decoding: array.prefix(128).dropFirst(10), as: UTF8.self).hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 130, 20), }"))
    #expect(array.count == 128 + 4 * 130 * 20 * 4)
    let index = try readLines(output.appendingPathComponent("segments.csv"))
    #expect(index.first == "id,track,segment,label,path" && index.count == 5)
    #expect(index[1].hasPrefix("clicks_120bpm.0.wav,clicks_120bpm,0,genre,"))
    #expect(index[4].hasPrefix("white_noise.1.wav,white_noise,1,genre,"))
    let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("dataset.json"))) as! [String: Any]
    #expect(manifest["representation"] as? String == "mfcc" && manifest["mfccCount"] as? Int == 20)
    #expect(manifest["shape"] as? [Int] == [4, 130, 20] && manifest["segmentSeconds"] as? Double == 3)
    #expect(try readLines(errors).count == 2)
  }

  @Test func logMelShapeAndBadArguments() throws {
    let root = try ExtractCommandTests().clipDirectory()
    let output = root.appendingPathComponent("logmel")
    #expect(try GenreKitBinary.run(["dataset", root.path, "--representation", "logmel", "--output", output.path]).status == 0)
    let header = try Data(contentsOf: output.appendingPathComponent("features.npy")).prefix(128)
    #expect(String(decoding: header, as: UTF8.self).contains("'shape': (4, 128, 130)"))
    for (arguments, message) in [
      (["--representation", "logmel", "--mfcc-count", "13"], "--mfcc-count goes with --representation mfcc"),
      (["--representation", "mfcc", "--mfcc-count", "0"], "between 1 and 128"),
      (["--representation", "spectrum"], "spectrum"),
    ] {
      let result = try GenreKitBinary.run(["dataset", root.path, "--output", output.path] + arguments)
      #expect(result.status == 2 && result.standardError.contains(message), "\(result.standardError)")
    }
  }
}
