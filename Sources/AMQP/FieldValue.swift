import FoundationEssentials

/// A value in an AMQP field table (message headers, queue and exchange arguments,
/// client properties).
///
/// Integers are always sent as the signed 64-bit kind: RabbitMQ closes the connection
/// when it meets the unsigned 32-bit kind, and signed kinds are what every other client
/// sends. Decoding accepts every integer kind.
public enum FieldValue: Sendable, Hashable {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case double(Double)
    case bytes([UInt8])
    case timestamp(Date)
    case table(FieldTable)
    case array([FieldValue])
    case void

    /// The string, if this is one (bytes that are valid UTF-8 count too: some clients send
    /// strings as byte arrays).
    public var stringValue: String? {
        switch self {
        case .string(let s): return s
        case .bytes(let b): return String(validating: b, as: UTF8.self)
        default: return nil
        }
    }

    /// The integer, if this is one.
    public var intValue: Int64? {
        if case .int(let n) = self { return n }
        return nil
    }
}

/// A field table: names to values. Order is not significant in AMQP.
public typealias FieldTable = [String: FieldValue]
