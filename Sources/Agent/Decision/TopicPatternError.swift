/// A topic pattern that cannot be used as a binding; names the pattern.
public struct TopicPatternError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The pattern as given.
    public var pattern: String
    /// What is wrong with it.
    public var message: String

    /// Creates an error for `pattern`.
    public init(pattern: String, message: String) {
        self.pattern = pattern
        self.message = message
    }

    public var description: String { "topic pattern \"\(pattern)\": \(message)" }
}
