import ChangeBus
import Foundation

/// The one changebus executable: subcommand dispatch only. Each subcommand lives in its
/// own file as a `Command`.
nonisolated let commands: [Command] = [
    agentCommand, publishCommand, gitHookCommand, installHookCommand, outboxCommand,
    keygenCommand, verifyCommand, resultsCommand,
]

func topLevelHelp() -> String {
    var text = """
        OVERVIEW: changebus — event-driven change rollout over RabbitMQ

        USAGE: changebus <subcommand> [options]

        OPTIONS:
          --version   Print the version.
          -h, --help  Show this help.

        SUBCOMMANDS:

        """
    let width = commands.map(\.name.count).max() ?? 0
    for command in commands { text += "  \(command.name.padding(to: width))  \(command.summary)\n" }
    text += "\n  See 'changebus help <subcommand>' for details.\n\nEXIT CODES: 0 success, 1 failure, 64 usage error.\n"
    return text
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

func main() -> Int32 {
    var words = Array(CommandLine.arguments.dropFirst())
    guard let first = words.first else {
        printError(topLevelHelp())
        return ExitCode.usage
    }
    switch first {
    case "-h", "--help":
        print(topLevelHelp(), terminator: "")
        return ExitCode.success
    case "--version", "version":
        print("changebus \(ChangeBusVersion.current)")
        return ExitCode.success
    case "help":
        guard words.count > 1 else {
            print(topLevelHelp(), terminator: "")
            return ExitCode.success
        }
        guard let command = commands.first(where: { $0.name == words[1] }) else {
            printError("changebus: unknown subcommand '\(words[1])' (see changebus --help)")
            return ExitCode.usage
        }
        print(command.help, terminator: "")
        return ExitCode.success
    default:
        break
    }
    guard let command = commands.first(where: { $0.name == first }) else {
        printError("changebus: unknown subcommand '\(first)' (see changebus --help)")
        return ExitCode.usage
    }
    words.removeFirst()
    if words.contains("-h") || words.contains("--help") {
        print(command.help, terminator: "")
        return ExitCode.success
    }
    do {
        let arguments = try Arguments(words, command: command.name, valued: command.valued, boolean: command.boolean)
        return try command.run(arguments)
    } catch let error as Arguments.UsageError {
        printError(error.description)
        return ExitCode.usage
    } catch {
        printError("changebus \(command.name): \(error)")
        return ExitCode.failure
    }
}

exit(main())
