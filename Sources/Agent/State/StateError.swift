/// The state file or folder could not be read or written; names the path.
public struct StateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file or folder at fault.
    public var path: String
    /// What went wrong.
    public var message: String

    /// Creates an error about `path`.
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
