/// A key file that cannot be written, read or trusted, or a trust list that cannot be built.
///
/// `message` names the file and what is wrong with it, and the fix where there is one
/// (for example `chmod 600 PATH`). It never contains secret key material.
public struct SigningError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem this is; extensible, so callers need not switch exhaustively.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        /// `keygen` would replace an existing key file and was not told to overwrite.
        public static let fileExists = Code(name: "fileExists")
        /// A system call on a key file or its folder failed (see `systemError`).
        public static let fileSystem = Code(name: "fileSystem")
        /// A secret key file is readable or writable by group or others.
        public static let insecurePermissions = Code(name: "insecurePermissions")
        /// A key file's content is not in the expected one-line format.
        public static let malformedKey = Code(name: "malformedKey")
        /// Two different trusted public keys have the same key id.
        public static let duplicateKeyID = Code(name: "duplicateKeyID")

        public var description: String { name }
    }

    /// What kind of problem this is.
    public let code: Code
    /// The file the problem is about.
    public let path: String
    /// The `errno` of a failed system call, for `.fileSystem`; otherwise nil.
    public let systemError: Int32?
    /// The full explanation, starting with the path.
    public let message: String

    /// Creates an error; `message` should start with `path`.
    public init(_ code: Code, path: String, systemError: Int32? = nil, _ message: String) {
        self.code = code
        self.path = path
        self.systemError = systemError
        self.message = message
    }

    public var description: String { message }
}
