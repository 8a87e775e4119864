/// What to publish: one revision of one stream and environment.
public struct PublishRequest: Sendable, Hashable {
    /// The stream; a valid name.
    public var stream: String
    /// The environment; a valid name.
    public var environment: String
    /// The revision to publish (any name git resolves to a commit).
    public var revision: String
    /// The revision the changes are relative to; nil = every file is added (a new branch).
    public var previousRevision: String?
    /// The selector; empty for every host.
    public var target: String
    /// The push was not a fast-forward.
    public var forced: Bool

    /// Creates a request.
    public init(stream: String, environment: String, revision: String, previousRevision: String? = nil,
                target: String = "", forced: Bool = false) {
        self.stream = stream
        self.environment = environment
        self.revision = revision
        self.previousRevision = previousRevision
        self.target = target
        self.forced = forced
    }
}
