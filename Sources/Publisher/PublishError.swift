/// Why the publisher could not build or store an event. Broker failures are not errors:
/// the event then waits in the outbox and `DeliveryReport.failure` says why.
///
/// `description` is the message, which names the bad input (the revision, the path, the
/// file) and, where there is one, the fix.
public struct PublishError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem this is; extensible.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        /// A `git` command failed or printed something unexpected.
        public static let git = Code(name: "git")
        /// A bad argument: stream or environment name, target selector, revision.
        public static let invalidInput = Code(name: "invalidInput")
        /// The inline files exceed `max_inline_bytes`.
        public static let tooLarge = Code(name: "tooLarge")
        /// The state folder (lock, versions, outbox) cannot be read or written.
        public static let state = Code(name: "state")
        /// The signing key cannot be loaded.
        public static let key = Code(name: "key")
        /// The event fails its own schema checks (a bug or an odd repository).
        public static let message = Code(name: "message")

        public var description: String { name }
    }

    /// What kind of problem this is.
    public let code: Code
    /// The full explanation.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
