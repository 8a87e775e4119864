/// A change event's `target`: a boolean expression over a host's facts.
///
/// ```
/// env == "prod" and (role in ["web", "lb"] or hostname =~ "^canary-") and not exists(maintenance)
/// ```
///
/// **Syntax.** `or` binds loosest, then `and`, then `not`; parentheses group. A condition is
/// a comparison (`==`, `!=`, `<`, `<=`, `>`, `>=`), a pattern match (`fact =~ "regex"`), a
/// membership test (`x in [..]` or `x in fact`), `exists(fact)`, `true`, `false`, or a fact
/// alone (true when its value is the boolean true or the string "true"). Operands are fact
/// names (`os.family`, dotted), double-quoted strings (escapes `\"`, `\\`, `\n`, `\t`),
/// numbers (`8`, `-1`, `2.5`), `true`, `false` and list literals (`["web", "lb"]`). An empty
/// or blank expression matches every host. Keywords are lowercase.
///
/// **Missing facts.** A comparison, match or membership test that names a fact the host
/// does not have is false, whatever the operator, `!=` included: so `env != "prod"` is false
/// on a host without `env`, and `not env == "prod"` is true there. Use `exists(env)` to ask.
///
/// **Equality** (`==`; `!=` is its negation when both sides are present). Strings equal
/// when identical; numbers numerically; a number and a string when the string is the
/// number's version (below: `8 == "8"`, `8 == "08"`, `1.5 == "1.5"`, but `8 != "8.0"`); a
/// boolean and a string when the string is `"true"` or `"false"` (facts from an INI file
/// are strings); lists element by element. A list never equals a single value: use `in`.
///
/// **Order** (`<`, `<=`, `>`, `>=`). Numbers compare numerically. Strings that are both dotted
/// versions (digits and dots: `1.10.2`) compare part by part as integers, so
/// `"1.10.2" > "1.9"`, and when all shared parts are equal the longer is greater
/// (`"1.9" < "1.9.0"`). A number against a version string compares as the version its
/// decimal form spells (`7.5` is `7.5`, `8` is `8`; so the number `1.5` is less than
/// `"1.10"`). Other strings compare by Unicode order (ISO dates sort correctly). Anything
/// else (booleans, lists, a number against a non-version string) has no order: false.
///
/// **Membership** (`in`). The right side is a list literal or a fact; a fact that is not a
/// list counts as a one-element list. True when the left value equals an element; when the
/// left value is a list, when any of its elements does (`roles in ["web", "lb"]` with the
/// list fact `roles` asks "does the host play web or lb").
///
/// **Patterns** (`=~`). The right side is a string literal, compiled when the selector is
/// parsed (a bad pattern is a parse error). It matches anywhere in the left value's text
/// (anchor with `^` and `$`); a list matches when any element does. Matching takes time
/// linear in the fact's length (see `SelectorPattern`), and a value longer than 4096
/// characters never matches.
///
/// **Limits**, so that hostile input cannot crash or hang an agent: `maxSourceLength`,
/// `maxDepth` (nested parentheses and `not`), `maxListLength`, and a 256-character pattern
/// limit. Past one, parsing throws `SelectorError` with the code `.limitExceeded`.
public struct Selector: Sendable, Hashable, CustomStringConvertible {
    /// Longest accepted expression, in characters.
    public static let maxSourceLength = 4_096
    /// Deepest nesting of parentheses and `not`.
    public static let maxDepth = 32
    /// Most values in one list literal.
    public static let maxListLength = 256

    /// The expression as given.
    public let source: String
    /// Every fact name the expression refers to, for reporting which facts a decision used.
    public let factNames: Set<String>
    private let expression: SelectorExpression

    /// Parses `source`.
    /// - Throws: `SelectorError` with the column of the first mistake.
    public init(parsing source: String) throws(SelectorError) {
        // Count no further than the limit: a hostile 100 MB string is refused just as fast.
        let length = source.prefix(Self.maxSourceLength + 1).count
        guard length <= Self.maxSourceLength else {
            throw SelectorError(
                .limitExceeded, "the expression is longer than \(Self.maxSourceLength) characters",
                column: Self.maxSourceLength + 1, source: source)
        }
        var parser = try SelectorParser(source)
        expression = try parser.parse()
        factNames = parser.factNames
        self.source = source
    }

    /// True when the expression is blank and so matches every host.
    public var matchesEverything: Bool {
        source.allSatisfy(\.isWhitespace)
    }

    /// Whether a host with these facts is targeted.
    public func matches(_ facts: Facts) -> Bool {
        var consulted: Set<String>? = nil
        return expression.evaluate(facts, consulted: &consulted)
    }

    /// Whether a host with these facts is targeted, and which facts decided it.
    public func evaluate(_ facts: Facts) -> SelectorEvaluation {
        var consulted: Set<String>? = []
        let matched = expression.evaluate(facts, consulted: &consulted)
        let names = consulted ?? []
        return SelectorEvaluation(
            matched: matched,
            facts: facts.filter { names.contains($0.key) },
            missingFacts: names.filter { facts[$0] == nil })
    }

    public var description: String { source }

    /// Two selectors are equal when their sources are: the source determines the meaning.
    public static func == (lhs: Selector, rhs: Selector) -> Bool { lhs.source == rhs.source }

    public func hash(into hasher: inout Hasher) { hasher.combine(source) }
}
