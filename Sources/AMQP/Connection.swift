import CRabbitMQ
import CShims
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// One AMQP connection to a broker, over TCP or TLS.
///
/// **Thread confinement.** rabbitmq-c connections are not thread-safe, and heartbeats are
/// only answered while the owner calls into the connection. A `Connection` is therefore
/// not `Sendable`: create it on the thread that uses it and keep calling
/// `nextDelivery(timeout:)` (or any other call) at least every heartbeat interval, also
/// while other work (a child process) runs. Blocking calls never belong on Swift's
/// cooperative thread pool.
///
/// Frames for several channels arrive on one socket: this type reads them all, buffers
/// deliveries, settles publisher confirms, records returns, and handles the broker closing a
/// channel (the connection stays usable) or the whole connection.
public final class Connection {
    /// Method ids (class << 16 | method) from amqp_framing.h; the C macros are casts
    /// that Swift cannot import.
    enum Method {
        static let connectionClose: UInt32 = 0x000A_0032
        static let connectionCloseOK: UInt32 = 0x000A_0033
        static let connectionBlocked: UInt32 = 0x000A_003C
        static let connectionUnblocked: UInt32 = 0x000A_003D
        static let channelClose: UInt32 = 0x0014_0028
        static let channelCloseOK: UInt32 = 0x0014_0029
        static let basicCancel: UInt32 = 0x003C_001E
        static let basicReturn: UInt32 = 0x003C_0032
        static let basicDeliver: UInt32 = 0x003C_003C
        static let basicGetOK: UInt32 = 0x003C_0047
        static let basicAck: UInt32 = 0x003C_0050
        static let basicNack: UInt32 = 0x003C_0078
    }

    /// What the connection knows about one of its channels.
    final class ChannelState {
        let number: UInt16
        var closedBy: AMQPError?
        var confirms: ConfirmTracker?
        var returned: [ReturnedMessage] = []
        var cancelledConsumers: [String] = []
        init(number: UInt16) { self.number = number }
    }

    let state: amqp_connection_state_t
    /// The broker this connection talks to (the password is never logged).
    public let url: BrokerURL
    /// The `connection_name` client property shown in the management UI.
    public let name: String
    /// Set once the connection failed or was closed; every later call throws it.
    private(set) var failure: AMQPError?
    private var closed = false
    var channels: [UInt16: ChannelState] = [:]
    private var lastChannel: UInt16 = 0
    private var deliveries: [Delivery] = []
    private var deliveryHead = 0
    /// True while the broker has blocked publishing (resource alarm).
    public private(set) var isBlocked = false
    /// The heartbeat interval the broker and client agreed on, in seconds (0 = off).
    public let heartbeat: Int

    private init(state: amqp_connection_state_t, url: BrokerURL, name: String) {
        self.state = state
        self.url = url
        self.name = name
        self.heartbeat = Int(amqp_get_heartbeat(state))
    }

    deinit {
        if !closed && failure == nil {
            _ = amqp_connection_close(state, Int32(AMQP_REPLY_SUCCESS))
        }
        // Frees the socket and every pool; nothing of it is referenced from Swift values.
        amqp_destroy_connection(state)
    }

    /// Connects, logs in and tunes (heartbeat, frame size) the connection.
    ///
    /// - Parameters:
    ///   - url: the broker; TLS files and timeouts come from its options.
    ///   - name: shown as `connection_name` in the broker's connection list, e.g.
    ///     `changebus agent web-01`.
    ///   - clientProperties: more client properties; rabbitmq-c adds its defaults
    ///     (product, version, capabilities).
    /// - Throws: `AMQPError` with `.connectionRefused`, `.tlsFailure`, `.timeout`,
    ///   `.authenticationFailed`, `.accessRefused` (vhost) or `.connectionClosed`.
    public static func open(
        _ url: BrokerURL, name: String, clientProperties: FieldTable = [:]
    ) throws(AMQPError) -> Connection {
        guard let state = amqp_new_connection() else {
            throw AMQPError(.protocolError, "cannot allocate a connection for \(url.endpoint)")
        }
        // From here on `state` must be destroyed on every failure path.
        do {
            try connectSocket(state, url)
            var timeout = timeval(tv_sec: 30, tv_usec: 0)
            _ = amqp_set_rpc_timeout(state, &timeout)
            let arena = RabbitArena()
            var properties = clientProperties
            properties["connection_name"] = .string(name)
            properties["product"] = .string("changebus")
            // Without these the broker sends neither basic.cancel (queue deleted) nor
            // connection.blocked; rabbitmq-c merges them with its own capabilities.
            properties["capabilities"] = .table([
                "consumer_cancel_notify": .bool(true), "connection.blocked": .bool(true),
                "authentication_failure_close": .bool(true), "publisher_confirms": .bool(true),
                "basic.nack": .bool(true), "exchange_exchange_bindings": .bool(true),
            ])
            var table = arena.table(properties)
            let reply = withExtendedLifetime(arena) {
                cb_login_plain(
                    state, url.vhost, 0, Int32(url.frameMax), Int32(url.heartbeat), &table,
                    url.user, url.password)
            }
            try checkLogin(reply, state, url)
        } catch {
            amqp_destroy_connection(state)
            throw error
        }
        return Connection(state: state, url: url, name: name)
    }

    private static func connectSocket(_ state: amqp_connection_state_t, _ url: BrokerURL) throws(AMQPError) {
        let socket: OpaquePointer?
        if url.tls {
            socket = amqp_ssl_socket_new(state)
            guard let socket else { throw AMQPError(.tlsFailure, "cannot create a TLS socket for \(url.endpoint)") }
            if let ca = url.caCertFile {
                let status = amqp_ssl_socket_set_cacert(socket, ca)
                guard status == AMQP_STATUS_OK.rawValue else {
                    throw AMQPError(.tlsFailure, "cannot load CA file \(ca): \(errorText(status))", libraryStatus: status)
                }
            }
            if let cert = url.certFile, let key = url.keyFile {
                let status = amqp_ssl_socket_set_key(socket, cert, key)
                guard status == AMQP_STATUS_OK.rawValue else {
                    throw AMQPError(.tlsFailure, "cannot load client certificate \(cert) / key \(key): \(errorText(status))", libraryStatus: status)
                }
            }
            amqp_ssl_socket_set_verify_peer(socket, url.verifyPeer ? 1 : 0)
            amqp_ssl_socket_set_verify_hostname(socket, url.verifyPeer ? 1 : 0)
        } else {
            socket = amqp_tcp_socket_new(state)
        }
        guard let socket else { throw AMQPError(.protocolError, "cannot create a socket for \(url.endpoint)") }
        var timeout = timeval(tv_sec: url.connectionTimeout, tv_usec: 0)
        errno = 0
        let status = amqp_socket_open_noblock(socket, url.host, Int32(url.port), &timeout)
        let savedErrno = errno
        guard status == AMQP_STATUS_OK.rawValue else {
            let text = errorText(status)
            switch status {
            case AMQP_STATUS_TIMEOUT.rawValue:
                throw AMQPError(.timeout, "connecting to \(url.endpoint) timed out after \(url.connectionTimeout) s", libraryStatus: status)
            case AMQP_STATUS_SSL_ERROR.rawValue, AMQP_STATUS_SSL_CONNECTION_FAILED.rawValue,
                AMQP_STATUS_SSL_PEER_VERIFY_FAILED.rawValue, AMQP_STATUS_SSL_HOSTNAME_VERIFY_FAILED.rawValue:
                throw AMQPError(.tlsFailure, "TLS handshake with \(url.endpoint) failed: \(text) (check cacertfile, certfile and the broker's certificate)", libraryStatus: status)
            case AMQP_STATUS_HOSTNAME_RESOLUTION_FAILED.rawValue:
                throw AMQPError(.connectionRefused, "cannot resolve host \(url.host)", libraryStatus: status)
            default:
                let reason = savedErrno == ECONNREFUSED ? "connection refused" : text
                throw AMQPError(.connectionRefused, "cannot connect to \(url.endpoint): \(reason)", libraryStatus: status)
            }
        }
    }

    private static func checkLogin(_ reply: amqp_rpc_reply_t, _ state: amqp_connection_state_t, _ url: BrokerURL) throws(AMQPError) {
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_SERVER_EXCEPTION where reply.reply.id == Method.connectionClose:
            let close = reply.reply.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            let code = Int(close.reply_code)
            let text = RabbitDecode.string(close.reply_text)
            var ok = amqp_connection_close_ok_t(dummy: 0)
            _ = amqp_send_method(state, 0, Method.connectionCloseOK, &ok)
            if code == 403 {
                throw AMQPError(.authenticationFailed, "login as \(url.user) at \(url.endpoint) refused: \(text)", replyCode: code)
            }
            throw AMQPError(code == 530 ? .accessRefused : .connectionClosed,
                            "opening \(url.endpoint) as \(url.user) failed: \(text)", replyCode: code)
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            let status = reply.library_error
            if status == AMQP_STATUS_CONNECTION_CLOSED.rawValue || status == AMQP_STATUS_SOCKET_CLOSED.rawValue {
                // Brokers without authentication_failure_close just drop the socket.
                throw AMQPError(.authenticationFailed, "\(url.endpoint) closed the connection during login as \(url.user): check user, password and vhost", libraryStatus: status)
            }
            if isTLSStatus(status) {
                throw AMQPError(.tlsFailure, "TLS failure during login at \(url.endpoint): \(errorText(status))", libraryStatus: status)
            }
            throw AMQPError(status == AMQP_STATUS_TIMEOUT.rawValue ? .timeout : .protocolError,
                            "login at \(url.endpoint) failed: \(errorText(status))", libraryStatus: status)
        default:
            throw AMQPError(.protocolError, "login at \(url.endpoint) failed: unexpected reply")
        }
    }

    static func errorText(_ status: Int32) -> String {
        String(cString: amqp_error_string2(status))
    }

    static func isTLSStatus(_ status: Int32) -> Bool {
        status <= AMQP_STATUS_SSL_ERROR.rawValue && status > _AMQP_STATUS_SSL_NEXT_VALUE.rawValue
    }

    // MARK: Channels

    /// Opens a new channel.
    /// - Throws: `AMQPError` when the connection is gone or the broker refuses.
    public func openChannel() throws(AMQPError) -> Channel {
        try checkAlive()
        let number = try freeChannelNumber()
        _ = amqp_channel_open(state, number)
        try checkReply("open channel \(number)", channel: number)
        let channelState = ChannelState(number: number)
        channels[number] = channelState
        return Channel(connection: self, state: channelState)
    }

    private func freeChannelNumber() throws(AMQPError) -> UInt16 {
        let limit = UInt16(clamping: amqp_get_channel_max(state) == 0 ? 2047 : Int(amqp_get_channel_max(state)))
        for _ in 0..<limit {
            lastChannel = lastChannel >= limit ? 1 : lastChannel + 1
            if channels[lastChannel] == nil { return lastChannel }
        }
        throw AMQPError(.invalidUse, "all \(limit) channels of \(url.endpoint) are in use")
    }

    // MARK: Receiving

    /// Returns the next delivery for any consumer on this connection, waiting up to
    /// `timeout`; nil when none came in time. Handles every other frame meanwhile
    /// (confirms, returns, channel closes, heartbeats).
    /// - Throws: `AMQPError` when the connection fails (`.connectionClosed`, `.heartbeatLost`).
    public func nextDelivery(timeout: Duration) throws(AMQPError) -> Delivery? {
        let deadline = ContinuousClock.now + timeout
        while deliveryHead == deliveries.count {
            let remaining = deadline - ContinuousClock.now
            if remaining <= .zero { break }
            if try !readFrame(timeout: remaining) { break }
        }
        return takeBufferedDelivery()
    }

    /// Handles every frame already waiting, without blocking, and keeps heartbeats going.
    /// - Throws: `AMQPError` when the connection failed.
    public func poll() throws(AMQPError) {
        while try readFrame(timeout: .zero) {}
    }

    private func takeBufferedDelivery() -> Delivery? {
        guard deliveryHead < deliveries.count else { return nil }
        let delivery = deliveries[deliveryHead]
        deliveryHead += 1
        if deliveryHead == deliveries.count {
            deliveries.removeAll(keepingCapacity: true)
            deliveryHead = 0
        }
        return delivery
    }

    /// Reads frames until `done()` holds or the deadline passes. Returns `done()`.
    func wait(timeout: Duration, until done: () -> Bool) throws(AMQPError) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !done() {
            let remaining = deadline - ContinuousClock.now
            if remaining <= .zero { return false }
            _ = try readFrame(timeout: remaining)
        }
        return true
    }

    /// Reads and handles at most one frame. Returns false when none came in time.
    func readFrame(timeout: Duration) throws(AMQPError) -> Bool {
        try checkAlive()
        // Decoded frames live in pools that this recycles; everything earlier was copied out.
        amqp_maybe_release_buffers(state)
        var frame = amqp_frame_t()
        let parts = timeout.components
        var tv = timeval(tv_sec: Int(parts.seconds), tv_usec: Int(parts.attoseconds / 1_000_000_000_000))
        let status = amqp_simple_wait_frame_noblock(state, &frame, &tv)
        if status == AMQP_STATUS_TIMEOUT.rawValue { return false }
        guard status == AMQP_STATUS_OK.rawValue else { throw fail(status, "waiting for frames") }
        guard frame.frame_type == UInt8(AMQP_FRAME_METHOD) else { return true }
        try handle(method: frame.payload.method, channel: frame.channel)
        return true
    }

    private func handle(method: amqp_method_t, channel: UInt16) throws(AMQPError) {
        switch method.id {
        case Method.basicDeliver:
            let deliver = method.decoded.assumingMemoryBound(to: amqp_basic_deliver_t.self).pointee
            let header = (
                tag: deliver.delivery_tag, redelivered: deliver.redelivered != 0,
                consumer: RabbitDecode.string(deliver.consumer_tag),
                exchange: RabbitDecode.string(deliver.exchange),
                routingKey: RabbitDecode.string(deliver.routing_key))
            let (properties, body) = try readContent(channel: channel)
            deliveries.append(Delivery(
                channel: channel, consumerTag: header.consumer, deliveryTag: header.tag,
                redelivered: header.redelivered, exchange: header.exchange,
                routingKey: header.routingKey, properties: properties, body: body))
        case Method.basicReturn:
            let ret = method.decoded.assumingMemoryBound(to: amqp_basic_return_t.self).pointee
            let header = (code: Int(ret.reply_code), text: RabbitDecode.string(ret.reply_text),
                          exchange: RabbitDecode.string(ret.exchange), routingKey: RabbitDecode.string(ret.routing_key))
            let (properties, body) = try readContent(channel: channel)
            if let channelState = channels[channel] {
                channelState.confirms?.returned(replyCode: header.code, replyText: header.text, messageID: properties.messageID)
                channelState.returned.append(ReturnedMessage(
                    replyCode: header.code, replyText: header.text, exchange: header.exchange,
                    routingKey: header.routingKey, properties: properties, body: body))
            }
        case Method.basicAck:
            let ack = method.decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
            channels[channel]?.confirms?.settle(tag: ack.delivery_tag, multiple: ack.multiple != 0, ack: true)
        case Method.basicNack:
            let nack = method.decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
            channels[channel]?.confirms?.settle(tag: nack.delivery_tag, multiple: nack.multiple != 0, ack: false)
        case Method.basicCancel:
            let cancel = method.decoded.assumingMemoryBound(to: amqp_basic_cancel_t.self).pointee
            channels[channel]?.cancelledConsumers.append(RabbitDecode.string(cancel.consumer_tag))
        case Method.channelClose:
            let close = method.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            serverClosedChannel(channel, code: Int(close.reply_code), text: RabbitDecode.string(close.reply_text), during: nil)
        case Method.connectionClose:
            let close = method.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            throw serverClosedConnection(code: Int(close.reply_code), text: RabbitDecode.string(close.reply_text))
        case Method.connectionBlocked:
            isBlocked = true
        case Method.connectionUnblocked:
            isBlocked = false
        default:
            break
        }
    }

    /// Reads the header and body frames that follow a deliver, return or get-ok.
    func readContent(channel: UInt16) throws(AMQPError) -> (MessageProperties, Data) {
        var message = amqp_message_t()
        let reply = amqp_read_message(state, channel, &message, 0)
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            break
        case AMQP_RESPONSE_SERVER_EXCEPTION where reply.reply.id == Method.channelClose:
            // The broker closed the channel instead of sending the content; it requeues
            // the message itself.
            let close = reply.reply.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            throw serverClosedChannel(channel, code: Int(close.reply_code), text: RabbitDecode.string(close.reply_text),
                                      during: "reading a message body")
        case AMQP_RESPONSE_SERVER_EXCEPTION where reply.reply.id == Method.connectionClose:
            let close = reply.reply.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            throw serverClosedConnection(code: Int(close.reply_code), text: RabbitDecode.string(close.reply_text))
        default:
            throw fail(reply.library_error, "reading a message body on channel \(channel)")
        }
        // amqp_read_message mallocs the body; amqp_destroy_message frees it and the pool.
        defer { amqp_destroy_message(&message) }
        return (RabbitDecode.properties(message.properties), RabbitDecode.data(message.body))
    }

    // MARK: Errors and state

    func checkAlive() throws(AMQPError) {
        if let failure { throw failure }
        if closed { throw AMQPError(.connectionClosed, "connection to \(url.endpoint) was closed by this client") }
    }

    /// Marks the connection failed after a library error and returns the error to throw.
    func fail(_ status: Int32, _ what: String) -> AMQPError {
        let text = Connection.errorText(status)
        let error: AMQPError
        switch status {
        case AMQP_STATUS_HEARTBEAT_TIMEOUT.rawValue:
            error = AMQPError(.heartbeatLost, "no heartbeat from \(url.endpoint) for two intervals of \(heartbeat) s while \(what)", libraryStatus: status)
        case AMQP_STATUS_TIMEOUT.rawValue:
            error = AMQPError(.timeout, "\(url.endpoint) did not answer in time while \(what)", libraryStatus: status)
        case _ where Connection.isTLSStatus(status):
            error = AMQPError(.tlsFailure, "TLS failure with \(url.endpoint) while \(what): \(text)", libraryStatus: status)
        default:
            error = AMQPError(.connectionClosed, "connection to \(url.endpoint) lost while \(what): \(text)", libraryStatus: status)
        }
        // After a socket error or RPC timeout the protocol state is unknown: never reuse it.
        failure = error
        return error
    }

    func serverClosedConnection(code: Int, text: String) -> AMQPError {
        var ok = amqp_connection_close_ok_t(dummy: 0)
        _ = amqp_send_method(state, 0, Method.connectionCloseOK, &ok)
        let error = AMQPError(AMQPError.code(forReply: code, channelLevel: false),
                              "\(url.endpoint) closed the connection: \(text)", replyCode: code)
        failure = error
        return error
    }

    @discardableResult
    func serverClosedChannel(_ channel: UInt16, code: Int, text: String, during what: String?) -> AMQPError {
        var ok = amqp_channel_close_ok_t(dummy: 0)
        _ = amqp_send_method(state, channel, Method.channelCloseOK, &ok)
        let context = what.map { " (\($0))" } ?? ""
        let error = AMQPError(AMQPError.code(forReply: code, channelLevel: true),
                              "broker closed channel \(channel) on \(url.endpoint)\(context): \(text)", replyCode: code)
        channels[channel]?.closedBy = error
        channels[channel] = nil
        return error
    }

    /// Checks the reply of the last synchronous rabbitmq-c call on `channel`.
    func checkReply(_ what: String, channel: UInt16) throws(AMQPError) {
        let reply = amqp_get_rpc_reply(state)
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            if reply.reply.id == Method.channelClose {
                let close = reply.reply.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
                throw serverClosedChannel(channel, code: Int(close.reply_code), text: RabbitDecode.string(close.reply_text), during: what)
            }
            if reply.reply.id == Method.connectionClose {
                let close = reply.reply.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
                throw serverClosedConnection(code: Int(close.reply_code), text: RabbitDecode.string(close.reply_text))
            }
            throw AMQPError(.protocolError, "unexpected reply to \(what) on \(url.endpoint)")
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            throw fail(reply.library_error, what)
        default:
            throw AMQPError(.protocolError, "no reply to \(what) on \(url.endpoint)")
        }
    }

    /// Turns a status of a fire-and-forget call (publish, ack) into an error.
    /// `what` is an autoclosure: these calls run once per message, and the text is only
    /// needed on failure (building it eagerly cost a string allocation per publish).
    func checkStatus(_ status: Int32, _ what: @autoclosure () -> String) throws(AMQPError) {
        guard status == AMQP_STATUS_OK.rawValue else { throw fail(status, what()) }
    }

    /// Closes the connection cleanly. Safe to call twice; later calls throw.
    public func close() {
        guard !closed else { return }
        closed = true
        if failure == nil {
            _ = amqp_connection_close(state, Int32(AMQP_REPLY_SUCCESS))
        }
        channels.removeAll()
    }

    /// True until the connection failed or was closed.
    public var isOpen: Bool { failure == nil && !closed }
}

@available(*, unavailable, message: "a Connection is confined to the thread that uses it")
extension Connection: Sendable {}
