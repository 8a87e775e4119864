import ChangeBus

/// One subcommand: its help text and what it runs. `-h`, `--help` and
/// `changebus help NAME` all print `help`.
struct Command: Sendable {
    let name: String
    let summary: String
    let usage: String
    /// `(flag, description)` pairs for the OPTIONS section.
    let options: [(String, String)]
    let valued: Set<String>
    let boolean: Set<String>
    /// Extra text after OPTIONS (subcommands, exit codes).
    var notes: String = ""
    let run: @Sendable (Arguments) throws -> Int32

    var help: String {
        var text = "OVERVIEW: \(summary)\n\nUSAGE: \(usage)\n\nOPTIONS:\n"
        let all = options + [("-h, --help", "Show this help.")]
        let width = all.map(\.0.count).max() ?? 0
        for (flag, description) in all {
            text += "  \(flag.padding(to: width))  \(description)\n"
        }
        if !notes.isEmpty { text += "\n" + notes + "\n" }
        return text
    }
}

/// Exit codes shared by every subcommand.
enum ExitCode {
    static let success: Int32 = 0
    static let failure: Int32 = 1
    static let usage: Int32 = 64
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
