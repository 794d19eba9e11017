import AudioFeatures
import Foundation
import TabularIO
import Testing

/// Fixture files shipped with the tests.
enum Fixtures {
  static let directory = Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
  static func path(_ relative: String) -> String { directory.appendingPathComponent(relative).path }
  static var signalPaths: [String] { InputDiscovery.audioFiles(in: [path("signals")]) }
}

/// `../shared` reference data, present on developer machines and in CI but not required.
enum SharedData {
  static let root: URL = {
    // Tests/AudioFeaturesTests/Support/ReferenceTables.swift → project root → ../shared
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("shared")
  }()
  static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
  static func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: path(relative)) }
}

/// A feature table in the Kaggle schema, keyed by row name without extension.
struct ReferenceTable {
  var rows: [String: [String: Double]] = [:]

  init(path: String) throws {
    let records = try CSVReader.read(path: path)
    let header = records[0].fields
    for record in records.dropFirst() {
      var values: [String: Double] = [:]
      for (column, field) in zip(header, record.fields) { values[column] = Double(field) }
      rows[rowKey(record.fields[0])] = values
    }
  }
}

/// "blues.00000.wav" and "blues.00000.au" are the same row.
func rowKey(_ name: String) -> String {
  for suffix in [".wav", ".au"] where name.hasSuffix(suffix) { return String(name.dropLast(suffix.count)) }
  return name
}

/// Which spread of the Kaggle tables a tolerance is measured in.
enum TableSpread: String {
  case thirtySeconds = "std_30_sec"
  case threeSeconds = "std_3_sec"

  /// Population std of each numeric column over the Kaggle table.
  var columnStd: [String: Double] {
    let records = try! CSVReader.read(path: Fixtures.path("kaggle_column_std.csv"))
    let index = records[0].fields.firstIndex(of: rawValue)!
    return Dictionary(uniqueKeysWithValues: records.dropFirst().map { ($0.fields[0], Double($0.fields[index])!) })
  }
}

/// Expects exactly `expectedRows` rows, each with a reference row, every numeric column within
/// `tolerance` × the column's std over the Kaggle table, and `length` and `tempo` equal. Returns
/// the largest error seen (in stds), so that a test can report it.
@discardableResult
func expectParity(
  _ rows: [FeatureRow], reference: ReferenceTable, spread: TableSpread, tolerance: Double, expectedRows: Int
) -> Double {
  #expect(rows.count == expectedRows, "\(rows.count) rows, expected \(expectedRows)")
  let std = spread.columnStd
  var worst = 0.0
  for row in rows {
    guard let expected = reference.rows[rowKey(row.name)] else {
      Issue.record("\(row.name): no reference row")
      continue
    }
    for (column, value) in zip(FeatureSchema.numericColumns, row.features.numericValues) {
      let want = expected[column]!
      #expect(value.isFinite, "\(row.name) \(column) is not finite")
      switch column {
      case "length", "tempo":
        #expect(value == want, "\(row.name) \(column) \(value) ≠ \(want)")
      default:
        let scale = std[column]! > 0 ? std[column]! : 1
        let error = abs(value - want) / scale
        worst = max(worst, error)
        #expect(error <= tolerance, "\(row.name) \(column): \(value) vs \(want) (\(error) std)")
      }
    }
  }
  return worst
}

func extractRows(_ paths: [String], mode: CompatibilityMode = .kaggle, segmentSeconds: Double? = nil)
  throws -> [FeatureRow]
{
  let extractor = BatchExtractor(
    extractor: FeatureExtractor(mode: mode), segmentation: Segmentation(segmentSeconds: segmentSeconds)!)
  var rows: [FeatureRow] = []
  var failures: [String] = []
  extractor.run(paths.map { AudioInput(path: $0, label: "test") }, jobs: 2) { index, result in
    switch result {
    case .success(let file):
      rows += file.rows
      if let warning = file.warning { failures.append("\(paths[index]): \(warning)") }
    case .failure(let error): failures.append("\(paths[index]): \(error)")
    }
  }
  #expect(failures.isEmpty, "\(failures)")
  return rows
}
