import FoundationEssentials

/// One versioned change of one stream and environment, published once per push.
///
/// It states the full desired state of the components it names at `revision`: when
/// `files` is present it holds every file of those components, and `deleted` the paths
/// of theirs that are gone since the previous revision. So for each component the newest
/// event is enough, whatever a host missed before.
///
/// Room to grow: `kind` is there for event kinds other than changes (runtime switches),
/// and a later schema version can add per-recipient payloads (sealed secret files) as a
/// new optional field; `maxSchemaVersion` says which versions this build reads.
public struct ChangeEvent: BusMessage {
    /// The schema this build writes.
    public static let schemaID = "changebus.change/v1"
    /// The newest schema version this build reads.
    public static let maxSchemaVersion = 1
    /// How errors name this message.
    public static let messageKind = "change event"

    /// What an event is about. Only changes exist in schema v1.
    public enum Kind: String, Sendable, Codable, Equatable, CaseIterable {
        /// Files of components changed at a git revision.
        case change

        public init(from decoder: any Decoder) throws {
            self = try decodeWireEnum(Self.self, from: decoder)
        }
    }

    /// The author of the commit at `revision`.
    public struct Author: Sendable, Codable, Equatable {
        /// The author's name as git records it.
        public var name: String
        /// The author's email as git records it; must contain an `@`.
        public var email: String

        /// Creates an author.
        public init(name: String, email: String) {
            self.name = name
            self.email = email
        }
    }

    /// The schema the event was written with. Default: `changebus.change/v1`.
    public var schema: String
    /// Unique per event; agents report and deduplicate by it.
    public var id: UUID
    /// Default: `.change`.
    public var kind: Kind
    /// The stream, a routing-key word, e.g. `app`.
    public var stream: String
    /// The environment, a routing-key word, e.g. `prod`.
    public var environment: String
    /// Strictly increasing per stream and environment, from 1.
    public var version: Int
    /// The version published before this one; nil for the first.
    public var previousVersion: Int?
    /// The git commit, 40 (or, for SHA-256 repositories, 64) lowercase hex digits.
    public var revision: String
    /// The commit the changes are relative to; nil when the branch was created.
    public var previousRevision: String?
    /// The components this event states, at least one, no repeats.
    public var components: [String]
    /// The selector over host facts; empty for every host.
    public var target: String
    /// What changed since `previousRevision`.
    public var changes: [FileChange]
    /// Every file of `components` at `revision`, when the event carries its files.
    public var files: [InlineFile]?
    /// Paths of `components` that are gone since the previous revision.
    public var deleted: [String]?
    /// The commit's author.
    public var author: Author
    /// The commit message.
    public var message: String
    /// When the commit was made.
    public var committedAt: Date
    /// When the event was published.
    public var publishedAt: Date
    /// The host name of the publisher.
    public var publisher: String
    /// Whether the push was not a fast-forward.
    public var forced: Bool

    /// Creates a change event.
    public init(
        schema: String = ChangeEvent.schemaID, id: UUID, kind: Kind = .change,
        stream: String, environment: String, version: Int, previousVersion: Int?,
        revision: String, previousRevision: String?, components: [String], target: String,
        changes: [FileChange], files: [InlineFile]? = nil, deleted: [String]? = nil,
        author: Author, message: String, committedAt: Date, publishedAt: Date,
        publisher: String, forced: Bool
    ) {
        self.schema = schema
        self.id = id
        self.kind = kind
        self.stream = stream
        self.environment = environment
        self.version = version
        self.previousVersion = previousVersion
        self.revision = revision
        self.previousRevision = previousRevision
        self.components = components
        self.target = target
        self.changes = changes
        self.files = files
        self.deleted = deleted
        self.author = author
        self.message = message
        self.committedAt = committedAt
        self.publishedAt = publishedAt
        self.publisher = publisher
        self.forced = forced
    }

    /// Every path the event touches: each change's path and, for renames, its old path;
    /// in order, without repeats. What the agent's watch globs are matched against.
    public var changedPaths: [String] {
        var seen = Set<String>()
        return changes.flatMap { [$0.path] + ($0.oldPath.map { [$0] } ?? []) }
            .filter { seen.insert($0).inserted }
    }

    enum CodingKeys: String, CodingKey {
        case schema, id, kind, stream, environment, version
        case previousVersion = "previous_version"
        case revision
        case previousRevision = "previous_revision"
        case components, target, changes, files, deleted, author, message
        case committedAt = "committed_at"
        case publishedAt = "published_at"
        case publisher, forced
    }

    public func validate() throws(MessageError) {
        let check = MessageValidator(kind: Self.messageKind)
        try Self.checkSchema(schema)
        try check.name(stream, "stream")
        try check.name(environment, "environment")
        try check.atLeast(version, 1, "version")
        if let previousVersion {
            try check.atLeast(previousVersion, 1, "previous_version")
            guard previousVersion < version else {
                throw check.fail("previous_version", "expected less than version \(version), found \(previousVersion)")
            }
        }
        try check.gitObjectID(revision, "revision")
        if let previousRevision { try check.gitObjectID(previousRevision, "previous_revision") }
        try check.names(components, "components")
        for (index, change) in changes.enumerated() { try change.validate(check, at: "changes[\(index)]") }
        if let files {
            for (index, file) in files.enumerated() {
                try file.validate(check, at: "files[\(index)]")
                guard components.contains(file.component) else {
                    throw check.fail("files[\(index)].component", "\(MessageValidator.quote(file.component)) is not one of the event's components")
                }
            }
            try check.unique(files.map(\.path), "files")
        }
        if let deleted {
            for (index, path) in deleted.enumerated() { try check.relativePath(path, "deleted[\(index)]") }
            try check.unique(deleted, "deleted")
            let inlined = Set(files?.map(\.path) ?? [])
            if let index = deleted.firstIndex(where: inlined.contains) {
                throw check.fail("deleted[\(index)]", "\(MessageValidator.quote(deleted[index])) is also in files")
            }
        }
        try check.email(author.email, "author.email")
        try check.nonEmpty(publisher, "publisher")
    }

    /// What can still be read from a change event body that failed to decode, for the
    /// `rejected` result: each field only when it is present and well formed.
    public struct Peek: Sendable, Equatable {
        /// The event id, when it is a UUID.
        public var id: UUID?
        /// The stream, when it is a valid name.
        public var stream: String?
        /// The environment, when it is a valid name.
        public var environment: String?
        /// The version, when it is an integer from 1.
        public var version: Int?
        /// The components that are valid names, without repeats; empty when none are.
        public var components: [String]

        /// Creates a peek.
        public init(id: UUID? = nil, stream: String? = nil, environment: String? = nil, version: Int? = nil, components: [String] = []) {
            self.id = id
            self.stream = stream
            self.environment = environment
            self.version = version
            self.components = components
        }
    }

    /// Reads what it can of a possibly malformed change event body; never fails.
    public static func peek(_ body: Data) -> Peek {
        struct Loose: Decodable {
            var id: UUID?, stream: String?, environment: String?, version: Int?, components: [String]?
            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                id = try? container.decodeIfPresent(UUID.self, forKey: .id)
                stream = try? container.decodeIfPresent(String.self, forKey: .stream)
                environment = try? container.decodeIfPresent(String.self, forKey: .environment)
                version = try? container.decodeIfPresent(Int.self, forKey: .version)
                components = try? container.decodeIfPresent([String].self, forKey: .components)
            }
        }
        guard let loose = try? JSONDecoder().decode(Loose.self, from: body) else { return Peek() }
        // Keep only what a result may carry, so the rejected result itself validates.
        let check = MessageValidator(kind: messageKind)
        var seen = Set<String>()
        func wellFormedName(_ value: String?) -> String? {
            guard let value, (try? check.name(value, "")) != nil else { return nil }
            return value
        }
        return Peek(
            id: loose.id,
            stream: wellFormedName(loose.stream),
            environment: wellFormedName(loose.environment),
            version: loose.version.flatMap { $0 >= 1 ? $0 : nil },
            components: (loose.components ?? []).compactMap(wellFormedName).filter { seen.insert($0).inserted })
    }
}
