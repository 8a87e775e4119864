import FoundationEssentials

/// What one host did with one change event: published by the agent for every event it
/// takes, including the ones it skips or rejects, so the audit can tell per host why it
/// did or did not change.
public struct ChangeResult: BusMessage {
    /// The schema this build writes.
    public static let schemaID = "changebus.result/v1"
    /// The newest schema version this build reads.
    public static let maxSchemaVersion = 1
    /// How errors name this message.
    public static let messageKind = "change result"

    /// The schema the result was written with. Default: `changebus.result/v1`.
    public var schema: String
    /// Unique per result.
    public var id: UUID
    /// The event's id; nil when the event was so malformed that none could be read.
    public var eventId: UUID?
    /// The AMQP message id of the delivery, when it had one.
    public var messageId: String?
    /// The event's stream; nil when it could not be read or is not a valid name.
    public var stream: String?
    /// The event's environment; nil when it could not be read or is not a valid name.
    public var environment: String?
    /// The event's version; nil when it could not be read or is below 1.
    public var version: Int?
    /// The reporting host's id.
    public var host: String
    /// What the host did.
    public var outcome: Outcome
    /// Why, for a person: the selector that did not match, the error, the handler's verdict.
    public var reason: String
    /// The event's components this result is about, no repeats; empty when none could be read.
    public var components: [String]
    /// Versions skipped over by a version jump, e.g. [5, 6] when 7 follows 4.
    public var missedVersions: [Int]?
    /// SHA-256 of the facts the selector evaluated, for `skipped`.
    public var factsDigest: String?
    /// When the agent started on the event.
    public var startedAt: Date
    /// When it finished.
    public var finishedAt: Date
    /// How long it took, in milliseconds.
    public var durationMs: Int
    /// The convergence command's exit status, when one ran.
    public var exitCode: Int?
    /// The end of the convergence command's output, when one ran.
    public var outputTail: String?
    /// Whether the agent ran with `--dry-run`.
    public var dryRun: Bool
    /// Whether the broker had delivered the event before.
    public var redelivered: Bool
    /// The agent's version, e.g. `0.1.0`.
    public var agentVersion: String

    /// Creates a result.
    public init(
        schema: String = ChangeResult.schemaID, id: UUID, eventId: UUID?, messageId: String? = nil,
        stream: String?, environment: String?, version: Int?, host: String, outcome: Outcome,
        reason: String, components: [String], missedVersions: [Int]? = nil, factsDigest: String? = nil,
        startedAt: Date, finishedAt: Date, durationMs: Int, exitCode: Int? = nil, outputTail: String? = nil,
        dryRun: Bool, redelivered: Bool, agentVersion: String
    ) {
        self.schema = schema
        self.id = id
        self.eventId = eventId
        self.messageId = messageId
        self.stream = stream
        self.environment = environment
        self.version = version
        self.host = host
        self.outcome = outcome
        self.reason = reason
        self.components = components
        self.missedVersions = missedVersions
        self.factsDigest = factsDigest
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.durationMs = durationMs
        self.exitCode = exitCode
        self.outputTail = outputTail
        self.dryRun = dryRun
        self.redelivered = redelivered
        self.agentVersion = agentVersion
    }

    enum CodingKeys: String, CodingKey {
        case schema, id
        case eventId = "event_id"
        case messageId = "message_id"
        case stream, environment, version, host, outcome, reason, components
        case missedVersions = "missed_versions"
        case factsDigest = "facts_digest"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case durationMs = "duration_ms"
        case exitCode = "exit_code"
        case outputTail = "output_tail"
        case dryRun = "dry_run"
        case redelivered
        case agentVersion = "agent_version"
    }

    public func validate() throws(MessageError) {
        let check = MessageValidator(kind: Self.messageKind)
        try Self.checkSchema(schema)
        if let stream { try check.name(stream, "stream") }
        if let environment { try check.name(environment, "environment") }
        if let version { try check.atLeast(version, 1, "version") }
        try check.name(host, "host")
        try check.unique(components, "components")
        for (index, component) in components.enumerated() { try check.name(component, "components[\(index)]") }
        for (index, missed) in (missedVersions ?? []).enumerated() { try check.atLeast(missed, 1, "missed_versions[\(index)]") }
        if let factsDigest { try check.sha256(factsDigest, "facts_digest") }
        try check.atLeast(durationMs, 0, "duration_ms")
        try check.nonEmpty(agentVersion, "agent_version")
    }
}
