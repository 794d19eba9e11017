import Foundation
import Learning
import TabularIO
import TensorIO

/// What a model command reads: a feature table, or a segment dataset directory written by
/// `genrekit dataset`.
enum ExampleSource {
  case table(LoadedTable)
  case dataset(SegmentDataset)

  /// A dataset when `path` is a dataset directory, else a table read with `options` (how it was
  /// read is said on stderr).
  static func read(_ path: String, options: Learning.TableOptions) throws -> ExampleSource {
    if SegmentDataset.isDataset(path) {
      let dataset = try SegmentDataset.read(directory: path)
      log("genrekit: \(path): \(dataset.count) segments of \(Set(dataset.tracks).count) tracks, \(dataset.description.summary), \(dataset.classNames.count) classes")
      return .dataset(dataset)
    }
    return .table(try TableArguments.read(path, options: options))
  }

  /// The files `path` names: a table, or a dataset directory's files.
  static func files(of path: String) -> [String] {
    guard SegmentDataset.isDataset(path) else { return [path] }
    return [DatasetDirectory.arrayFile, DatasetDirectory.indexFile, DatasetDirectory.manifestFile].map { PathName.joining(path, $0) }
  }
}
