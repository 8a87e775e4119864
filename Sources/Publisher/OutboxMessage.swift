import AMQP
import ChangeBus
import FoundationEssentials

/// A signed event ready to publish, as the outbox stores it: one JSON object per file.
///
/// ```json
/// {"body_base64":"eyJ…","cc":["config.prod.common"],"headers":{"x-changebus-key-id":"…",
///  "x-changebus-signature":"…"},"message_id":"0b9e…","routing_key":"config.prod.web",
///  "timestamp":1764877650}
/// ```
public struct OutboxMessage: Sendable, Codable, Equatable {
    /// The primary routing key, `<stream>.<environment>.<first component>`.
    public var routingKey: String
    /// The other components' keys, sent in RabbitMQ's `CC` header.
    public var cc: [String]
    /// The event id.
    public var messageID: String
    /// The publish time, Unix seconds (AMQP timestamps have no fraction).
    public var timestamp: Int64
    /// The signature headers.
    public var headers: [String: String]
    /// The exact body bytes that were signed, standard base64.
    public var bodyBase64: String

    /// Creates a message.
    public init(routingKey: String, cc: [String], messageID: String, timestamp: Int64, headers: [String: String], bodyBase64: String) {
        self.routingKey = routingKey
        self.cc = cc
        self.messageID = messageID
        self.timestamp = timestamp
        self.headers = headers
        self.bodyBase64 = bodyBase64
    }

    /// The signed message of `event`: encodes it, signs the bytes and routes it by its components.
    /// - Throws: `PublishError` `.message` when the event fails its schema checks.
    public init(event: ChangeEvent, signer: MessageSigner) throws(PublishError) {
        let body: Data
        do {
            body = try MessageCoding.encode(event)
        } catch {
            throw PublishError(.message, "the event does not pass its own checks: \(error)")
        }
        let keys = event.components.map {
            Topology.changeKey(stream: event.stream, environment: event.environment, component: $0)
        }
        self.init(
            routingKey: keys[0], cc: Array(keys.dropFirst()), messageID: event.id.uuidString.lowercased(),
            timestamp: Int64(event.publishedAt.timeIntervalSince1970.rounded(.down)),
            headers: signer.sign(body: body).fields, bodyBase64: body.base64EncodedString())
    }

    /// Every routing key: the primary one, then the `CC` ones.
    public var routingKeys: [String] { [routingKey] + cc }

    /// The body bytes; nil when `bodyBase64` is not valid base64 (a damaged file).
    public var body: Data? { Data(base64Encoded: bodyBase64) }

    /// The AMQP properties: persistent JSON of type `changebus.change`, the event id as
    /// message id, the signature headers and the `CC` header.
    public var properties: MessageProperties {
        var table: FieldTable = headers.mapValues { .string($0) }
        if !cc.isEmpty { table["CC"] = .array(cc.map { .string($0) }) }
        return MessageProperties(
            contentType: Topology.contentType, persistent: true, messageID: messageID,
            timestamp: Date(timeIntervalSince1970: Double(timestamp)), type: Self.messageType, headers: table)
    }

    /// The AMQP `type` property of change events.
    public static let messageType = "changebus.change"

    enum CodingKeys: String, CodingKey {
        case routingKey = "routing_key"
        case cc
        case messageID = "message_id"
        case timestamp, headers
        case bodyBase64 = "body_base64"
    }
}
