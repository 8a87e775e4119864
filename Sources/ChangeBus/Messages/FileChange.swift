import FoundationEssentials

/// One path that changed between a change event's previous revision and its revision, as
/// `git diff --name-status` reports it.
public struct FileChange: Sendable, Codable, Equatable {
    /// How a path changed.
    public enum Status: String, Sendable, Codable, Equatable, CaseIterable {
        case added, modified, deleted, renamed

        public init(from decoder: any Decoder) throws {
            self = try decodeWireEnum(Self.self, from: decoder)
        }
    }

    /// The path at the new revision (for `deleted`, the path that is gone).
    public var path: String
    /// How it changed.
    public var status: Status
    /// The path before a rename; only for `renamed`, nil otherwise.
    public var oldPath: String?
    /// The git blob id at the new revision; nil for `deleted`.
    public var blob: String?

    /// Creates a file change.
    public init(path: String, status: Status, oldPath: String? = nil, blob: String? = nil) {
        self.path = path
        self.status = status
        self.oldPath = oldPath
        self.blob = blob
    }

    enum CodingKeys: String, CodingKey {
        case path, status
        case oldPath = "old_path"
        case blob
    }

    func validate(_ check: MessageValidator, at field: String) throws(MessageError) {
        try check.relativePath(path, "\(field).path")
        if status == .renamed {
            guard let oldPath else { throw check.fail("\(field).old_path", "required when status is \"renamed\"") }
            try check.relativePath(oldPath, "\(field).old_path")
        } else if oldPath != nil {
            throw check.fail("\(field).old_path", "only allowed when status is \"renamed\"")
        }
        if let blob {
            guard status != .deleted else { throw check.fail("\(field).blob", "must be null when status is \"deleted\"") }
            try check.gitObjectID(blob, "\(field).blob")
        }
    }
}
