/// Why a path glob was refused.
public struct GlobError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The glob as given.
    public let pattern: String
    /// What is wrong with it.
    public let message: String

    public init(pattern: String, message: String) {
        self.pattern = pattern
        self.message = message
    }

    /// `glob "roles//web": empty path segment (two slashes in a row)`
    public var description: String { "glob \"\(pattern)\": \(message)" }
}
