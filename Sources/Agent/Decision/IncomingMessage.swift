import FoundationEssentials

/// A change event delivery as the decision sees it, stripped of AMQP types.
public struct IncomingMessage: Sendable {
    /// The exact body bytes, as signed.
    public var body: Data
    /// The `x-changebus-key-id` header value; nil when absent or not a string.
    public var keyID: String?
    /// The `x-changebus-signature` header value; nil when absent or not a string.
    public var signature: String?
    /// The AMQP message id, when the delivery had one.
    public var messageID: String?
    /// The routing key it was published with.
    public var routingKey: String
    /// Whether the broker delivered it before.
    public var redelivered: Bool

    /// Creates an incoming message.
    public init(
        body: Data, keyID: String? = nil, signature: String? = nil, messageID: String? = nil,
        routingKey: String = "", redelivered: Bool = false
    ) {
        self.body = body
        self.keyID = keyID
        self.signature = signature
        self.messageID = messageID
        self.routingKey = routingKey
        self.redelivered = redelivered
    }
}
