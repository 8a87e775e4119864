import FoundationEssentials

/// One file of a component at a change event's revision, carried in the event for the
/// built-in file convergence.
///
/// An event's inline files are every file of the components it names, not only the changed
/// ones, so the newest event of a component is enough to converge it.
public struct InlineFile: Sendable, Codable, Equatable {
    /// The path in the repository, relative, e.g. `roles/web/nginx.conf`.
    public var path: String
    /// The component the route map put this file in.
    public var component: String
    /// POSIX permission bits, e.g. 420 (0o644) or 493 (0o755); 0 to 4095.
    public var mode: Int
    /// The file's bytes, standard base64 with padding.
    public var content: String
    /// SHA-256 of the file's bytes (not of the base64 text), 64 lowercase hex digits.
    public var sha256: String
    /// The file's size in bytes.
    public var size: Int

    /// Creates an inline file from its already base64-encoded content.
    public init(path: String, component: String, mode: Int, content: String, sha256: String, size: Int) {
        self.path = path
        self.component = component
        self.mode = mode
        self.content = content
        self.sha256 = sha256
        self.size = size
    }

    /// The file's bytes, or nil when `content` is not valid base64.
    public var bytes: Data? { Data(base64Encoded: content) }

    enum CodingKeys: String, CodingKey {
        case path, component, mode, content, sha256, size
    }

    func validate(_ check: MessageValidator, at field: String) throws(MessageError) {
        try check.relativePath(path, "\(field).path")
        try check.name(component, "\(field).component")
        guard (0...0o7777).contains(mode) else {
            throw check.fail("\(field).mode", "expected permission bits from 0 to 4095 (0o7777), found \(mode)")
        }
        try check.base64(content, "\(field).content")
        try check.sha256(sha256, "\(field).sha256")
        try check.atLeast(size, 0, "\(field).size")
    }
}
