/// One token of a selector expression and the column where it starts.
struct SelectorToken: Sendable {
    enum Kind: Sendable, Equatable {
        case identifier(String)
        /// A string literal's decoded text.
        case string(String)
        case number(Double)
        case keyword(Keyword)
        case comparison(SelectorComparison.Operator)
        case leftParen, rightParen, leftBracket, rightBracket, comma
        case end
    }

    enum Keyword: String, Sendable {
        case and, or, not, `in`, `true`, `false`
    }

    let kind: Kind
    /// 1-based column of the token's first character.
    let column: Int
    /// For a string literal: the source column of each Unicode scalar of its decoded text, so
    /// an error inside a regular expression can point at the right character.
    var scalarColumns: [Int] = []

    /// How an error message names this token.
    var quoted: String {
        switch kind {
        case .identifier(let name): return "\"\(name)\""
        case .string(let text): return "the string \"\(text.prefix(40))\""
        case .number(let value): return FactValue.number(value).description
        case .keyword(let keyword): return "\"\(keyword.rawValue)\""
        case .comparison(let op): return "\"\(op.rawValue)\""
        case .leftParen: return "\"(\""
        case .rightParen: return "\")\""
        case .leftBracket: return "\"[\""
        case .rightBracket: return "\"]\""
        case .comma: return "\",\""
        case .end: return "end of input"
        }
    }
}

/// Splits a selector expression into tokens.
///
/// Identifiers are ASCII fact names: a letter or `_`, then letters, digits, `_` and `-`, in
/// dot-separated parts (`os.release.major`). Strings are double-quoted with the escapes
/// `\"`, `\\`, `\n` and `\t`. Numbers are decimal, optionally negative, with at most one dot:
/// a dotted version such as `1.10.2` must be quoted.
struct SelectorLexer {
    private let characters: [Character]
    private let source: String
    private var index = 0

    init(_ source: String) {
        self.source = source
        self.characters = Array(source)
    }

    /// Every token of the source, ending with `.end`.
    mutating func tokens() throws(SelectorError) -> [SelectorToken] {
        var tokens: [SelectorToken] = []
        while true {
            let token = try next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private var column: Int { index + 1 }

    private func peek(_ offset: Int = 0) -> Character? {
        index + offset < characters.count ? characters[index + offset] : nil
    }

    private func error(_ code: SelectorError.Code, _ message: String, at column: Int) -> SelectorError {
        SelectorError(code, message, column: column, source: source)
    }

    private mutating func next() throws(SelectorError) -> SelectorToken {
        while let character = peek(), character.isWhitespace { index += 1 }
        guard let character = peek() else { return SelectorToken(kind: .end, column: column) }
        let start = column
        func single(_ kind: SelectorToken.Kind) -> SelectorToken {
            index += 1
            return SelectorToken(kind: kind, column: start)
        }
        switch character {
        case "(": return single(.leftParen)
        case ")": return single(.rightParen)
        case "[": return single(.leftBracket)
        case "]": return single(.rightBracket)
        case ",": return single(.comma)
        case "\"": return try string()
        case "=", "!", "<", ">": return try comparison()
        case "&", "|":
            let word = character == "&" ? "and" : "or"
            throw error(.invalidCharacter, "unexpected \"\(character)\"; write \"\(word)\"", at: start)
        default:
            if character.isASCII && (character.isLetter || character == "_") { return identifier() }
            if character.isASCII && character.isNumber { return try number() }
            if character == "-", let after = peek(1), after.isASCII, after.isNumber { return try number() }
            throw error(.invalidCharacter, "unexpected character \"\(character)\"", at: start)
        }
    }

    private mutating func comparison() throws(SelectorError) -> SelectorToken {
        let start = column
        let first = characters[index]
        let pair = peek(1).map { String([first, $0]) } ?? String(first)
        for op in [SelectorComparison.Operator.equal, .notEqual, .lessOrEqual, .greaterOrEqual, .matches]
        where pair == op.rawValue {
            index += 2
            return SelectorToken(kind: .comparison(op), column: start)
        }
        switch first {
        case "<":
            index += 1
            return SelectorToken(kind: .comparison(.less), column: start)
        case ">":
            index += 1
            return SelectorToken(kind: .comparison(.greater), column: start)
        case "=": throw error(.invalidCharacter, "unexpected \"=\"; write \"==\" to compare", at: start)
        default: throw error(.invalidCharacter, "unexpected \"!\"; write \"!=\" or \"not\"", at: start)
        }
    }

    private mutating func identifier() -> SelectorToken {
        let start = column
        var name = ""
        while let character = peek(), character.isASCII,
            character.isLetter || character.isNumber || character == "_" || character == "-"
                || (character == "." && peek(1).map(Self.continuesIdentifier) == true)
        {
            name.append(character)
            index += 1
        }
        if let keyword = SelectorToken.Keyword(rawValue: name) {
            return SelectorToken(kind: .keyword(keyword), column: start)
        }
        return SelectorToken(kind: .identifier(name), column: start)
    }

    /// A dot belongs to a name only when a name part follows it (`os.family`, `disks.0`).
    private static func continuesIdentifier(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || character == "_")
    }

    private mutating func number() throws(SelectorError) -> SelectorToken {
        let start = column
        var text = ""
        if peek() == "-" {
            text.append("-")
            index += 1
        }
        func digits() {
            while let character = peek(), character.isASCII, character.isNumber {
                text.append(character)
                index += 1
            }
        }
        digits()
        if peek() == ".", let after = peek(1), after.isASCII, after.isNumber {
            text.append(".")
            index += 1
            digits()
        }
        if peek() == ".", let after = peek(1), after.isASCII, after.isNumber {
            // Read the rest so the message can show the whole version.
            while let character = peek(), character.isASCII, character.isNumber || character == "." {
                text.append(character)
                index += 1
            }
            throw error(.invalidNumber, "\(text) is not a number; quote a version: \"\(text)\"", at: start)
        }
        if let character = peek(), character.isLetter || character == "_" {
            throw error(.invalidNumber, "unexpected \"\(character)\" after the number \(text)", at: column)
        }
        guard let value = Double(text), value.isFinite else {
            throw error(.invalidNumber, "\(text) is not a number", at: start)
        }
        return SelectorToken(kind: .number(value), column: start)
    }

    private mutating func string() throws(SelectorError) -> SelectorToken {
        let start = column
        index += 1
        var text = ""
        var columns: [Int] = []
        func append(_ character: Character, from column: Int) {
            text.append(character)
            columns.append(contentsOf: repeatElement(column, count: character.unicodeScalars.count))
        }
        while let character = peek() {
            let here = column
            index += 1
            switch character {
            case "\"":
                return SelectorToken(kind: .string(text), column: start, scalarColumns: columns)
            case "\\":
                guard let escaped = peek() else { break }
                index += 1
                switch escaped {
                case "\"", "\\": append(escaped, from: here)
                case "n": append("\n", from: here)
                case "t": append("\t", from: here)
                default:
                    throw error(
                        .invalidEscape,
                        "unknown escape \"\\\(escaped)\" in a string; write \"\\\\\(escaped)\" for a backslash",
                        at: here)
                }
            default:
                append(character, from: here)
            }
        }
        throw error(.unterminatedString, "unterminated string: expected a closing \"", at: start)
    }
}
