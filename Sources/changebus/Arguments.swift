/// The parsed command line of one subcommand: `--flag value`, `--flag=value`, boolean
/// `--flag`, and positional words. Unknown flags are usage errors that name the flag.
struct Arguments: Sendable {
    /// A usage error: exit code 64, message names the bad input and suggests `--help`.
    struct UsageError: Error, CustomStringConvertible {
        let description: String
    }

    private(set) var values: [String: [String]] = [:]
    private(set) var flags: Set<String> = []
    private(set) var positional: [String] = []

    /// - Parameters:
    ///   - valued: flags that take a value (`--config FILE`); may repeat.
    ///   - boolean: flags without a value (`--json`).
    init(_ words: [String], command: String, valued: Set<String>, boolean: Set<String>) throws(UsageError) {
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            guard word.hasPrefix("--"), word.count > 2 else {
                positional.append(word)
                continue
            }
            var name = String(word.dropFirst(2))
            var inline: String?
            if let eq = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            if valued.contains(name) {
                if let inline {
                    values[name, default: []].append(inline)
                } else {
                    guard index < words.count else {
                        throw UsageError(description: "changebus \(command): --\(name) needs a value (see changebus \(command) --help)")
                    }
                    values[name, default: []].append(words[index])
                    index += 1
                }
            } else if boolean.contains(name) && inline == nil {
                flags.insert(name)
            } else {
                throw UsageError(description: "changebus \(command): unknown option --\(name) (see changebus \(command) --help)")
            }
        }
    }

    func value(_ name: String) -> String? { values[name]?.last }
    func all(_ name: String) -> [String] { values[name] ?? [] }
    func has(_ name: String) -> Bool { flags.contains(name) }

    func required(_ name: String, command: String) throws(UsageError) -> String {
        guard let value = value(name) else {
            throw UsageError(description: "changebus \(command): --\(name) is required (see changebus \(command) --help)")
        }
        return value
    }
}
