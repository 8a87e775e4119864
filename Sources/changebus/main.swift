import ChangeBus
// FoundationEssentials and Glibc, not Foundation: Foundation would map ICU and
// libFoundation into every agent for nothing (measured: an idle agent 25.9 MB with
// Foundation, 18.0 MB without; bench/agent prints what the agent maps).
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

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
    var bytes = Array((message + "\n").utf8)[...]
    // File descriptor 2 directly: Glibc's `stderr` is a global var that strict concurrency rejects.
    while !bytes.isEmpty {
        let written = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { return }
        bytes = bytes.dropFirst(written)
    }
}

/// Standard input to its end (empty when it cannot be read).
func readStandardInput() -> Data {
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { return data }
        data.append(contentsOf: buffer[..<count])
    }
}

/// Compact JSON with sorted keys, as the `--json` outputs print it.
func sortedJSON(_ value: some Encodable) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return try encoder.encode(value)
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
