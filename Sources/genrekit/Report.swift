import ArgumentParser
import AudioFeatures
import Foundation
import Learning
import Notebooks
import TabularIO

/// `genrekit report`: the comparisons run and written as Jupyter notebooks with every output
/// embedded. Each code cell holds the `!genrekit …` command that made the output below it: the
/// report runs exactly those commands (this executable, in the output folder), so a reader who
/// re-runs a cell gets the same output.
struct Report: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report", abstract: "Run the comparisons and write them as Jupyter notebooks with their outputs and figures.",
    discussion: """
      Writes 01-features, 02-shallow-models, 03-fnn-cnn-handcrafted and 04-leakage (.ipynb, \
      nbformat 4.5) into --output, the figures into <output>/figures and what the commands make \
      (tables, datasets, models, caches) into <output>/work. A notebook whose inputs are not given \
      is left out, and the report says which. Without inputs, 01 and 02 are made from the bundled \
      GTZAN table. --resume keeps the notebooks that an interrupted run with the same inputs had \
      finished (as <output>/work/report-progress.json records) and makes the others.

      Examples:
        genrekit report --output notebooks
        genrekit report --output notebooks-export \\
          --clips ../shared/data/gtzan/audio \\
          --audio ../shared/data/gtzan/audio-flac \\
          --spotify ../shared/data/spotify/spotify_songs.csv \\
          --fault-filtered ../shared/data/splits/gtzan-fault-filtered
      """)

  @Option(help: "The folder to write the notebooks into.") var output: String
  @Option(help: "Genre folders of clips to show the features on (one clip per genre).") var clips: String?
  @Option(help: "Genre folders of audio to compare every model on (03 and 04).") var audio: String?
  @Option(help: "A Spotify-style export (playlist_genre, track_artist and the 12 audio features) for 02.") var spotify: String?
  @Option(help: "A folder of GTZAN fault-filtered lists (train_filtered.txt, valid_filtered.txt, test_filtered.txt) for 04.")
  var faultFiltered: String?
  @Flag(help: "Keep the notebooks an interrupted run of the same report finished; make the rest.") var resume = false

  func run() throws {
    useTheCPUsBLASKernels()
    try FileManager.default.createDirectory(atPath: PathName.joining(output, "figures"), withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: PathName.joining(output, "work"), withIntermediateDirectories: true)
    let runner = CommandRunner(directory: output)
    let inputs = ReportInputs(
      clips: clips.map(runner.relative), audio: audio.map(runner.relative), spotify: spotify.map(runner.relative),
      faultFiltered: faultFiltered.map(runner.relative))
    let progressPath = PathName.joining(output, "work/report-progress.json")
    var progress = ReportProgress(inputs: inputs, written: [])
    if resume, let earlier = ReportProgress.read(progressPath), earlier.inputs == inputs {
      progress.written = earlier.written.filter { FileManager.default.fileExists(atPath: PathName.joining(output, "\($0).ipynb")) }
    }
    try progress.write(to: progressPath)
    var failures = 0
    for chapter in ReportChapter.all {
      if progress.written.contains(chapter.name) {
        log("genrekit: kept \(PathName.joining(output, "\(chapter.name).ipynb")), which the interrupted run had written")
        continue
      }
      guard let missing = chapter.missing(inputs) else {
        var notebook = NotebookWriter(runner: runner)
        chapter.write(&notebook, inputs)
        let path = PathName.joining(output, "\(chapter.name).ipynb")
        let writer = try AtomicFileWriter(destination: path)
        writer.write(notebook.notebook.json)
        try writer.commit()
        // A notebook with failed commands is made again on resuming.
        if notebook.failures == 0 {
          progress.written.append(chapter.name)
          try progress.write(to: progressPath)
        }
        failures += notebook.failures
        log("genrekit: wrote \(path) (\(notebook.notebook.cells.count) cells\(notebook.failures > 0 ? ", \(notebook.failures) failed commands" : ""))")
        continue
      }
      log("genrekit: left out \(chapter.name): it needs \(missing)")
    }
    if failures > 0 {
      log("genrekit: \(failures) commands failed; their errors are in the notebooks")
      throw ExitCode(1)
    }
  }
}

/// The notebooks a report has finished, for `--resume`: kept only if the inputs are the same.
struct ReportProgress: Codable {
  var inputs: ReportInputs
  var written: [String]

  static func read(_ path: String) -> ReportProgress? {
    FileManager.default.contents(atPath: path).flatMap { try? JSONDecoder().decode(ReportProgress.self, from: $0) }
  }

  func write(to path: String) throws {
    let writer = try AtomicFileWriter(destination: path)
    writer.write(try prettyJSON(self) + "\n")
    try writer.commit()
  }
}

/// The report's inputs, as paths relative to the output folder (where the commands run).
struct ReportInputs: Sendable, Codable, Equatable {
  var clips: String?
  var audio: String?
  var spotify: String?
  var faultFiltered: String?
}

/// Runs this executable in a folder and captures what it prints.
struct CommandRunner {
  let directory: URL
  let executable: URL

  init(directory: String) {
    self.directory = URL(fileURLWithPath: directory).standardizedFileURL
    // The running binary, so that the notebook's outputs are this version's.
    executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
  }

  func run(_ arguments: [String]) throws -> (status: Int32, standardOutput: String, standardError: String) {
    // Both streams go to files, so that a command printing much to one never blocks on the other.
    let (output, error) = (try Self.unnamedFile(), try Self.unnamedFile())
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = directory
    process.standardOutput = output
    process.standardError = error
    try process.run()
    process.waitUntilExit()
    return (process.terminationStatus, try Self.contents(of: output), try Self.contents(of: error))
  }

  /// A new file in the temporary folder, removed from the folder as soon as it is open: nothing is
  /// left behind, even when this process is killed.
  private static func unnamedFile() throws -> FileHandle {
    var template = Array(FileManager.default.temporaryDirectory.appendingPathComponent("genrekit-report-XXXXXX").path.utf8CString)
    let descriptor = mkstemp(&template)
    let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    guard descriptor >= 0 else {
      throw FileError(path: path, reason: "cannot create a temporary file for the command's output: \(String(cString: strerror(errno)))")
    }
    unlink(path)
    return FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
  }

  /// What the command wrote to `file` (which it shares, offset included, with this process).
  private static func contents(of file: FileHandle) throws -> String {
    try file.seek(toOffset: 0)
    return String(decoding: try file.readToEnd() ?? Data(), as: UTF8.self)
  }

  /// `path` (relative to the current folder, or absolute) relative to the output folder.
  func relative(_ path: String) -> String { PathName.relative(from: directory.path, to: PathName.absolute(path)) }
}

/// A notebook being written: markdown cells, and command cells whose outputs are the command's.
struct NotebookWriter {
  let runner: CommandRunner
  var notebook = Notebook()
  var failures = 0

  init(runner: CommandRunner) {
    self.runner = runner
    notebook.code("from IPython.display import SVG  # to show the figures the commands draw")
  }

  mutating func markdown(_ text: String) { notebook.markdown(text) }

  /// Runs `genrekit arguments` and adds its cell; with `figure` (a path in the output folder,
  /// written by the command), the figure is shown below. Returns what the command printed.
  @discardableResult
  mutating func command(_ arguments: [String], figure: String? = nil) -> String {
    var source = "!genrekit " + arguments.map(Self.shellQuoted).joined(separator: " ")
    var outputs: [Notebook.Output] = []
    var printed = ""
    do {
      let result = try runner.run(arguments)
      printed = result.standardOutput
      // Progress is drawn only on a terminal; what is left is what a reader sees.
      if !result.standardError.isEmpty { outputs.append(.stream(name: "stderr", text: result.standardError)) }
      if !result.standardOutput.isEmpty { outputs.append(.stream(name: "stdout", text: result.standardOutput)) }
      if result.status != 0 {
        failures += 1
        log("genrekit: report: 'genrekit \(arguments.joined(separator: " "))' exited with status \(result.status)")
      } else if let figure {
        source += "\nSVG(\(Self.pythonQuoted(figure)))"
        let svg = try String(contentsOf: runner.directory.appendingPathComponent(figure), encoding: .utf8)
        outputs.append(.svg(svg, plainText: "<IPython.core.display.SVG object>"))
      }
    } catch {
      failures += 1
      outputs.append(.stream(name: "stderr", text: "genrekit: report: could not run the command: \(error)\n"))
    }
    notebook.code(source, outputs: outputs)
    return printed
  }

  static func shellQuoted(_ argument: String) -> String {
    let safe = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_./,=:+%@"))
    guard !argument.isEmpty, argument.unicodeScalars.allSatisfy(safe.contains) else {
      return "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
    return argument
  }

  static func pythonQuoted(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
}
