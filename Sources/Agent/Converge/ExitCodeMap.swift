/// Maps a command's exit code to an outcome.
///
/// Written as `0=unchanged,2=applied,*=failed`: entries `CODE=OUTCOME` (code 0...255;
/// outcome `applied`, `unchanged`, `failed` or `timeout`) and an optional `*=OUTCOME` for
/// every other code (default: `failed`). The names `standard` and `puppet` stand for the presets.
public struct ExitCodeMap: Sendable, Hashable, CustomStringConvertible {
    /// The outcome of each listed exit code.
    public var outcomes: [Int: ConvergeOutcome]
    /// The outcome of any code not listed. Default: `failed`.
    public var otherwise: ConvergeOutcome

    /// Creates a map. The outcomes should be result outcomes (not `aborted`).
    public init(_ outcomes: [Int: ConvergeOutcome], otherwise: ConvergeOutcome = .failed) {
        self.outcomes = outcomes
        self.otherwise = otherwise
    }

    /// 0 → applied, anything else → failed: for a script that cannot tell whether it changed something.
    public static let standard = ExitCodeMap([0: .applied])

    /// `puppet apply --detailed-exitcodes`: 0 → unchanged, 2 → applied, 4 and 6 (failures,
    /// with or without changes) and anything else → failed.
    public static let puppet = ExitCodeMap([0: .unchanged, 2: .applied, 4: .failed, 6: .failed])

    /// Parses `standard`, `puppet`, or a custom map such as `0=unchanged,2=applied,*=failed`.
    ///
    /// - Throws: `ConvergeError.Code.invalidExitCodeMap`, naming the bad entry.
    public init(parsing text: String) throws(ConvergeError) {
        let trimmed = text.trimmingSpaces
        switch trimmed {
        case "standard": self = .standard; return
        case "puppet": self = .puppet; return
        default: break
        }
        func reject(_ entry: some StringProtocol, _ reason: String) -> ConvergeError {
            ConvergeError(.invalidExitCodeMap, subject: text,
                          "exit code map \(text.debugDescription): \(String(entry).debugDescription): \(reason)")
        }
        guard !trimmed.isEmpty else {
            throw ConvergeError(.invalidExitCodeMap, subject: text,
                                "exit code map is empty; use standard, puppet or a map like 0=unchanged,2=applied,*=failed")
        }
        var outcomes: [Int: ConvergeOutcome] = [:]
        var otherwise: ConvergeOutcome?
        for entry in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = entry.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw reject(entry, "expected CODE=OUTCOME") }
            let key = parts[0].trimmingSpaces
            let name = parts[1].trimmingSpaces
            guard let outcome = ConvergeOutcome(rawValue: name), outcome != .aborted else {
                throw reject(entry, "unknown outcome \(name.debugDescription) (use applied, unchanged, failed or timeout)")
            }
            if key == "*" {
                guard otherwise == nil else { throw reject(entry, "\"*\" given twice") }
                otherwise = outcome
            } else {
                guard let code = Int(key), (0...255).contains(code) else {
                    throw reject(entry, "exit code must be 0...255 or *")
                }
                guard outcomes.updateValue(outcome, forKey: code) == nil else {
                    throw reject(entry, "exit code \(code) given twice")
                }
            }
        }
        self.init(outcomes, otherwise: otherwise ?? .failed)
    }

    /// The outcome of exit code `code`.
    public func outcome(forExitCode code: Int) -> ConvergeOutcome {
        outcomes[code] ?? otherwise
    }

    /// The map in the form `init(parsing:)` reads, codes in order: `0=unchanged,2=applied,*=failed`.
    public var description: String {
        (outcomes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.rawValue)" } + ["*=\(otherwise.rawValue)"])
            .joined(separator: ",")
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (FoundationEssentials has no trimming).
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
