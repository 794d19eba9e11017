import Foundation
import TabularIO

/// One audio file to extract, with the label its rows get.
public struct AudioInput: Sendable, Equatable {
  public var path: String
  public var label: String
  public var fileName: String { PathName.lastComponent(of: path) }

  public init(path: String, label: String) {
    self.path = path
    self.label = label
  }
}

/// One CSV row: a clip or segment name, its features and its label.
public struct FeatureRow: Sendable, Equatable {
  public var name: String
  public var features: ClipFeatures
  public var label: String

  /// Fields in `FeatureSchema.columns` order; numbers as shortest round-trip decimals.
  public var csvFields: [String] {
    var fields = [name, String(features.length)]
    fields += features.numericValues.dropFirst().map { $0.description }
    fields.append(label)
    return fields
  }
}

/// Finds the audio files among command-line inputs.
public enum InputDiscovery {
  /// Extensions searched for inside directories (case-insensitive).
  public static let audioExtensions: Set<String> = ["wav", "au", "aiff", "aif", "flac", "ogg", "mp3"]

  /// Directories are searched recursively for files with an audio extension; a path that is not a
  /// directory is taken as it is, whatever its extension, and fails later if it is not audio.
  /// The result is sorted by path, without duplicates.
  public static func audioFiles(in paths: [String]) -> [String] {
    var files = Set<String>()
    for path in paths {
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
        let root = URL(fileURLWithPath: path)
        guard let walker = FileManager.default.enumerator(atPath: path) else { continue }
        for case let relative as String in walker
        where audioExtensions.contains(PathName.fileExtension(of: relative).lowercased()) {
          let full = root.appendingPathComponent(relative).path
          // Broken links are kept, so that they are reported rather than silently skipped.
          let exists = FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory)
          if !(exists && isDirectory.boolValue) { files.insert(full) }
        }
      } else {
        files.insert(path)
      }
    }
    return files.sorted()
  }

  /// The default label: the name of the file's parent directory.
  public static func parentDirectoryName(of path: String) -> String {
    let name = PathName.lastComponent(of: PathName.directory(of: path))
    return name.isEmpty || name == "." ? PathName.lastComponent(of: FileManager.default.currentDirectoryPath) : name
  }
}

/// The rows of one file, and the decoder's warning when the file decoded only in part.
public struct ExtractedFile: Sendable, Equatable {
  public var rows: [FeatureRow]
  public var warning: String?
}

/// Decodes and extracts files in parallel; each file gives its rows or the reason it failed.
public struct BatchExtractor: Sendable {
  public var extractor: FeatureExtractor
  public var segmentation: Segmentation

  public init(extractor: FeatureExtractor, segmentation: Segmentation) {
    self.extractor = extractor
    self.segmentation = segmentation
  }

  /// The rows of one file.
  public func rows(for input: AudioInput) throws(AudioDecodingError) -> ExtractedFile {
    let signal = try loadSignal(atPath: input.path)
    let rows = segmentation.pieces(sampleCount: signal.samples.count, fileName: input.fileName).map { piece in
      FeatureRow(name: piece.name, features: extractor.features(of: Array(signal.samples[piece.range])), label: input.label)
    }
    return ExtractedFile(rows: rows, warning: signal.warning)
  }

  /// Extracts every input on `jobs` threads; `deliver` is called on the caller's thread in input
  /// order, whatever the number of threads.
  public func run(
    _ inputs: [AudioInput], jobs: Int,
    deliver: (Int, Result<ExtractedFile, AudioDecodingError>) -> Void
  ) {
    orderedParallelMap(
      count: inputs.count, jobs: jobs,
      work: { index in Result { () throws(AudioDecodingError) in try self.rows(for: inputs[index]) } },
      deliver: deliver)
  }
}
