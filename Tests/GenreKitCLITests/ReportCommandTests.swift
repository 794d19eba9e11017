import Foundation
import Testing

/// `genrekit report`: notebooks whose code cells hold the commands that made the outputs below
/// them, valid nbformat 4.5; the table-only report runs everywhere on the bundled table.
@Suite struct ReportCommandTests {
  /// A Python that has nbformat (Debian's python3-nbformat, which scripts/test installs), if any.
  static let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3"].first { path in
    guard FileManager.default.isExecutableFile(atPath: path) else { return false }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = ["-c", "import nbformat"]
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
  }

  @Test func tableOnlyReportOnTheBundledTable() throws {
    let output = try makeTemporaryDirectory().appendingPathComponent("notebooks")
    let result = try GenreKitBinary.run(["report", "--output", output.path])
    #expect(result.status == 0, "\(result.standardError)")
    #expect(result.standardError.contains("left out 03-fnn-cnn-handcrafted: it needs --audio"))
    #expect(result.standardError.contains("left out 04-leakage: it needs --audio or --fault-filtered"))
    for name in ["01-features", "02-shallow-models"] {
      let path = output.appendingPathComponent("\(name).ipynb")
      let notebook = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: path)) as? [String: Any])
      let cells = try #require(notebook["cells"] as? [[String: Any]])
      let commands = cells.filter { ($0["source"] as? [String])?.first?.hasPrefix("!genrekit ") == true }
      #expect(!commands.isEmpty)
      for cell in commands {
        let source = (cell["source"] as! [String]).joined()
        let outputs = cell["outputs"] as! [[String: Any]]
        #expect(!outputs.isEmpty, "\(source) has no output")
        // A figure cell shows the SVG the command wrote, byte for byte.
        if let figure = source.split(separator: "\n").last.flatMap({ $0.hasPrefix("SVG(\"") ? $0.dropFirst(5).dropLast(2) : nil }) {
          let svg = try String(contentsOf: output.appendingPathComponent(String(figure)), encoding: .utf8)
          let shown = outputs.compactMap { ($0["data"] as? [String: Any])?["image/svg+xml"] as? [String] }.first?.joined()
          #expect(shown == svg, "\(figure)")
        }
      }
    }
    // The comparison's text table is the command's own output, and the prose quotes its numbers.
    let shallow = try String(contentsOf: output.appendingPathComponent("02-shallow-models.ipynb"), encoding: .utf8)
    #expect(shallow.contains("!genrekit compare --save-results work/02-gtzan.json") && shallow.contains("knn     0.675 ± 0.030"))
    #expect(shallow.contains("The most accurate is **mlp** (0.745 ± 0.018 over 5 folds)"))
    #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("figures/02-gtzan-pca.svg").path))

    guard let python = Self.python else {
      print("note: nbformat.validate not run: no python3 with nbformat (apt install python3-nbformat)")
      return
    }
    let validate = Process()
    validate.executableURL = URL(fileURLWithPath: python)
    validate.arguments = [CLIFixtures.projectRoot.appendingPathComponent("scripts/validate-notebooks.py").path] + ["01-features", "02-shallow-models"].map {
      output.appendingPathComponent("\($0).ipynb").path
    }
    try validate.run()
    validate.waitUntilExit()
    #expect(validate.terminationStatus == 0)
  }
}
