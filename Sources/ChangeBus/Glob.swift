/// A pattern over repository paths, for the publisher's route map and the agent's `[watch]`.
///
/// Paths are relative to the repository root with `/` between segments, as git prints them
/// (`roles/web/files/nginx.conf`). In a pattern:
/// - `*` matches any run of characters within one segment, the empty run included;
/// - `**` as a whole segment matches any number of segments, zero included: `roles/web/**`
///   matches `roles/web/a`, `roles/web/x/y/z` and `roles/web` itself, and `**/*.conf`
///   matches `a.conf` and `x/y/a.conf`;
/// - `?` matches one character (one Unicode scalar) other than `/`;
/// - every other character, `.` `[` `\` included, matches itself.
/// Names starting with `.` get no special treatment. Matching takes time proportional to the
/// pattern's length times the path's, whatever the pattern: it never backtracks without
/// bound.
public struct Glob: Sendable, Hashable, CustomStringConvertible {
    /// The glob as given.
    public let pattern: String
    private let segments: [Segment]

    /// Longest accepted glob, in characters.
    public static let maxLength = 1_024

    private enum Segment: Sendable, Hashable {
        /// `**`: any number of whole segments.
        case anySegments
        case name([Piece])
    }

    private enum Piece: Sendable, Hashable {
        case scalar(Unicode.Scalar)
        /// `*`
        case anyRun
        /// `?`
        case anyOne
    }

    /// Compiles `pattern`.
    /// - Throws: `GlobError` when it is empty, too long, absolute, ends with `/`, has an empty,
    ///   `.` or `..` segment, or uses `**` inside a segment (`a**`, `**.conf`).
    public init(_ pattern: String) throws(GlobError) {
        func fail(_ message: String) -> GlobError { GlobError(pattern: pattern, message: message) }
        guard !pattern.isEmpty else { throw fail("empty pattern; use ** for every path") }
        guard pattern.prefix(Self.maxLength + 1).count <= Self.maxLength else {
            throw fail("longer than \(Self.maxLength) characters")
        }
        guard !pattern.hasPrefix("/") else {
            throw fail("paths are relative to the repository root: remove the leading /")
        }
        guard !pattern.hasSuffix("/") else {
            throw fail("ends with /: write \(pattern)** for everything below it")
        }
        var segments: [Segment] = []
        for text in pattern.split(separator: "/", omittingEmptySubsequences: false) {
            switch text {
            case "": throw fail("empty path segment (two slashes in a row)")
            case ".", "..": throw fail("\"\(text)\" segments never occur in repository paths")
            case "**": segments.append(.anySegments)
            default:
                guard !text.contains("**") else {
                    throw fail("** must be a whole segment (\"a/**/b\"); use * within a segment")
                }
                segments.append(
                    .name(
                        text.unicodeScalars.map { scalar in
                            switch scalar {
                            case "*": .anyRun
                            case "?": .anyOne
                            default: .scalar(scalar)
                            }
                        }))
            }
        }
        self.pattern = pattern
        self.segments = segments
    }

    /// Whether `path` (relative, `/`-separated) matches the whole pattern.
    public func matches(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return Self.wildcardMatch(
            segments, parts,
            isWildcard: { $0 == .anySegments },
            isWildcardOne: { _ in false },
            matchesOne: { segment, part in
                guard case .name(let pieces) = segment else { return false }
                return Self.wildcardMatch(
                    pieces, Array(part.unicodeScalars),
                    isWildcard: { $0 == .anyRun },
                    isWildcardOne: { $0 == .anyOne },
                    matchesOne: { piece, scalar in piece == .scalar(scalar) })
            })
    }

    /// Matches `items` against `tokens`, where a wildcard token takes any run of items (the
    /// empty run included) and every other token takes exactly one item.
    ///
    /// The classic linear-space algorithm: on a mismatch, go back to the most recent wildcard
    /// and let it take one more item. An earlier wildcard never needs to be revisited, since
    /// the later one can absorb whatever the earlier would, so the work is at most
    /// `tokens.count × items.count`.
    private static func wildcardMatch<Token, Item>(
        _ tokens: [Token], _ items: [Item],
        isWildcard: (Token) -> Bool,
        isWildcardOne: (Token) -> Bool,
        matchesOne: (Token, Item) -> Bool
    ) -> Bool {
        var token = 0
        var item = 0
        var lastWildcard: Int? = nil
        var resumeItem = 0
        while item < items.count {
            if token < tokens.count && isWildcard(tokens[token]) {
                lastWildcard = token
                resumeItem = item
                token += 1
            } else if token < tokens.count && (isWildcardOne(tokens[token]) || matchesOne(tokens[token], items[item])) {
                token += 1
                item += 1
            } else if let wildcard = lastWildcard {
                token = wildcard + 1
                resumeItem += 1
                item = resumeItem
            } else {
                return false
            }
        }
        while token < tokens.count && isWildcard(tokens[token]) { token += 1 }
        return token == tokens.count
    }

    public var description: String { pattern }
}
