import Foundation
import Testing

/// `genrekit --help` and every command's and subcommand's `--help` equal their golden files in
/// `Help/`, at 80 columns (what a pipe gets): the commands, options and defaults that users and
/// scripts rely on change only on purpose. After a deliberate change, `scripts/help-goldens`
/// rewrites the files; read their diff.
@Suite struct HelpGoldenTests {
  static let folder = CLIFixtures.projectRoot.appendingPathComponent("Tests/GenreKitCLITests/Help")

  static func help(_ command: [String]) throws -> String {
    let result = try GenreKitBinary.run(command + ["--help"], environment: ["COLUMNS": "80"])
    #expect(result.status == 0 && result.standardError.isEmpty, "\(command): \(result.standardError)")
    return result.standardOutput
  }

  /// The names under SUBCOMMANDS in a help page: a line of two spaces and a name.
  static func subcommands(inHelp help: String) -> [String] {
    let lines = help.split(separator: "\n", omittingEmptySubsequences: false)
    guard let start = lines.firstIndex(of: "SUBCOMMANDS:") else { return [] }
    return lines[(start + 1)...].prefix { !$0.isEmpty }.compactMap { line in
      guard line.hasPrefix("  "), line.dropFirst(2).first?.isLetter == true else { return nil }
      return String(line.dropFirst(2).prefix { !$0.isWhitespace })
    }
  }

  /// The help page of the command at `path` and of each command below it, named by their paths
  /// (`genrekit-plot-features`).
  static func pages(_ path: [String] = []) throws -> [(name: String, text: String)] {
    let text = try help(path)
    let below = try subcommands(inHelp: text).flatMap { try pages(path + [$0]) }
    return [((["genrekit"] + path).joined(separator: "-"), text)] + below
  }

  @Test func everyCommandsHelpEqualsItsGoldenFile() throws {
    let pages = try Self.pages()
    #expect(["genrekit-extract", "genrekit-serve", "genrekit-plot-features"].allSatisfy { name in pages.contains { $0.name == name } })
    // One golden file per page, and no file for a command that is gone.
    let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0.hasSuffix(".txt") }
    #expect(files.sorted() == pages.map { "\($0.name).txt" }.sorted())
    for (name, page) in pages {
      let golden = try String(contentsOf: Self.folder.appendingPathComponent("\(name).txt"), encoding: .utf8)
      let (got, expected) = (page.split(separator: "\n", omittingEmptySubsequences: false), golden.split(separator: "\n", omittingEmptySubsequences: false))
      let line = zip(got, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(got.count, expected.count)
      #expect(page == golden, "\(name).txt differs from line \(line + 1): \(line < got.count ? String(got[line]) : "(end)")")
    }
  }

  /// The parser of a help page's command list, on a page of the shape ArgumentParser prints.
  @Test func subcommandsAreReadFromAHelpPage() {
    let page = "USAGE: genrekit <subcommand>\n\nSUBCOMMANDS:\n  extract                 Compute the\n                          features.\n  merge                   Join.\n\n  See 'genrekit help <subcommand>' for detailed help.\n"
    #expect(Self.subcommands(inHelp: page) == ["extract", "merge"])
  }
}
