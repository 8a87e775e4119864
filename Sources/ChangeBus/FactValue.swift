import FoundationEssentials
/// One host fact as the selector sees it: a string, a number, a boolean or a list.
///
/// Facts come from the agent config's `[facts]` section and from a facts command's JSON
/// output (e.g. `facter --json`); nested JSON objects are flattened to dotted keys by
/// whoever gathers them, so a fact value itself is never an object.
public enum FactValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case string(String)
    case number(Double)
    case bool(Bool)
    case list([FactValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([FactValue].self) {
            self = .list(value)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "a fact must be a string, number, boolean or list")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .list(let value): try container.encode(value)
        }
    }

    public var description: String {
        switch self {
        case .string(let value): return value
        case .number(let value):
            if let whole = Int64(exactly: value) { return String(whole) }
            return String(value)
        case .bool(let value): return value ? "true" : "false"
        case .list(let value): return "[" + value.map(\.description).joined(separator: ", ") + "]"
        }
    }
}

/// A host's facts by name.
public typealias Facts = [String: FactValue]
