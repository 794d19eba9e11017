import Foundation
import TabularIO
import TestSupport
import Testing

@Suite struct CSVReaderTests {
  func parse(_ text: String, delimiter: UInt8? = nil) throws -> [CSVRecord] {
    try CSVReader.parse(Array(text.utf8), path: "t.csv", delimiter: delimiter)
  }

  @Test func quotedFieldsCRLFAndLineNumbers() throws {
    let records = try parse("a,b,c\r\n1,\"x, \"\"y\"\"\",3\r\n\r\n4,\"two\nlines\",6\r\n7,8,9")
    #expect(records.map(\.fields) == [
      ["a", "b", "c"], ["1", "x, \"y\"", "3"], ["4", "two\nlines", "6"], ["7", "8", "9"],
    ])
    #expect(records.map(\.line) == [1, 2, 4, 6])
  }

  @Test func byteOrderMarkAndSemicolons() throws {
    let records = try parse("\u{FEFF}name;value\nx;1,5\n")
    #expect(records.map(\.fields) == [["name", "value"], ["x", "1,5"]])
  }

  @Test func unterminatedQuoteNamesTheLine() throws {
    #expect(throws: CSVError(path: "t.csv", line: 3, reason: "unterminated quoted field")) {
      try parse("a,b\n1,2\n3,\"open\n")
    }
  }

  @Test func strayQuoteIsAParseError() throws {
    let error = try #require(throws: CSVError.self) { try parse("a,b\n1,x\"y\"\n") }
    #expect(error.line == 2)
    #expect(error.description.hasPrefix("t.csv:2"))
  }

  /// The fast trim is Foundation's `.whitespaces` trim: spaces, tabs and Unicode spaces (no-break,
  /// ideographic) at the ends go, newlines and inner spaces stay.
  @Test(arguments: ["0.5", " 0.5", "0.5\t", "\u{00A0}0.5", "0.5\u{3000}", " ", "", "a b", "\n1\n", "é", " é ", "\u{2003}x\u{2003}"])
  func trimmingWhitespaceIsFoundationsTrim(field: String) {
    #expect(field.trimmingWhitespace() == field.trimmingCharacters(in: .whitespaces))
  }

  @Test func writerQuotesOnlyWhenNeeded() {
    #expect(CSVFormat.line(["plain", "a,b", "say \"hi\"", "two\nlines"]) == "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\n")
  }

  @Test func atomicWriterReplacesOnlyOnCommit() throws {
    let directory = try makeTemporaryFolder(prefix: "tabular")
    let path = directory.appendingPathComponent("out.csv").path
    try Data("old\n".utf8).write(to: URL(fileURLWithPath: path))
    let abandoned = try AtomicFileWriter(destination: path)
    abandoned.write("new\n")
    abandoned.discard()
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "old\n")
    let committed = try AtomicFileWriter(destination: path)
    committed.write("new\n")
    try committed.commit()
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "new\n")
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["out.csv"])
  }
}
