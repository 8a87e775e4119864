import FoundationEssentials

/// The basic properties of a message. Only fields that are set are sent.
public struct MessageProperties: Sendable, Hashable {
    /// MIME type of the body, e.g. `application/json`.
    public var contentType: String?
    /// Persistent messages (delivery mode 2) survive a broker restart in durable queues.
    /// Default: true.
    public var persistent: Bool
    /// The application's id for the message: changebus puts the event or result id here.
    public var messageID: String?
    /// Creation time, to the second (the AMQP timestamp has no fraction).
    public var timestamp: Date?
    /// Matches a reply to its request.
    public var correlationID: String?
    /// Where a reply should go (queue name), for request/reply.
    public var replyTo: String?
    /// Per-message TTL in milliseconds, as text (AMQP's own encoding).
    public var expiration: String?
    /// Message type name.
    public var type: String?
    /// Application id.
    public var appID: String?
    /// Application headers. RabbitMQ's `CC` header (an array of strings) adds routing keys.
    public var headers: FieldTable

    public init(
        contentType: String? = nil, persistent: Bool = true, messageID: String? = nil,
        timestamp: Date? = nil, correlationID: String? = nil, replyTo: String? = nil,
        expiration: String? = nil, type: String? = nil, appID: String? = nil,
        headers: FieldTable = [:]
    ) {
        self.contentType = contentType
        self.persistent = persistent
        self.messageID = messageID
        self.timestamp = timestamp
        self.correlationID = correlationID
        self.replyTo = replyTo
        self.expiration = expiration
        self.type = type
        self.appID = appID
        self.headers = headers
    }
}

/// A message the broker delivered to a consumer, or handed out by `basic.get`.
public struct Delivery: Sendable {
    /// The channel the delivery arrived on; acks must go to the same channel.
    public let channel: UInt16
    /// The consumer tag (empty for `basic.get`).
    public let consumerTag: String
    /// Channel-scoped tag for ack, nack and reject.
    public let deliveryTag: UInt64
    /// True when the broker delivered this message before and it was not acked.
    public let redelivered: Bool
    public let exchange: String
    public let routingKey: String
    public let properties: MessageProperties
    public let body: Data
}

/// A mandatory message the broker could not route, sent back by `basic.return`.
public struct ReturnedMessage: Sendable {
    public let replyCode: Int
    public let replyText: String
    public let exchange: String
    public let routingKey: String
    public let properties: MessageProperties
    public let body: Data
}

/// Queue and message counts from a (passive) queue declare.
public struct QueueInfo: Sendable, Hashable {
    public let name: String
    public let messageCount: Int
    public let consumerCount: Int
}

/// Typed queue arguments (`x-…`); anything else goes into `extra`.
public struct QueueArguments: Sendable, Hashable {
    /// `x-queue-type`: `classic`, `quorum` or `stream`.
    public var queueType: String?
    /// `x-dead-letter-exchange`: where rejected and expired messages go.
    public var deadLetterExchange: String?
    /// `x-dead-letter-routing-key`.
    public var deadLetterRoutingKey: String?
    /// `x-message-ttl` in milliseconds.
    public var messageTTL: Int64?
    /// `x-max-length`: most messages the queue holds.
    public var maxLength: Int64?
    /// `x-overflow`: `drop-head`, `reject-publish` or `reject-publish-dlx`.
    public var overflow: String?
    /// `x-delivery-limit` (quorum queues): redeliveries before dead-lettering.
    public var deliveryLimit: Int64?
    /// Any other argument.
    public var extra: FieldTable

    public init(
        queueType: String? = nil, deadLetterExchange: String? = nil, deadLetterRoutingKey: String? = nil,
        messageTTL: Int64? = nil, maxLength: Int64? = nil, overflow: String? = nil,
        deliveryLimit: Int64? = nil, extra: FieldTable = [:]
    ) {
        self.queueType = queueType
        self.deadLetterExchange = deadLetterExchange
        self.deadLetterRoutingKey = deadLetterRoutingKey
        self.messageTTL = messageTTL
        self.maxLength = maxLength
        self.overflow = overflow
        self.deliveryLimit = deliveryLimit
        self.extra = extra
    }

    /// The arguments as a field table, integers as signed 64-bit values.
    public var table: FieldTable {
        var t = extra
        if let queueType { t["x-queue-type"] = .string(queueType) }
        if let deadLetterExchange { t["x-dead-letter-exchange"] = .string(deadLetterExchange) }
        if let deadLetterRoutingKey { t["x-dead-letter-routing-key"] = .string(deadLetterRoutingKey) }
        if let messageTTL { t["x-message-ttl"] = .int(messageTTL) }
        if let maxLength { t["x-max-length"] = .int(maxLength) }
        if let overflow { t["x-overflow"] = .string(overflow) }
        if let deliveryLimit { t["x-delivery-limit"] = .int(deliveryLimit) }
        return t
    }
}

/// Exchange types.
public enum ExchangeType: String, Sendable {
    case direct, fanout, topic, headers
}
