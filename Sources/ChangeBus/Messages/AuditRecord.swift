import FoundationEssentials

/// One message as the audit service records it: the exact body and headers, and a
/// SHA-256 hash chained to the record before, so that any change to the log shows.
///
/// Type and schema only: the audit service that writes these comes later.
public struct AuditRecord: BusMessage {
    /// The schema this build writes.
    public static let schemaID = "changebus.audit/v1"
    /// The newest schema version this build reads.
    public static let maxSchemaVersion = 1
    /// How errors name this message.
    public static let messageKind = "audit record"

    /// The schema the record was written with. Default: `changebus.audit/v1`.
    public var schema: String
    /// Position in the log, from 1, without gaps.
    public var seq: Int
    /// When the audit service recorded the message.
    public var recordedAt: Date
    /// The exchange the message was published to; empty for the default exchange.
    public var exchange: String
    /// The routing key it was published with.
    public var routingKey: String
    /// The AMQP message id, when it had one.
    public var messageId: String?
    /// The AMQP headers.
    public var headers: [String: AuditHeaderValue]
    /// The exact body bytes (the bytes that were signed), standard base64.
    public var body: String
    /// SHA-256 of the body bytes, 64 lowercase hex digits.
    public var bodySha256: String
    /// `hash` of the record before; nil only for the first record (`seq` 1).
    public var prevHash: String?
    /// This record's hash, 64 lowercase hex digits, chained over `prevHash`.
    public var hash: String

    /// Creates an audit record.
    public init(
        schema: String = AuditRecord.schemaID, seq: Int, recordedAt: Date, exchange: String,
        routingKey: String, messageId: String?, headers: [String: AuditHeaderValue], body: String,
        bodySha256: String, prevHash: String?, hash: String
    ) {
        self.schema = schema
        self.seq = seq
        self.recordedAt = recordedAt
        self.exchange = exchange
        self.routingKey = routingKey
        self.messageId = messageId
        self.headers = headers
        self.body = body
        self.bodySha256 = bodySha256
        self.prevHash = prevHash
        self.hash = hash
    }

    /// The body bytes, or nil when `body` is not valid base64.
    public var bodyBytes: Data? { Data(base64Encoded: body) }

    enum CodingKeys: String, CodingKey {
        case schema, seq
        case recordedAt = "recorded_at"
        case exchange
        case routingKey = "routing_key"
        case messageId = "message_id"
        case headers, body
        case bodySha256 = "body_sha256"
        case prevHash = "prev_hash"
        case hash
    }

    public func validate() throws(MessageError) {
        let check = MessageValidator(kind: Self.messageKind)
        try Self.checkSchema(schema)
        try check.atLeast(seq, 1, "seq")
        try check.base64(body, "body")
        try check.sha256(bodySha256, "body_sha256")
        switch (seq, prevHash) {
        case (1, nil): break
        case (1, .some): throw check.fail("prev_hash", "must be null for the first record (seq 1)")
        case (_, nil): throw check.fail("prev_hash", "required for every record after the first")
        case (_, .some(let prevHash)): try check.sha256(prevHash, "prev_hash")
        }
        try check.sha256(hash, "hash")
    }
}
