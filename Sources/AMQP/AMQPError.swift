/// An error from the AMQP layer: what failed, where, and whether trying again can help.
///
/// `description` is safe to log: it names host, port, vhost and the queue or exchange
/// involved, never a password.
public struct AMQPError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The kind of failure. Extensible: new codes are added as static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// Nothing listens at the broker's address.
        public static let connectionRefused = Code("connectionRefused")
        /// The broker refused the user name or password.
        public static let authenticationFailed = Code("authenticationFailed")
        /// The user may not use this vhost, queue or exchange (reply code 403).
        public static let accessRefused = Code("accessRefused")
        /// The queue or exchange does not exist (reply code 404).
        public static let notFound = Code("notFound")
        /// A redeclare with other properties, or a precondition the broker checks (406).
        public static let preconditionFailed = Code("preconditionFailed")
        /// Another connection holds an exclusive queue (405).
        public static let resourceLocked = Code("resourceLocked")
        /// The broker closed the channel for another reason; the connection still works.
        public static let channelClosed = Code("channelClosed")
        /// The broker or the network closed the connection.
        public static let connectionClosed = Code("connectionClosed")
        /// No heartbeat or data from the broker for two heartbeat intervals.
        public static let heartbeatLost = Code("heartbeatLost")
        /// An operation did not finish in time.
        public static let timeout = Code("timeout")
        /// The TLS handshake or certificate verification failed.
        public static let tlsFailure = Code("tlsFailure")
        /// The broker negatively acknowledged a published message.
        public static let publishNacked = Code("publishNacked")
        /// A mandatory message could not be routed to any queue (basic.return).
        public static let unroutable = Code("unroutable")
        /// A broker URL or option is malformed.
        public static let invalidURL = Code("invalidURL")
        /// The caller used the API wrongly (closed channel, bad argument).
        public static let invalidUse = Code("invalidUse")
        /// Any other failure inside rabbitmq-c.
        public static let protocolError = Code("protocolError")
    }

    /// What failed.
    public let code: Code
    /// A readable explanation, including the broker's reply text where there is one.
    public let message: String
    /// The AMQP reply code when the broker closed the channel or connection.
    public let replyCode: Int?
    /// The raw rabbitmq-c status (`amqp_status_enum`) when the library reported one.
    public let libraryStatus: Int32?
    /// The publish sequence number the error is about (nacks and returns).
    public let sequence: UInt64?
    /// Where it was thrown: `file:line`.
    public let location: String

    public init(
        _ code: Code, _ message: String, replyCode: Int? = nil, libraryStatus: Int32? = nil,
        sequence: UInt64? = nil, file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.replyCode = replyCode
        self.libraryStatus = libraryStatus
        self.sequence = sequence
        self.location = "\(file):\(line)"
    }

    /// Whether reconnecting or retrying later can succeed (network and broker outages),
    /// as opposed to errors that need a change of config or code.
    public var isRetriable: Bool {
        switch code {
        case .connectionRefused, .connectionClosed, .heartbeatLost, .timeout, .resourceLocked:
            return true
        case .channelClosed:
            // 320 connection-forced, 541 internal error: the broker is going away.
            return replyCode == 320 || replyCode == 541
        default:
            return false
        }
    }

    public var description: String {
        var text = "\(code): \(message)"
        if let replyCode { text += " (reply code \(replyCode))" }
        return text
    }

    public static func == (lhs: AMQPError, rhs: AMQPError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message && lhs.replyCode == rhs.replyCode
            && lhs.sequence == rhs.sequence
    }

    /// The code that a broker reply code stands for (AMQP 0-9-1 constants).
    static func code(forReply replyCode: Int, channelLevel: Bool) -> Code {
        switch replyCode {
        case 403: return .accessRefused
        case 404: return .notFound
        case 405: return .resourceLocked
        case 406: return .preconditionFailed
        default: return channelLevel ? .channelClosed : .connectionClosed
        }
    }
}
