import ArgumentParser
import Foundation
import Learning
import TabularIO

@main
struct GenreKit: AsyncParsableCommand {
  static let version = "0.2.0"

  static let configuration = CommandConfiguration(
    commandName: "genrekit",
    abstract: "Music genre classification: GTZAN features from audio, and models compared on one group-aware split.",
    discussion: """
      Examples:
        genrekit compare                   every model on the bundled GTZAN table
        genrekit extract audio/ --segment-seconds 3 --output features.csv
        genrekit train features.csv --model forest --test-size 0.2 \\
          --output forest.json
        genrekit evaluate forest.json features.csv
      """,
    version: version,
    subcommands: [
      Extract.self, DatasetCommand.self, Merge.self, Compare.self, Split.self, Train.self, Evaluate.self, Predict.self, PrincipalComponents.self, Plot.self, Report.self, Serve.self,
    ])

  /// Exit status 2 for every usage error (bad arguments, unreadable tables or model files, no
  /// input), as the CLI contract says, instead of ArgumentParser's 64; one line on stderr.
  static func main() async {
    startBLASWithoutThreadPool()
    do {
      try refuseHelpOnUnknownCommands(Array(CommandLine.arguments.dropFirst()))
      var command = try parseAsRoot()
      if var asynchronous = command as? AsyncParsableCommand {
        try await asynchronous.run()
      } else {
        try command.run()
      }
    } catch let failure as TableError {
      fail(failure.description + (failure.remedy.map(hint) ?? ""))
    } catch let failure as CLIFailure {
      fail(failure.description)
    } catch let failure as CSVError {
      fail(failure.description)
    } catch let failure as FileError {
      fail(failure.description)
    } catch let failure as LearningError {
      fail(failure.description)
    } catch {
      guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
      log(fullMessage(for: error))
      Foundation.exit(2)
    }
  }

  private static func fail(_ message: String) -> Never {
    log("genrekit: \(message)")
    Foundation.exit(2)
  }

  /// What to do about a refused table, in this tool's options.
  private static func hint(_ remedy: TableRemedy) -> String {
    switch remedy {
    case .impute: return " (fill missing values with --impute mean|median|most-frequent)"
    case .dropUnlabelled: return " (give --drop-unlabelled to skip such rows)"
    case .chooseGrouping: return " (give --group <column> to keep each track's rows together, or --group row to split rows on their own)"
    }
  }

  /// `genrekit help nosuch` would print the main help and succeed; it is a usage error.
  private static func refuseHelpOnUnknownCommands(_ arguments: [String]) throws {
    guard arguments.first == "help", arguments.count > 1 else { return }
    let names = configuration.subcommands.compactMap { $0.configuration.commandName }
    if !names.contains(arguments[1]) {
      throw CLIFailure.usage("no command \(excerpt(arguments[1])) (commands: \(names.joined(separator: ", ")))")
    }
  }
}
