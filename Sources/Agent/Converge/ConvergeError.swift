#if canImport(Glibc)
import Glibc
#endif

/// A convergence that cannot start or cannot finish: a hostile or malformed request, a file
/// system failure, a command that cannot be spawned, or a bad exit-code map.
///
/// `message` names the bad path, command or map entry and what is wrong with it. The agent
/// reports a thrown error as outcome `failed` (see `ConvergeReport.init(failure:)`).
public struct ConvergeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem this is; extensible, so callers need not switch exhaustively.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        /// A path is absolute, has an empty, `.` or `..` component, or would leave the root
        /// through a symbolic link; or it is named twice in one request.
        public static let invalidPath = Code(name: "invalidPath")
        /// A file's content does not match its stated SHA-256.
        public static let digestMismatch = Code(name: "digestMismatch")
        /// A file's mode is outside 0000...0777.
        public static let invalidMode = Code(name: "invalidMode")
        /// A system call on a file or folder failed (see `systemError`).
        public static let fileSystem = Code(name: "fileSystem")
        /// The command is empty or its working directory is missing.
        public static let invalidCommand = Code(name: "invalidCommand")
        /// `posix_spawn` failed, e.g. the executable does not exist (see `systemError`).
        public static let spawnFailed = Code(name: "spawnFailed")
        /// An exit-code map string cannot be parsed.
        public static let invalidExitCodeMap = Code(name: "invalidExitCodeMap")

        public var description: String { name }
    }

    /// What kind of problem this is.
    public let code: Code
    /// The path, command or map text the problem is about.
    public let subject: String
    /// The `errno` of a failed system call; otherwise nil.
    public let systemError: Int32?
    /// The full explanation, starting with the subject.
    public let message: String

    /// Creates an error; `message` should start with `subject`.
    public init(_ code: Code, subject: String, systemError: Int32? = nil, _ message: String) {
        self.code = code
        self.subject = subject
        self.systemError = systemError
        self.message = message
    }

    public var description: String { message }

    /// A failed system call on `subject`: "`subject`: `action`: strerror".
    static func system(_ code: Code, _ errorNumber: Int32, subject: String, _ action: String) -> ConvergeError {
        ConvergeError(code, subject: subject, systemError: errorNumber,
                      "\(subject): \(action): \(String(cString: strerror(errorNumber)))")
    }
}
