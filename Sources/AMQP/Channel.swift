import CRabbitMQ
import CShims
import FoundationEssentials

/// An AMQP channel on a `Connection`: topology, publishing with confirms, consuming.
///
/// Like its connection, a channel is confined to one thread. When the broker closes the
/// channel (a failed declare, an unknown queue), every later call throws that error and
/// the connection stays usable: open a new channel.
public final class Channel {
    /// The connection this channel belongs to; the channel keeps it alive.
    public let connection: Connection
    let state: Connection.ChannelState
    private var closedByClient = false

    /// The channel number.
    public var number: UInt16 { state.number }

    init(connection: Connection, state: Connection.ChannelState) {
        self.connection = connection
        self.state = state
    }

    /// True until this client or the broker closed the channel or the connection failed.
    public var isOpen: Bool { !closedByClient && state.closedBy == nil && connection.isOpen }

    private func checkOpen() throws(AMQPError) {
        try connection.checkAlive()
        if let error = state.closedBy { throw error }
        if closedByClient { throw AMQPError(.invalidUse, "channel \(number) was closed by this client") }
    }

    /// Runs one synchronous rabbitmq-c call with C copies of its arguments.
    private func rpc(_ what: String, _ call: (amqp_connection_state_t, UInt16, RabbitArena) -> Void) throws(AMQPError) {
        try checkOpen()
        let arena = RabbitArena()
        withExtendedLifetime(arena) { call(connection.state, number, arena) }
        try connection.checkReply(what, channel: number)
    }

    // MARK: Topology

    /// Declares an exchange. Default: durable, not auto-delete.
    /// - Throws: `.preconditionFailed` when it exists with another type or durability.
    public func declareExchange(
        _ name: String, type: ExchangeType, durable: Bool = true, autoDelete: Bool = false,
        internal isInternal: Bool = false, arguments: FieldTable = [:]
    ) throws(AMQPError) {
        try rpc("declare exchange \(name)") { state, channel, arena in
            _ = amqp_exchange_declare(
                state, channel, arena.bytes(name), arena.bytes(type.rawValue), 0,
                durable ? 1 : 0, autoDelete ? 1 : 0, isInternal ? 1 : 0, arena.table(arguments))
        }
    }

    /// Deletes an exchange.
    public func deleteExchange(_ name: String, ifUnused: Bool = false) throws(AMQPError) {
        try rpc("delete exchange \(name)") { state, channel, arena in
            _ = amqp_exchange_delete(state, channel, arena.bytes(name), ifUnused ? 1 : 0)
        }
    }

    /// Declares a queue and returns its message and consumer counts. An empty name asks
    /// the broker for a generated one (returned in `QueueInfo.name`).
    /// - Throws: `.preconditionFailed` when it exists with other properties or arguments
    ///   (the channel closes; open a new one), `.resourceLocked` for another
    ///   connection's exclusive queue.
    @discardableResult
    public func declareQueue(
        _ name: String, durable: Bool = true, exclusive: Bool = false, autoDelete: Bool = false,
        arguments: QueueArguments = QueueArguments()
    ) throws(AMQPError) -> QueueInfo {
        try queueDeclare(name, passive: false, durable: durable, exclusive: exclusive,
                         autoDelete: autoDelete, arguments: arguments.table)
    }

    /// Checks that a queue exists and returns its counts, without changing it.
    /// - Throws: `.notFound` (and the channel closes) when there is no such queue.
    public func inspectQueue(_ name: String) throws(AMQPError) -> QueueInfo {
        try queueDeclare(name, passive: true, durable: false, exclusive: false, autoDelete: false, arguments: [:])
    }

    private func queueDeclare(
        _ name: String, passive: Bool, durable: Bool, exclusive: Bool, autoDelete: Bool, arguments: FieldTable
    ) throws(AMQPError) -> QueueInfo {
        var info = QueueInfo(name: name, messageCount: 0, consumerCount: 0)
        try rpc("\(passive ? "inspect" : "declare") queue \(name.isEmpty ? "(generated)" : name)") { state, channel, arena in
            guard let ok = amqp_queue_declare(
                state, channel, arena.bytes(name), passive ? 1 : 0, durable ? 1 : 0,
                exclusive ? 1 : 0, autoDelete ? 1 : 0, arena.table(arguments))
            else { return }
            info = QueueInfo(name: RabbitDecode.string(ok.pointee.queue),
                             messageCount: Int(ok.pointee.message_count),
                             consumerCount: Int(ok.pointee.consumer_count))
        }
        return info
    }

    /// Binds a queue to an exchange with a routing key (topic patterns allowed).
    public func bindQueue(_ queue: String, exchange: String, routingKey: String, arguments: FieldTable = [:]) throws(AMQPError) {
        try rpc("bind queue \(queue) to exchange \(exchange) with key \(routingKey)") { state, channel, arena in
            _ = amqp_queue_bind(state, channel, arena.bytes(queue), arena.bytes(exchange),
                                arena.bytes(routingKey), arena.table(arguments))
        }
    }

    /// Removes a binding.
    public func unbindQueue(_ queue: String, exchange: String, routingKey: String, arguments: FieldTable = [:]) throws(AMQPError) {
        try rpc("unbind queue \(queue) from exchange \(exchange) key \(routingKey)") { state, channel, arena in
            _ = amqp_queue_unbind(state, channel, arena.bytes(queue), arena.bytes(exchange),
                                  arena.bytes(routingKey), arena.table(arguments))
        }
    }

    /// Deletes a queue and returns how many messages it held.
    @discardableResult
    public func deleteQueue(_ name: String, ifUnused: Bool = false, ifEmpty: Bool = false) throws(AMQPError) -> Int {
        var count = 0
        try rpc("delete queue \(name)") { state, channel, arena in
            if let ok = amqp_queue_delete(state, channel, arena.bytes(name), ifUnused ? 1 : 0, ifEmpty ? 1 : 0) {
                count = Int(ok.pointee.message_count)
            }
        }
        return count
    }

    /// Removes every ready message from a queue; returns how many.
    @discardableResult
    public func purgeQueue(_ name: String) throws(AMQPError) -> Int {
        var count = 0
        try rpc("purge queue \(name)") { state, channel, arena in
            if let ok = amqp_queue_purge(state, channel, arena.bytes(name)) {
                count = Int(ok.pointee.message_count)
            }
        }
        return count
    }

    // MARK: Publishing

    /// Puts the channel into confirm mode: every later publish gets a sequence number and
    /// the broker acks (or nacks) each one.
    public func enableConfirms() throws(AMQPError) {
        guard state.confirms == nil else { return }
        try rpc("enable publisher confirms") { state, channel, _ in
            _ = amqp_confirm_select(state, channel)
        }
        state.confirms = ConfirmTracker()
    }

    /// Publishes a message. Returns its confirm sequence number (0 without confirm mode).
    ///
    /// Publishing is pipelined: this does not wait for the broker. Collect the outcome
    /// with `waitForConfirm(_:timeout:)` or `waitForConfirms(timeout:)`.
    /// - Parameter mandatory: have the broker return the message when no queue is bound
    ///   to its routing key; the confirm then reports `.unroutable` for this sequence.
    /// - Throws: when the channel or connection is closed.
    @discardableResult
    public func publish(
        exchange: String, routingKey: String, body: Data,
        properties: MessageProperties = MessageProperties(), mandatory: Bool = false
    ) throws(AMQPError) -> UInt64 {
        try checkOpen()
        let arena = RabbitArena()
        var props = arena.properties(properties)
        // The exchange and routing key are lent to rabbitmq-c straight from the strings'
        // UTF-8 storage (it serialises them before returning), saving two copies per publish.
        var exchangeName = exchange, key = routingKey
        let status = withExtendedLifetime(arena) {
            exchangeName.withUTF8 { exchangeBytes in
                key.withUTF8 { keyBytes in
                    body.withUnsafeBytes { raw in
                        amqp_basic_publish(
                            connection.state, number, RabbitArena.borrowed(exchangeBytes),
                            RabbitArena.borrowed(keyBytes), mandatory ? 1 : 0, 0, &props,
                            RabbitArena.borrowed(raw))
                    }
                }
            }
        }
        try connection.checkStatus(status, "publishing to exchange \(exchange.isEmpty ? "(default)" : exchange) key \(routingKey)")
        guard state.confirms != nil else { return 0 }
        let sequence = state.confirms!.published(mandatoryMessageID: mandatory ? properties.messageID : nil)
        // Read acks now and then so that neither side's socket buffer fills up during a
        // long pipelined run.
        if sequence % 512 == 0 { try connection.poll() }
        return sequence
    }

    /// How many published messages the broker has not confirmed yet.
    public var unconfirmedCount: Int { state.confirms?.inFlight ?? 0 }

    /// Waits until the broker confirmed message `sequence`.
    /// - Throws: `.publishNacked` or `.unroutable` for exactly that message, `.timeout`
    ///   when no confirm came in time, or a channel/connection error.
    public func waitForConfirm(_ sequence: UInt64, timeout: Duration) throws(AMQPError) {
        guard state.confirms != nil else { throw AMQPError(.invalidUse, "channel \(number) is not in confirm mode") }
        let settled = try connection.wait(timeout: timeout) { state.closedBy != nil || state.confirms!.isSettled(sequence) }
        try checkOpen()
        guard settled else {
            throw AMQPError(.timeout, "no confirm for message \(sequence) from \(connection.url.endpoint) within \(timeout)", sequence: sequence)
        }
        if let error = error(for: sequence, state.confirms!.take(sequence)) { throw error }
    }

    /// Waits until every published message is confirmed and returns one error per
    /// message that was nacked or returned (with its `sequence`); empty when all were
    /// acked.
    /// - Throws: `.timeout` when some are still unconfirmed, or a channel/connection error.
    public func waitForConfirms(timeout: Duration) throws(AMQPError) -> [AMQPError] {
        guard state.confirms != nil else { throw AMQPError(.invalidUse, "channel \(number) is not in confirm mode") }
        let settled = try connection.wait(timeout: timeout) { state.closedBy != nil || state.confirms!.inFlight == 0 }
        try checkOpen()
        guard settled else {
            throw AMQPError(.timeout, "\(state.confirms!.inFlight) messages unconfirmed by \(connection.url.endpoint) after \(timeout)")
        }
        return state.confirms!.takeFailures().compactMap { error(for: $0.0, $0.1) }
    }

    private func error(for sequence: UInt64, _ outcome: ConfirmTracker.Outcome) -> AMQPError? {
        switch outcome {
        case .acked:
            return nil
        case .nacked:
            return AMQPError(.publishNacked, "broker \(connection.url.endpoint) refused message \(sequence) (nack: queue full or internal error)", sequence: sequence)
        case .returned(let code, let text):
            return AMQPError(.unroutable, "message \(sequence) was returned unroutable: \(text)", replyCode: code, sequence: sequence)
        }
    }

    /// Mandatory messages the broker returned on this channel since the last call.
    public func takeReturnedMessages() -> [ReturnedMessage] {
        defer { state.returned.removeAll() }
        return state.returned
    }

    // MARK: Consuming

    /// Limits unacked deliveries per consumer (`basic.qos`).
    public func setPrefetch(_ count: UInt16, global: Bool = false) throws(AMQPError) {
        try rpc("set prefetch \(count)") { state, channel, _ in
            _ = amqp_basic_qos(state, channel, 0, count, global ? 1 : 0)
        }
    }

    /// Starts a consumer with manual acks. Deliveries come from
    /// `Connection.nextDelivery(timeout:)`. Returns the consumer tag.
    /// - Throws: `.notFound` when the queue does not exist, `.accessRefused`, `.resourceLocked`.
    @discardableResult
    public func consume(queue: String, consumerTag: String = "", exclusive: Bool = false, arguments: FieldTable = [:]) throws(AMQPError) -> String {
        var tag = consumerTag
        try rpc("consume from queue \(queue)") { state, channel, arena in
            if let ok = amqp_basic_consume(state, channel, arena.bytes(queue), arena.bytes(consumerTag),
                                           0, 0, exclusive ? 1 : 0, arena.table(arguments)) {
                tag = RabbitDecode.string(ok.pointee.consumer_tag)
            }
        }
        return tag
    }

    /// Stops a consumer. Deliveries already buffered stay buffered.
    public func cancel(consumerTag: String) throws(AMQPError) {
        try rpc("cancel consumer \(consumerTag)") { state, channel, arena in
            _ = amqp_basic_cancel(state, channel, arena.bytes(consumerTag))
        }
    }

    /// Consumer tags the broker cancelled (e.g. their queue was deleted) since the last call.
    public func takeCancelledConsumers() -> [String] {
        defer { state.cancelledConsumers.removeAll() }
        return state.cancelledConsumers
    }

    /// Acknowledges a delivery (and with `multiple` every earlier one on this channel).
    public func ack(_ deliveryTag: UInt64, multiple: Bool = false) throws(AMQPError) {
        try checkOpen()
        try connection.checkStatus(amqp_basic_ack(connection.state, number, deliveryTag, multiple ? 1 : 0), "ack \(deliveryTag)")
    }

    /// Negatively acknowledges; without requeue the message is dead-lettered (or dropped
    /// when the queue has no dead-letter exchange).
    public func nack(_ deliveryTag: UInt64, multiple: Bool = false, requeue: Bool) throws(AMQPError) {
        try checkOpen()
        try connection.checkStatus(amqp_basic_nack(connection.state, number, deliveryTag, multiple ? 1 : 0, requeue ? 1 : 0), "nack \(deliveryTag)")
    }

    /// Rejects one delivery, like a single `nack`.
    public func reject(_ deliveryTag: UInt64, requeue: Bool) throws(AMQPError) {
        try checkOpen()
        try connection.checkStatus(amqp_basic_reject(connection.state, number, deliveryTag, requeue ? 1 : 0), "reject \(deliveryTag)")
    }

    /// Fetches one message (`basic.get`, manual ack), or nil when the queue is empty.
    public func get(queue: String) throws(AMQPError) -> Delivery? {
        try checkOpen()
        let arena = RabbitArena()
        let reply = withExtendedLifetime(arena) {
            amqp_basic_get(connection.state, number, arena.bytes(queue), 0)
        }
        _ = reply
        try connection.checkReply("get from queue \(queue)", channel: number)
        let method = amqp_get_rpc_reply(connection.state).reply
        guard method.id == Connection.Method.basicGetOK else { return nil }
        let ok = method.decoded.assumingMemoryBound(to: amqp_basic_get_ok_t.self).pointee
        let header = (tag: ok.delivery_tag, redelivered: ok.redelivered != 0,
                      exchange: RabbitDecode.string(ok.exchange), routingKey: RabbitDecode.string(ok.routing_key))
        let (properties, body) = try connection.readContent(channel: number)
        return Delivery(channel: number, consumerTag: "", deliveryTag: header.tag, redelivered: header.redelivered,
                        exchange: header.exchange, routingKey: header.routingKey, properties: properties, body: body)
    }

    /// Closes the channel. Unacked deliveries go back to their queues.
    public func close() {
        guard isOpen else { return }
        closedByClient = true
        _ = amqp_channel_close(connection.state, number, Int32(AMQP_REPLY_SUCCESS))
        connection.channels[number] = nil
    }
}

@available(*, unavailable, message: "a Channel is confined to the thread that uses its connection")
extension Channel: Sendable {}
