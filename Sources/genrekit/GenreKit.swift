import ArgumentParser
import Foundation
import Learning
import TabularIO

@main
struct GenreKit: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "genrekit",
    abstract: "Music genre classification with handcrafted features.",
    subcommands: [Extract.self, Compare.self, Split.self, Train.self, Evaluate.self, Predict.self, PrincipalComponents.self])

  /// Exit status 2 for every usage error (bad arguments, unreadable tables, no input), as the CLI
  /// contract says, instead of ArgumentParser's 64.
  static func main() {
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch let failure as CLIFailure {
      log("genrekit: \(failure)")
      Foundation.exit(2)
    } catch let failure as CSVError {
      log("genrekit: \(failure)")
      Foundation.exit(2)
    } catch let failure as FileError {
      log("genrekit: \(failure)")
      Foundation.exit(2)
    } catch let failure as LearningError {
      log("genrekit: \(failure)")
      Foundation.exit(2)
    } catch {
      guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
      log(fullMessage(for: error))
      Foundation.exit(2)
    }
  }
}
