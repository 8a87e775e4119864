import FoundationEssentials

/// An operator's command to one agent or to all of them.
public struct ControlMessage: BusMessage {
    /// The schema this build writes.
    public static let schemaID = "changebus.control/v1"
    /// The newest schema version this build reads.
    public static let maxSchemaVersion = 1
    /// How errors name this message.
    public static let messageKind = "control message"

    /// What the agent is told to do.
    public enum Command: String, Sendable, Codable, Equatable, CaseIterable {
        /// Stop consuming: changes stay queued. Persists across restarts.
        case pause
        /// Consume again.
        case resume
        /// Reply to the message's `reply_to` with a presence of status `discovery`.
        case discover

        public init(from decoder: any Decoder) throws {
            self = try decodeWireEnum(Self.self, from: decoder)
        }
    }

    /// The schema the message was written with. Default: `changebus.control/v1`.
    public var schema: String
    /// Unique per control message.
    public var id: UUID
    /// What the agent is told to do.
    public var command: Command
    /// A host id, or `all`.
    public var target: String
    /// When it was issued.
    public var issuedAt: Date
    /// Who issued it, e.g. `alice@ops-1`.
    public var issuedBy: String
    /// Why, for the audit.
    public var reason: String?

    /// Creates a control message.
    public init(
        schema: String = ControlMessage.schemaID, id: UUID, command: Command, target: String,
        issuedAt: Date, issuedBy: String, reason: String? = nil
    ) {
        self.schema = schema
        self.id = id
        self.command = command
        self.target = target
        self.issuedAt = issuedAt
        self.issuedBy = issuedBy
        self.reason = reason
    }

    /// The target that addresses every agent.
    public static let allHosts = "all"

    enum CodingKeys: String, CodingKey {
        case schema, id, command, target
        case issuedAt = "issued_at"
        case issuedBy = "issued_by"
        case reason
    }

    public func validate() throws(MessageError) {
        let check = MessageValidator(kind: Self.messageKind)
        try Self.checkSchema(schema)
        // "all" is itself a valid name, so one rule covers both.
        try check.name(target, "target")
        try check.nonEmpty(issuedBy, "issued_by")
    }
}
