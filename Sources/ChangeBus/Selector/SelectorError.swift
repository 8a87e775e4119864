/// Why a selector expression could not be parsed, and where.
///
/// `description` shows the message, then the source with a caret under the column:
/// ```
/// selector: expected ")" but found end of input at column 24
///   env == "prod" and (role
///                          ^
/// ```
public struct SelectorError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of mistake, for callers and tests that branch on it; the message says more.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A token that the grammar does not allow here (including a missing one).
        public static let unexpectedToken = Code("unexpected-token")
        /// A character that starts no token.
        public static let invalidCharacter = Code("invalid-character")
        /// A string literal without its closing quote.
        public static let unterminatedString = Code("unterminated-string")
        /// A backslash escape other than `\"`, `\\`, `\n` and `\t` in a string literal.
        public static let invalidEscape = Code("invalid-escape")
        /// A malformed number, such as an unquoted version `1.2.3`.
        public static let invalidNumber = Code("invalid-number")
        /// An operand where a condition is needed (`"x" and a`), or the wrong operand for
        /// an operator (`a in "x"`, `a =~ b`).
        public static let invalidOperand = Code("invalid-operand")
        /// A regular expression after `=~` that does not compile, or is beyond the pattern
        /// limits (256 characters, 2000 steps once repetitions are expanded, 32 nested groups).
        public static let invalidPattern = Code("invalid-pattern")
        /// The source, a list or the nesting is beyond its limit.
        public static let limitExceeded = Code("limit-exceeded")
    }

    /// The kind of mistake.
    public let code: Code
    /// What is wrong, naming the bad input.
    public let message: String
    /// Where it is: 1-based, in characters of `source`. One past the end for "end of input".
    public let column: Int
    /// The whole expression that failed to parse.
    public let source: String

    public init(_ code: Code, _ message: String, column: Int, source: String) {
        self.code = code
        self.message = message
        self.column = column
        self.source = source
    }

    /// The message, the source (or the part around the column, when it is long) and a caret.
    public var description: String {
        // Show at most `window` characters either side so a long expression stays readable;
        // read no further than that, since a refused source may be megabytes long.
        let window = 60
        let index = max(0, column - 1)
        let head = Array(source.prefix(index + window + 1))
        let start = max(0, min(index, head.count) - window)
        let end = min(head.count, index + window)
        var excerpt = String(head[start..<end].map { $0.isNewline || $0 == "\t" ? " " : $0 })
        var caretOffset = index - start
        if start > 0 {
            excerpt = "…" + excerpt
            caretOffset += 1
        }
        if head.count > end { excerpt += "…" }
        return "selector: \(message) at column \(column)\n  \(excerpt)\n  "
            + String(repeating: " ", count: caretOffset) + "^"
    }
}
