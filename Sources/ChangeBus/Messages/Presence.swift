import FoundationEssentials

/// An agent's announcement of itself: who it is, what it knows about its host, what it
/// listens to and what it has applied. The registry of hosts is built from these.
public struct Presence: BusMessage {
    /// The schema this build writes.
    public static let schemaID = "changebus.presence/v1"
    /// The newest schema version this build reads.
    public static let maxSchemaVersion = 1
    /// How errors name this message.
    public static let messageKind = "presence"

    /// Why the presence was sent.
    public enum Status: String, Sendable, Codable, Equatable, CaseIterable {
        /// The agent started and is about to consume.
        case online
        /// Periodic, while running.
        case heartbeat
        /// The agent is stopping gracefully.
        case offline
        /// A reply to a `discover` control message.
        case discovery

        public init(from decoder: any Decoder) throws {
            self = try decodeWireEnum(Self.self, from: decoder)
        }
    }

    /// The schema the presence was written with. Default: `changebus.presence/v1`.
    public var schema: String
    /// Unique per presence message.
    public var id: UUID
    /// The host's id.
    public var host: String
    /// Why the presence was sent.
    public var status: Status
    /// When it was sent.
    public var at: Date
    /// The agent's version, e.g. `0.1.0`.
    public var agentVersion: String
    /// The host's facts, as the selector sees them.
    public var facts: Facts
    /// SHA-256 of the facts, 64 lowercase hex digits.
    public var factsDigest: String
    /// The routing-key patterns the host queue is bound with, e.g. `app.prod.web`.
    public var bindings: [String]
    /// The host queue's name.
    public var queue: String
    /// Whether the agent is paused (not consuming).
    public var paused: Bool
    /// The applied version of every component the host has converged.
    public var applied: [AppliedVersion]
    /// The event being converged right now, if any.
    public var inProgress: UUID?

    /// Creates a presence.
    public init(
        schema: String = Presence.schemaID, id: UUID, host: String, status: Status, at: Date,
        agentVersion: String, facts: Facts, factsDigest: String, bindings: [String], queue: String,
        paused: Bool, applied: [AppliedVersion], inProgress: UUID? = nil
    ) {
        self.schema = schema
        self.id = id
        self.host = host
        self.status = status
        self.at = at
        self.agentVersion = agentVersion
        self.facts = facts
        self.factsDigest = factsDigest
        self.bindings = bindings
        self.queue = queue
        self.paused = paused
        self.applied = applied
        self.inProgress = inProgress
    }

    enum CodingKeys: String, CodingKey {
        case schema, id, host, status, at
        case agentVersion = "agent_version"
        case facts
        case factsDigest = "facts_digest"
        case bindings, queue, paused, applied
        case inProgress = "in_progress"
    }

    public func validate() throws(MessageError) {
        let check = MessageValidator(kind: Self.messageKind)
        try Self.checkSchema(schema)
        try check.name(host, "host")
        try check.nonEmpty(agentVersion, "agent_version")
        try check.sha256(factsDigest, "facts_digest")
        for (index, binding) in bindings.enumerated() { try check.bindingPattern(binding, "bindings[\(index)]") }
        try check.unique(bindings, "bindings")
        try check.nonEmpty(queue, "queue")
        for (index, version) in applied.enumerated() { try version.validate(check, at: "applied[\(index)]") }
    }
}
