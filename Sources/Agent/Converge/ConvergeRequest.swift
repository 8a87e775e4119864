/// What the agent asks a convergence handler to do, built from one change event.
public struct ConvergeRequest: Sendable, Equatable {
    /// The event's stream, e.g. `config`.
    public var stream: String
    /// The event's environment, e.g. `prod`.
    public var environment: String
    /// The event's version (strictly increasing per stream and environment).
    public var version: Int
    /// The git revision the event describes.
    public var revision: String
    /// The event's unique id.
    public var eventID: String
    /// The components this host converges, e.g. `["nginx", "php"]`.
    public var components: [String]
    /// The repository paths the change touched.
    public var changedPaths: [String]
    /// The full desired state of `components`: all of their files, not only the changed ones.
    public var files: [DesiredFile]
    /// Repository paths to remove.
    public var deleted: [String]
    /// Compute and report what would change, but change nothing.
    public var dryRun: Bool

    /// Creates a request.
    public init(stream: String, environment: String, version: Int, revision: String, eventID: String,
                components: [String] = [], changedPaths: [String] = [], files: [DesiredFile] = [],
                deleted: [String] = [], dryRun: Bool = false) {
        self.stream = stream
        self.environment = environment
        self.version = version
        self.revision = revision
        self.eventID = eventID
        self.components = components
        self.changedPaths = changedPaths
        self.files = files
        self.deleted = deleted
        self.dryRun = dryRun
    }
}
