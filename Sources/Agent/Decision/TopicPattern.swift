import ChangeBus

/// An AMQP topic binding pattern, e.g. `app.prod.*` or `app.#`, and RabbitMQ's matching of
/// routing keys against it.
///
/// Words are separated by `.`; `*` matches exactly one word and `#` zero or more words. The
/// agent binds its queue with these patterns and, since one event reaches a queue through
/// any of its routing keys (CC), uses the same matching to tell which of an event's
/// components this host takes. A word is `*`, `#` or a name as the messages allow it
/// (lowercase letters, digits, `_` and `-`, 1 to 63 characters): the patterns go into
/// presence messages, whose schema checks them the same way.
public struct TopicPattern: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as given.
    public let pattern: String
    private let words: [Word]

    private enum Word: Sendable, Hashable {
        case literal(Substring)
        /// `*`
        case one
        /// `#`
        case any
    }

    /// Parses `pattern`.
    /// - Throws: `TopicPatternError` naming the pattern and its first bad word.
    public init(_ pattern: String) throws(TopicPatternError) {
        guard !pattern.isEmpty else { throw TopicPatternError(pattern: pattern, message: "empty pattern; use # for every routing key") }
        var words: [Word] = []
        for text in pattern.split(separator: ".", omittingEmptySubsequences: false) {
            switch text {
            case "*": words.append(.one)
            case "#":
                // "#.#" means what "#" means; keeping one makes matching simpler.
                if words.last != .any { words.append(.any) }
            case "": throw TopicPatternError(pattern: pattern, message: "empty word (a leading, trailing or doubled \".\")")
            default:
                guard Topology.isValidName(String(text)), text.utf8.count <= 63 else {
                    throw TopicPatternError(
                        pattern: pattern,
                        message: "word \"\(text)\" is not \"*\", \"#\" or a name of 1 to 63 lowercase letters, digits, \"_\" and \"-\"")
                }
                words.append(.literal(text))
            }
        }
        self.pattern = pattern
        self.words = words
    }

    /// Whether RabbitMQ would route a message with `routingKey` through a binding with this
    /// pattern. As RabbitMQ splits it, the empty key has no words and `a..b` has an empty
    /// middle word (which `*` matches).
    public func matches(_ routingKey: String) -> Bool {
        let keyWords = routingKey.isEmpty ? [] : routingKey.split(separator: ".", omittingEmptySubsequences: false)
        // reachable[k]: the pattern words so far can consume exactly the first k key words.
        var reachable = [Bool](repeating: false, count: keyWords.count + 1)
        reachable[0] = true
        for word in words {
            var next = [Bool](repeating: false, count: keyWords.count + 1)
            for k in 0...keyWords.count {
                switch word {
                case .any:
                    // Zero words, or one more than a position already reached.
                    next[k] = reachable[k] || (k > 0 && next[k - 1])
                case .one:
                    next[k] = k > 0 && reachable[k - 1]
                case .literal(let literal):
                    next[k] = k > 0 && reachable[k - 1] && keyWords[k - 1] == literal
                }
            }
            reachable = next
        }
        return reachable[keyWords.count]
    }

    public var description: String { pattern }
}
