import FoundationEssentials

/// One AMQP header value as an audit record keeps it.
///
/// JSON form: strings, integers, booleans, numbers, arrays and objects (tables) as
/// themselves; bytes as `{"$bytes": "<base64>"}`. Two limits, accepted to keep the form
/// plain: a double with no fraction (2.0) reads back as `.int(2)`, and a table whose only
/// entry is a string named `$bytes` reads back as bytes.
public enum AuditHeaderValue: Sendable, Codable, Equatable {
    /// A long string (AMQP `S`).
    case string(String)
    /// Any integer kind.
    case int(Int)
    case bool(Bool)
    /// A float or double.
    case double(Double)
    /// A byte array (AMQP `x`).
    case bytes(Data)
    /// A nested field table (AMQP `F`).
    case table([String: AuditHeaderValue])
    /// A field array (AMQP `A`).
    case array([AuditHeaderValue])

    /// The key that marks bytes in the JSON form.
    static let bytesKey = "$bytes"

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([AuditHeaderValue].self) {
            self = .array(value)
        } else if let table = try? container.decode([String: AuditHeaderValue].self) {
            if table.count == 1, case .string(let base64)? = table[Self.bytesKey] {
                guard let bytes = Data(base64Encoded: base64) else {
                    throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected base64 after \"$bytes\"")
                }
                self = .bytes(bytes)
            } else {
                self = .table(table)
            }
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "a header value must be a string, number, boolean, array or object")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .bytes(let value): try container.encode([Self.bytesKey: value.base64EncodedString()])
        case .table(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        }
    }
}
