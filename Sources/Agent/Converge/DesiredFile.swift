/// One file of a component's desired state, as a change event carries it inline.
public struct DesiredFile: Sendable, Equatable {
    /// The repository path, relative to the files handler's root, e.g. `etc/nginx/nginx.conf`.
    public var path: String
    /// Permission bits, e.g. `0o644`; at most `0o777` (no setuid, setgid or sticky bits).
    public var mode: Int
    /// The file's bytes.
    public var content: [UInt8]
    /// SHA-256 of `content` as 64 hex digits; checked before anything is written.
    public var sha256: String

    /// Creates a desired file.
    public init(path: String, mode: Int, content: [UInt8], sha256: String) {
        self.path = path
        self.mode = mode
        self.content = content
        self.sha256 = sha256
    }
}
