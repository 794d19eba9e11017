import Foundation
@testable import Learning
import TabularIO
import TestSupport
import Testing

@Suite struct SplitTests {
  /// The 3-s table's situation: ten segment rows per track.
  func segmentedDataset() -> Dataset {
    var rows: [[Double]] = []
    var labels: [Int] = []
    var groups: [String] = []
    for genre in 0..<3 {
      for track in 0..<20 {
        for segment in 0..<10 {
          rows.append([Double(genre), Double(track), Double(segment)])
          labels.append(genre)
          groups.append(trackIdentifier(ofFileName: "g\(genre).\(String(format: "%05d", track)).\(segment).wav"))
        }
      }
    }
    return Dataset(
      features: Matrix(rows), labels: labels, classNames: ["a", "b", "c"], featureNames: ["x", "y", "z"], groups: groups,
      rowNames: groups)
  }

  @Test func segmentsOfATrackShareItsGroup() {
    #expect(trackIdentifier(ofFileName: "blues.00000.3.wav") == "blues.00000")
    #expect(trackIdentifier(ofFileName: "blues.00000.wav") == "blues.00000")
    #expect(trackIdentifier(ofFileName: "blues.00000.au") == "blues.00000")
    #expect(trackIdentifier(ofFileName: "blues/blues.00012.wav") == "blues.00012")
  }

  @Test(arguments: [UInt64(0), 1, 42])
  func kFoldKeepsGroupsTogetherAndStratifies(seed: UInt64) throws {
    let data = segmentedDataset()
    let folds = try Splitter.stratifiedGroupKFold(data, k: 5, seed: seed)
    var foldOfGroup: [String: Int] = [:]
    for (f, fold) in folds.enumerated() {
      #expect(Set(fold.train).isDisjoint(with: fold.test))
      #expect(fold.train.count + fold.test.count == data.count)
      for row in fold.test {
        #expect(foldOfGroup[data.groups[row], default: f] == f, "group \(data.groups[row]) in two folds")
        foldOfGroup[data.groups[row]] = f
      }
      // 20 tracks per class over 5 folds: exactly 4 tracks (40 rows) of each class per fold.
      for c in 0..<3 { #expect(fold.test.filter { data.labels[$0] == c }.count == 40) }
    }
    #expect(foldOfGroup.count == 60)
  }

  /// The segment-like set of Fixtures/generate_splits.py: groups of 1–12 rows, some with two
  /// classes, rows not in group order.
  func unbalancedDataset() -> Dataset {
    var labels: [Int] = []
    var groups: [String] = []
    for position in 0..<37 {
      let g = position * 11 % 37
      for s in 0..<(1 + g * 7 % 12) {
        labels.append((g + (s % 3 == 0 && g % 5 == 0 ? 1 : 0)) % 3)
        groups.append(String(format: "g%03d", g))
      }
    }
    return Dataset(
      features: Matrix(rows: labels.count, columns: 1), labels: labels, classNames: ["c0", "c1", "c2"], featureNames: ["x"],
      groups: groups, rowNames: groups)
  }

  /// The same folds as scikit-learn's StratifiedGroupKFold, with and without shuffling, on a
  /// balanced table (where near-ties decide) and an unbalanced one.
  @Test func stratifiedGroupKFoldEqualsScikitLearn() throws {
    let url = Bundle.module.url(forResource: "sklearn_splits", withExtension: "json", subdirectory: "Fixtures")!
    let reference = try JSONDecoder().decode([String: [String: [Int]]].self, from: Data(contentsOf: url))
    let gtzan = try TableReader.read(path: EmbeddedTables.gtzan30Seconds).dataset
    for (name, dataset, k) in [("gtzan", gtzan, 5), ("unbalanced", unbalancedDataset(), 4)] {
      for (setting, seed) in [("noshuffle", nil), ("seed0", UInt32(0)), ("seed1", 1), ("seed42", 42)] as [(String, UInt32?)] {
        let folds = try Splitter.stratifiedGroupKFold(dataset, k: k, shuffleSeed: seed)
        var foldOfRow = [Int](repeating: -1, count: dataset.count)
        for (f, fold) in folds.enumerated() { for row in fold.test { foldOfRow[row] = f } }
        #expect(foldOfRow == reference[name]?[setting], "\(name) \(setting)")
      }
    }
    // The public seed is numpy's random_state.
    #expect(try Splitter.stratifiedGroupKFold(gtzan, k: 5, seed: 42) == Splitter.stratifiedGroupKFold(gtzan, k: 5, shuffleSeed: 42))
  }

  @Test func numpyRandomStateShufflesAsNumpy() {
    // np.random.RandomState(0).shuffle(np.arange(10)); RandomState(42) on 1000 values, first ten.
    var zero = NumpyRandomState(seed: 0)
    var small = Array(0..<10)
    zero.shuffle(&small)
    #expect(small == [2, 8, 4, 9, 1, 6, 7, 3, 0, 5])
    var fortyTwo = NumpyRandomState(seed: 42)
    var large = Array(0..<1000)
    fortyTwo.shuffle(&large)
    #expect(Array(large.prefix(10)) == [521, 737, 740, 660, 411, 678, 626, 513, 859, 136])
  }

  @Test func numpySumsInNumpysOrder() {
    // 0.1 summed 10 times: sequentially 0.9999999999999999, pairwise (8 accumulators) 1.0.
    #expect(NumpyReduction.sum([Double](repeating: 0.1, count: 10)) == 1.0)
    #expect([Double](repeating: 0.1, count: 10).reduce(0, +) == 0.9999999999999999)
    #expect(NumpyReduction.sum([1, 2, 3]) == 6)
  }

  @Test func holdoutIsStratifiedByGroup() throws {
    let data = segmentedDataset()
    let fold = try Splitter.stratifiedGroupHoldout(data, testFraction: 0.2, seed: 3)
    #expect(Set(fold.train.map { data.groups[$0] }).isDisjoint(with: fold.test.map { data.groups[$0] }))
    for c in 0..<3 { #expect(fold.test.filter { data.labels[$0] == c }.count == 40) }
    #expect(try Splitter.stratifiedGroupHoldout(data, testFraction: 0.2, seed: 3) == fold)
  }

  @Test func splitFileRoundTrip() throws {
    let data = segmentedDataset()
    let folds = try Splitter.stratifiedGroupKFold(data, k: 4, seed: 9)
    let path = try makeTemporaryFolder(prefix: "split").appendingPathComponent("folds.csv").path
    try SplitFiles.csv(folds: folds, of: data).write(toFile: path, atomically: true, encoding: .utf8)
    let (reread, leftOut) = try Splitter.folds(of: data, strategy: .assignment(try SplitFiles.read(path: path)), seed: 0)
    #expect(leftOut == 0)
    #expect(reread == folds)
  }

  @Test(.enabled(if: FileManager.default.fileExists(atPath: sharedSplits), "needs ../shared/data/splits (GTZAN fault-filtered lists)"))
  func faultFilteredListsLeaveSeventyTracksOut() throws {
    let table = try TableReader.read(path: EmbeddedTables.gtzan30Seconds).dataset
    let lists = ["train", "valid", "test"].map { "\(sharedSplits)/\($0)_filtered.txt" }
    let (folds, leftOut) = try Splitter.folds(
      of: table, strategy: .assignment(try SplitFiles.readLists(train: lists[0], valid: lists[1], test: lists[2])), seed: 0)
    #expect(leftOut == 70)
    #expect(folds[0].train.count == 443 && folds[0].validation.count == 197 && folds[0].test.count == 290)
  }
}

let sharedSplits = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data/splits/gtzan-fault-filtered").path

@Suite struct TableReaderTests {
  func read(_ text: String, _ configure: (inout TableOptions) -> Void = { _ in }) throws -> Dataset {
    var options = TableOptions()
    configure(&options)
    return try TableReader.read(records: try CSVReader.parse(Array(text.utf8), path: "t.csv"), path: "t.csv", options: options).dataset
  }

  /// The table is refused with a message naming this line and column.
  func expectError(
    _ text: String, line: Int?, column: Int? = nil, containing fragment: String, _ configure: (inout TableOptions) -> Void = { _ in }
  ) {
    let thrown = #expect(throws: (any Error).self) { try read(text, configure) }
    let error = (thrown as? TableError)?.location ?? (thrown as? CSVError)
    #expect(error?.line == line, "\(String(describing: thrown))")
    #expect(error?.column == column, "\(String(describing: thrown))")
    #expect(error?.reason.contains(fragment) == true, "\(String(describing: thrown))")
  }

  @Test func gtzanTablesUseTheFeatureColumnsAndTrackGroups() throws {
    let data = try read("filename,length,a,b,label\nblues.00000.0.wav,66149,1,2,blues\nblues.00000.1.wav,66149,3,4,blues\njazz.00001.0.wav,66149,5,6,jazz\n")
    #expect(data.featureNames == ["a", "b"])
    #expect(data.groups == ["blues.00000", "blues.00000", "jazz.00001"])
    #expect(data.classNames == ["blues", "jazz"] && data.labels == [0, 0, 1])
  }

  @Test func textColumnsAreNotFeaturesAndGroupsCanBeAColumn() throws {
    let data = try read("id,artist,energy,tempo,genre\nx,A,0.5,120,pop\ny,B,0.7,90,rock\n") {
      $0.labelColumn = "genre"
      $0.grouping = .column("artist")
    }
    #expect(data.featureNames == ["energy", "tempo"])
    #expect(data.groups == ["A", "B"])
  }

  @Test func badTablesNameTheLineAndColumn() {
    expectError("a,b,label\n1,2,x\n3,4\n", line: 3, containing: "expected 3 fields")
    expectError("a,b,label\n1,2,x\n5,6,x\n3,oops,y\n", line: 4, column: 2, containing: "not a number")
    expectError("a,b,label\n1,2,x\n3,NaN,y\n", line: 3, column: 2, containing: "missing or non-finite")
    expectError("", line: nil, containing: "empty")
    expectError("a,b,label\n", line: 1, containing: "no rows")
    expectError("a,b,genre\n1,2,x\n", line: 1, containing: "no label column 'label'")
    expectError("a,b,label\n1,2,x\n3,4,\"unterminated\n", line: 3, containing: "unterminated")
  }

  @Test func imputationKeepsMissingValues() throws {
    let data = try read("a,b,label\n1,,x\n3,4,y\n") { $0.allowMissing = true }
    #expect(data.features[0, 1].isNaN)
  }
}
