import Foundation
import TabularIO
import TensorIO

/// A job's inputs split over machines (`--shard i/n`), and the shards' outputs joined into exactly
/// what one run over every input writes (`genrekit merge`).
public enum Sharding {
  /// Shard `index` of `count` (0-based, as `SLURM_ARRAY_TASK_ID` and `JOB_COMPLETION_INDEX` count).
  public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    /// `i/n` with 0 ≤ i < n.
    public init?(_ text: String) {
      let parts = text.split(separator: "/", omittingEmptySubsequences: false)
      guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, count <= 100_000, (0..<count).contains(index) else {
        return nil
      }
      self.index = index
      self.count = count
    }

    public var description: String { "\(index)/\(count)" }

    /// The files (found in `inputs` by `InputDiscovery`) that fall in this shard: those whose
    /// path inside the input folder it was found in (its name, for a file given itself) hashes to
    /// `index` modulo `count`. A file keeps its shard when others are added or removed, and
    /// wherever the tree is mounted on each machine.
    public func select(_ files: [String], inputs: [String]) -> [String] {
      let folders = inputs.map { PathName.absolute($0) + "/" }
      return files.filter { file in
        let path = PathName.absolute(file)
        let key = folders.first(where: path.hasPrefix).map { String(path.dropFirst($0.count)) } ?? PathName.lastComponent(of: path)
        return Int(xxHash64(Array(key.utf8)) % UInt64(count)) == index
      }
    }
  }

  // MARK: Feature tables

  /// Joins feature tables written by `extract --shard` (each with its manifest) into `output`:
  /// every part's rows, ordered by their source file's path as one run orders its inputs, and
  /// one manifest. Returns the rows written.
  public static func mergeTables(_ parts: [String], into output: String) throws(FileError) -> Int {
    struct Source {
      var path: String
      var rows: ArraySlice<CSVRecord>
      var part: String
    }
    var settings: ExtractionSettings?
    var sources: [Source] = []
    for part in parts {
      let manifestPath = ExtractionManifest.path(forTable: part)
      let manifest: ExtractionManifest
      do {
        manifest = try JSONDecoder().decode(ExtractionManifest.self, from: InputFile.contents(of: manifestPath))
      } catch {
        throw FileError(path: part, reason: "its manifest \(manifestPath) is missing or unreadable: merge joins tables written by 'genrekit extract'")
      }
      if let settings, settings != manifest.settings {
        throw FileError(path: part, reason: "was extracted with \(manifest.settings.description); \(parts[0]) with \(settings.description)")
      }
      settings = manifest.settings
      let records: [CSVRecord]
      do {
        records = try CSVReader.read(path: part, delimiter: UInt8(ascii: ","))
      } catch {
        throw FileError(path: part, reason: "\(error)")
      }
      guard records.first?.fields == FeatureSchema.columns else { throw FileError(path: part, reason: "its header is not the GenreKit feature schema") }
      let rows = records.dropFirst()
      if let ragged = rows.first(where: { $0.fields.count != FeatureSchema.columns.count }) {
        throw FileError(path: part, reason: "line \(ragged.line) has \(ragged.fields.count) fields, expected \(FeatureSchema.columns.count)")
      }
      guard manifest.sources.allSatisfy({ $0.rows >= 0 }), manifest.sources.reduce(0, { $0 + $1.rows }) == rows.count else {
        throw FileError(path: part, reason: "has \(rows.count) rows but its manifest accounts for \(manifest.sources.reduce(0) { $0 + max(0, $1.rows) })")
      }
      let directory = PathName.absolute(PathName.directory(of: part))
      var start = rows.startIndex
      for source in manifest.sources {
        sources.append(Source(path: PathName.absolute(source.path, relativeTo: directory), rows: rows[start..<(start + source.rows)], part: part))
        start += source.rows
      }
    }
    try refuseRepeats(sources.map { ($0.path, $0.part) })
    sources.sort { $0.path < $1.path }
    let writer = try AtomicFileWriter(destination: output)
    writer.write(CSVFormat.line(FeatureSchema.columns))
    for source in sources { for row in source.rows { writer.write(CSVFormat.line(row.fields)) } }
    try writer.commit()
    let directory = PathName.absolute(PathName.directory(of: output))
    let manifest = ExtractionManifest(
      settings: settings!, sources: sources.map { .init(path: PathName.relative(from: directory, to: $0.path), rows: $0.rows.count) })
    let manifestWriter = try AtomicFileWriter(destination: ExtractionManifest.path(forTable: output))
    manifestWriter.write(try manifest.json())
    try manifestWriter.commit()
    return sources.reduce(0) { $0 + $1.rows.count }
  }

  // MARK: Segment datasets

  /// Joins dataset directories written by `dataset --shard` into `directory`: every part's
  /// segments, ordered by their source file's path as one run orders its inputs. Returns the
  /// segments written.
  public static func mergeDatasets(_ parts: [String], into directory: String) throws(FileError) -> Int {
    struct Source {
      var path: String
      var lines: [CSVRecord]
      var values: ArraySlice<Float>
      var part: String
    }
    var first: DatasetDirectory.Manifest?
    var sources: [Source] = []
    for part in parts {
      func file(_ name: String) -> String { PathName.joining(part, name) }
      let manifest: DatasetDirectory.Manifest
      do {
        manifest = try JSONDecoder().decode(DatasetDirectory.Manifest.self, from: InputFile.contents(of: file(DatasetDirectory.manifestFile)))
      } catch {
        throw FileError(path: part, reason: "is not a dataset directory of 'genrekit dataset' (no readable \(DatasetDirectory.manifestFile))")
      }
      if let first {
        var same = manifest
        same.shape[0] = first.shape.first ?? 0
        guard same == first else { throw FileError(path: part, reason: "was made with other settings or another shape than \(parts[0])") }
      }
      first = first ?? manifest
      let array: NumpyArray
      do {
        array = try NumpyArray(serialized: InputFile.bytes(of: file(DatasetDirectory.arrayFile)))
      } catch {
        throw FileError(path: file(DatasetDirectory.arrayFile), reason: "\(error)")
      }
      guard array.shape == manifest.shape, array.shape.count == 3 else {
        throw FileError(path: file(DatasetDirectory.arrayFile), reason: "its shape \(array.shape) is not the manifest's \(manifest.shape)")
      }
      let records: [CSVRecord]
      do {
        records = try CSVReader.read(path: file(DatasetDirectory.indexFile), delimiter: UInt8(ascii: ","))
      } catch {
        throw FileError(path: file(DatasetDirectory.indexFile), reason: "\(error)")
      }
      let rows = Array(records.dropFirst())
      guard records.first?.fields == DatasetDirectory.indexColumns, rows.count == array.shape[0],
        rows.allSatisfy({ $0.fields.count == DatasetDirectory.indexColumns.count })
      else {
        throw FileError(path: file(DatasetDirectory.indexFile), reason: "does not list the array's \(array.shape[0]) segments as id,track,segment,label,path")
      }
      // Consecutive rows of one source file form one run of the index.
      let size = array.shape[1] * array.shape[2]
      var start = 0
      while start < rows.count {
        let path = rows[start].fields[4]
        var end = start + 1
        while end < rows.count && rows[end].fields[4] == path { end += 1 }
        sources.append(Source(path: path, lines: Array(rows[start..<end]), values: array.values[(start * size)..<(end * size)], part: part))
        start = end
      }
    }
    guard var manifest = first else { throw FileError(path: directory, reason: "no parts to merge") }
    try refuseRepeats(sources.map { ($0.path, $0.part) })
    sources.sort { $0.path < $1.path }
    let segments = sources.reduce(0) { $0 + $1.lines.count }
    manifest.shape[0] = segments
    do {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    } catch {
      throw FileError(path: directory, reason: "cannot create the directory: \(error.localizedDescription)")
    }
    let array = try AtomicFileWriter(destination: PathName.joining(directory, DatasetDirectory.arrayFile))
    array.write(DatasetDirectory.Manifest.arrayHeader(shape: manifest.shape))
    for source in sources {
      var bytes: [UInt8] = []
      bytes.reserveCapacity(4 * source.values.count)
      for value in source.values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
      array.write(bytes)
    }
    try array.commit()
    let index = try AtomicFileWriter(destination: PathName.joining(directory, DatasetDirectory.indexFile))
    index.write(CSVFormat.line(DatasetDirectory.indexColumns))
    for source in sources { for line in source.lines { index.write(CSVFormat.line(line.fields)) } }
    try index.commit()
    let manifestWriter = try AtomicFileWriter(destination: PathName.joining(directory, DatasetDirectory.manifestFile))
    manifestWriter.write(manifest.json)
    try manifestWriter.commit()
    return segments
  }

  /// The source files whose segments a dataset directory holds (its index's `path` column).
  public static func sources(ofDataset directory: String) throws(FileError) -> Set<String> {
    let path = PathName.joining(directory, DatasetDirectory.indexFile)
    do {
      let records = try CSVReader.read(path: path, delimiter: UInt8(ascii: ","))
      guard records.first?.fields == DatasetDirectory.indexColumns else { throw FileError(path: path, reason: "its header is not id,track,segment,label,path") }
      return Set(records.dropFirst().compactMap { $0.fields.count == DatasetDirectory.indexColumns.count ? $0.fields[4] : nil })
    } catch let error as FileError {
      throw error
    } catch {
      throw FileError(path: path, reason: "\(error)")
    }
  }

  /// A source file in two parts means the parts overlap (two runs of one shard, or of different
  /// shardings): merging them would repeat its rows.
  static func refuseRepeats(_ sources: [(path: String, part: String)]) throws(FileError) {
    var seen: [String: String] = [:]
    for (path, part) in sources {
      if let other = seen.updateValue(part, forKey: path) {
        throw FileError(path: part, reason: "holds rows of \(path), as \(other) does: the parts overlap")
      }
    }
  }
}
