import Foundation
import Learning
import TabularIO
import Testing

/// Tabular exports from the wild, read as a pandas user expects, and nothing left out or assumed
/// without a word.
extension TableReaderTests {
  func load(_ text: String, _ configure: (inout TableOptions) -> Void = { _ in }) throws -> LoadedTable {
    var options = TableOptions()
    configure(&options)
    return try TableReader.read(records: try CSVReader.parse(Array(text.utf8), path: "t.csv"), path: "t.csv", options: options)
  }

  @Test func emptyRecordsAreSkippedAndCounted() throws {
    let table = try load("a,b,label\n1,2,x\n,,\n3,4,y\n , ,\n")
    #expect(table.dataset.count == 2 && table.summary.skippedEmptyRecords == 2)
    #expect(table.summary.lines[0] == "t.csv: 2 rows; 2 empty records skipped")
  }

  @Test func emptyLabelsAreAnErrorUnlessDropped() throws {
    expectError("a,b,label\n1,2,x\n3,4,\n", line: 3, column: 3, containing: "empty label")
    let table = try load("a,b,label\n1,2,x\n3,4,\n5,6,y\n") { $0.dropUnlabelled = true }
    #expect(table.dataset.features == Matrix([[1, 2], [5, 6]]) && table.summary.droppedUnlabelled == 1)
    #expect(table.summary.lines[0] == "t.csv: 2 rows; 1 unlabelled rows dropped")
  }

  @Test func missingMarkersAsPandasAndNumbersWithDecimals() throws {
    let text = "duration,popularity,tempo,label\n-1.0,27.0,?,x\n32894.0,NA,120,y\n5,#N/A,,x\n7,3,98,y\n"
    expectError(text, line: 2, column: 3, containing: "missing or non-finite value '?' in column 'tempo'")
    let table = try load(text) { $0.allowMissing = true }
    #expect(table.dataset.featureNames == ["duration", "popularity", "tempo"])
    let values = table.dataset.features.values
    #expect(values[0] == -1 && values[1] == 27 && values[2].isNaN && values[3] == 32894 && values[4].isNaN && values[5] == 120)
    #expect(values[7].isNaN && values[8].isNaN)
    // Other markers replace the defaults: "?" is then a stray word in a numeric column.
    expectError(text, line: 2, column: 3, containing: "'?' in column 'tempo' is not a number") {
      $0.allowMissing = true
      $0.missingMarkers = ["", "NA", "#N/A"]
    }
    // pandas compares markers exactly: "na" is not missing.
    expectError("a,label\n1,x\nna,y\n2,x\n", line: 3, column: 1, containing: "'na' in column 'a' is not a number")
  }

  @Test func textAndIdColumnsAreLeftOutWithAReason() throws {
    let text = """
      id,Unnamed: 0,track_id,key,mode,duration_ms,energy,label
      101,0,6f8x,A#,Minor,194754,0.5,pop
      102,1,0r7C,C,Major,162600,0.7,rock
      103,2,1z6W,C,Minor,176616,0.2,pop

      """
    let table = try load(text)
    #expect(table.dataset.featureNames == ["duration_ms", "energy"])
    #expect(table.summary.leftOut.map(\.column) == ["id", "Unnamed: 0", "track_id", "key", "mode"])
    #expect(table.summary.leftOut.map(\.reason) == ["id-like: a different integer in every row", "id-like: a different integer in every row", "text", "text", "text"])
    #expect(table.summary.lines[2].hasPrefix("left out: id (id-like"))
    let encoded = try load(text) { $0.categoricalColumns = ["key", "mode"] }
    #expect(encoded.dataset.categorical.map(\.name) == ["key", "mode"])
    #expect(encoded.dataset.categorical[0].values == ["A#", "C", "C"])
    #expect(encoded.summary.lines[1] == "features: 2 numeric columns (duration_ms, energy), one-hot: key, mode")
  }

  @Test func duplicateColumnNamesAreRefused() {
    expectError("a,b,a,label\n1,2,3,x\n", line: 1, column: 3, containing: "column 'a' appears twice, in columns 1 and 3")
  }

  /// Rows that look like segments of tracks need a grouping: every row on its own would leak.
  @Test func segmentRowsWithoutAGroupAreRefused() throws {
    let text = "name,a,label\nx.00000.0.wav,1,p\nx.00000.1.wav,2,p\ny.00001.0.wav,3,q\ny.00001.1.wav,4,q\n"
    expectError(text, line: 1, containing: "column name holds segment names such as 'x.00000.0.wav'")
    expectError("length,a,label\n66149,1,p\n66149,2,q\n", line: 1, containing: "column length is 66149 in every row")
    let byRow = try load(text) { $0.grouping = .row }
    #expect(byRow.summary.grouping == "each row its own group" && byRow.summary.groupCount == 4)
    let byName = try load(text.replacingOccurrences(of: "name,", with: "filename,"))
    #expect(byName.dataset.groups == ["x.00000", "x.00000", "y.00001", "y.00001"])
    // Grouped by another column, each row still knows its track (for per-track verdicts).
    let byArtist = try load("filename,artist,a,label\nx.00000.0.wav,A,1,p\nx.00000.1.wav,A,2,p\ny.00001.0.wav,A,3,q\n") { $0.grouping = .column("artist") }
    #expect(byArtist.dataset.groups == ["A", "A", "A"] && byArtist.dataset.sources == ["x.00000", "x.00000", "y.00001"])
    #expect(byName.summary.lines.last == "groups: the GTZAN track of filename, 2 groups")
    // Ordinary text and numbers are no evidence.
    #expect(try load("title,a,label\nSong No. 5,1,p\nv1.0.2,2,q\n").summary.grouping == "each row its own group (no filename column)")
  }

  @Test func labelsDifferingOnlyByCaseAreWarnedAbout() throws {
    let table = try load("a,label\n1,blues\n2,BLUES\n3,rock\n")
    #expect(table.dataset.classNames == ["BLUES", "blues", "rock"])
    #expect(table.summary.warnings == ["labels 'BLUES' and 'blues' differ only by case; they are different classes"])
  }

  @Test func anIdColumnNamesTheRows() throws {
    let table = try load("track_id,a,label\nt1,1,x\nt2,2,y\n") { $0.idColumn = "track_id" }
    #expect(table.dataset.rowNames == ["t1", "t2"])
    #expect(try load("a,label\n1,x\n\n2,y\n").dataset.rowNames == ["1", "2"])
  }

  @Test func aFiveMegabyteFieldIsCutInMessages() {
    let huge = String(repeating: "z", count: 5_000_000)
    let thrown = #expect(throws: TableError.self) { try load("a,label\n1,x\n\(huge),y\n2,x\n") }
    #expect((thrown?.description.count ?? .max) < 300, "\(thrown?.description.prefix(300) ?? "")")
    #expect(thrown?.description.contains("'zzzzzzzzzz") == true)
  }
}

extension TableReaderTests {
  @Test func rowNumbersAreIdsButShortOrMeasuredColumnsAreNot() throws {
    let rows = (0..<12).map { "\($0),\(1000 + 7 * $0 * $0),\($0 % 2 == 0 ? "x" : "y")" }
    let table = try load((["n,duration_ms,label"] + rows).joined(separator: "\n") + "\n")
    #expect(table.dataset.featureNames == ["duration_ms"])
    #expect(table.summary.leftOut.map(\.column) == ["n"])
    #expect(try load("n,label\n1,x\n2,y\n3,x\n").dataset.featureNames == ["n"])
  }
}
