import FoundationEssentials

/// The one JSON coder for every message the bus carries.
///
/// Output is compact with sorted keys and unescaped slashes, so the same message always
/// gives the same bytes. Dates are RFC 3339 UTC strings with milliseconds, e.g.
/// `2026-12-04T19:47:30.123Z`; decoding accepts them with or without fractional seconds
/// and with any UTC offset. Times carry millisecond precision: decoding rounds to it.
///
/// For a `BusMessage`, decoding also rejects an unknown `schema`, unknown fields and
/// values that `validate()` refuses, and encoding validates first, so nothing this build
/// publishes is something it would reject.
public enum MessageCoding {
    /// Encodes `value` as compact JSON with sorted keys.
    ///
    /// - Throws: `MessageError` when a `BusMessage` fails `validate()`, or when a value
    ///   cannot be written as JSON (a non-finite number).
    public static func encode<T: Encodable>(_ value: T) throws(MessageError) -> Data {
        let kind = kindName(of: T.self)
        if let message = value as? any BusMessage { try message.validate() }
        do {
            return try makeEncoder().encode(value)
        } catch let EncodingError.invalidValue(_, context) {
            throw MessageError(
                kind: kind, field: render(context.codingPath),
                reason: "cannot be written as JSON: \(context.debugDescription)")
        } catch {
            throw MessageError(kind: kind, field: nil, reason: "cannot be written as JSON: \(error)")
        }
    }

    /// Decodes a `T` from JSON.
    ///
    /// - Throws: `MessageError` naming the message kind and the failing field, e.g.
    ///   `change event: field "version": expected an integer, found a string`.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws(MessageError) -> T {
        let kind = kindName(of: T.self)
        let shape: JSONShape
        do {
            shape = try JSONDecoder().decode(JSONShape.self, from: data)
        } catch {
            throw MessageError(kind: kind, field: nil, reason: "not valid JSON")
        }
        let messageType = T.self as? any BusMessage.Type
        if let messageType {
            // The schema first: a newer version's fields would otherwise fail as unknown.
            guard case .object(let members) = shape else {
                throw MessageError(kind: kind, field: nil, reason: "expected a JSON object, found \(shape.article)")
            }
            guard let schemaShape = members["schema"] else {
                throw MessageError(kind: kind, field: "schema", reason: "missing required field")
            }
            guard schemaShape == .string, let schema = try? JSONDecoder().decode(SchemaProbe.self, from: data).schema else {
                throw MessageError(kind: kind, field: "schema", reason: "expected a string, found \(schemaShape.article)")
            }
            try messageType.checkSchema(schema)
        }
        let value: T
        do {
            value = try makeDecoder().decode(T.self, from: data)
        } catch {
            throw translate(error, kind: kind, shape: shape)
        }
        if let message = value as? any BusMessage {
            try rejectUnknownFields(of: message, in: shape, kind: kind)
            try message.validate()
        }
        return value
    }

    /// `date` as the messages write it: RFC 3339 UTC with milliseconds, e.g.
    /// `2026-12-04T19:47:30.123Z`. Rounds to the nearest millisecond.
    public static func timestamp(_ date: Date) -> String {
        // Format whole seconds and add the milliseconds by hand: the format style truncates
        // (x.123 stored as x.12299999 would print .122).
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (seconds, fraction) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        let (wholeSeconds, millis) = fraction < 0 ? (seconds - 1, fraction + 1000) : (seconds, fraction)
        let base = Date.ISO8601FormatStyle().format(Date(timeIntervalSince1970: Double(wholeSeconds)))
        let digits = String(millis)
        return base.dropLast() + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }

    /// Parses an RFC 3339 date-time with or without fractional seconds, with `Z` or an
    /// offset; nil when `text` is not one. Rounds to the nearest millisecond.
    public static func parseTimestamp(_ text: String) -> Date? {
        let parsed = (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
            ?? (try? Date.ISO8601FormatStyle().parse(text))
        // The format style rolls out-of-range fields over (25:61 becomes 02:01 the next
        // day, February 30 becomes March 2): written back at the text's own offset, the
        // date and time must read as they were given.
        guard let parsed, let offset = utcOffsetSeconds(of: text),
              let zone = TimeZone(secondsFromGMT: offset),
              Date.ISO8601FormatStyle(timeZone: zone).format(parsed).utf8.prefix(19).elementsEqual(text.utf8.prefix(19))
        else { return nil }
        return Date(timeIntervalSince1970: (parsed.timeIntervalSince1970 * 1000).rounded() / 1000)
    }

    /// The UTC offset a date-time ends with: `Z` or `+hh:mm` / `-hh:mm`.
    private static func utcOffsetSeconds(of text: String) -> Int? {
        if text.hasSuffix("Z") { return 0 }
        let tail = Array(text.utf8.suffix(6))
        func digits(_ range: Range<Int>) -> Int? { Int(String(decoding: tail[range], as: UTF8.self)) }
        guard tail.count == 6, tail[0] == UInt8(ascii: "+") || tail[0] == UInt8(ascii: "-"), tail[3] == UInt8(ascii: ":"),
              let hours = digits(1..<3), let minutes = digits(4..<6)
        else { return nil }
        return (tail[0] == UInt8(ascii: "-") ? -1 : 1) * (hours * 3600 + minutes * 60)
    }

    // MARK: - Internals

    private struct SchemaProbe: Decodable { var schema: String }

    private static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(timestamp(date))
        }
        return encoder
    }

    private static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = parseTimestamp(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container,
                    debugDescription: "expected an RFC 3339 date-time such as 2026-12-04T19:47:30.123Z, found \"\(text.prefix(40))\"")
            }
            return date
        }
        return decoder
    }

    private static func kindName(of type: Any.Type) -> String {
        (type as? any BusMessage.Type)?.messageKind ?? String(describing: type)
    }

    private static func render(_ codingPath: [any CodingKey]) -> String? {
        codingPath.isEmpty ? nil : JSONPathKey.render(codingPath.map(JSONPathKey.init))
    }

    private static func rejectUnknownFields(of message: any BusMessage, in shape: JSONShape, kind: String) throws(MessageError) {
        // Re-encode the decoded value and compare members: whatever the input has and the
        // re-encoding lacks, the Swift type does not know.
        let known: JSONShape
        do {
            known = try JSONDecoder().decode(JSONShape.self, from: makeEncoder().encode(message))
        } catch {
            throw MessageError(kind: kind, field: nil, reason: "cannot be re-encoded for checking: \(error)")
        }
        if let path = shape.firstUnknownMember(comparedTo: known) {
            throw MessageError(kind: kind, field: JSONPathKey.render(path), reason: "unknown field")
        }
    }

    /// Turns Foundation's `DecodingError` into a message a person can act on.
    private static func translate(_ error: any Error, kind: String, shape: JSONShape) -> MessageError {
        func found(_ path: [any CodingKey]) -> String {
            shape.node(at: path).map { ", found \($0.article)" } ?? ""
        }
        guard let error = error as? DecodingError else {
            return MessageError(kind: kind, field: nil, reason: "\(error)")
        }
        switch error {
        case .typeMismatch(let type, let context):
            return MessageError(
                kind: kind, field: render(context.codingPath),
                reason: "expected \(article(for: type))\(found(context.codingPath))")
        case .valueNotFound(let type, let context):
            return MessageError(
                kind: kind, field: render(context.codingPath),
                reason: "expected \(article(for: type)), found null")
        case .keyNotFound(let key, let context):
            return MessageError(kind: kind, field: render(context.codingPath + [key]), reason: "missing required field")
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            // The JSON parsed as a shape, so this is Foundation's path-less report of a
            // number that does not fit an integer field. Name the candidates.
            let candidates = shape.numberPaths().map(JSONPathKey.render)
            if candidates.count == 1 {
                return MessageError(kind: kind, field: candidates[0], reason: "expected an integer, found \(JSONShape.number.article)")
            }
            let list = candidates.map { "\"\($0)\"" }.joined(separator: ", ")
            return MessageError(
                kind: kind, field: nil,
                reason: candidates.isEmpty
                    ? "cannot be decoded: \(context.debugDescription)"
                    : "a number with a fraction or out of range where an integer is expected, at one of: \(list)")
        case .dataCorrupted(let context):
            // Foundation's UUID message names no field type; say what was expected.
            let reason = context.debugDescription.contains("UUID")
                ? "expected a UUID such as 0b9e6f1c-3f2a-4c7e-9d1b-5a8e2f4c6d10"
                : context.debugDescription
            return MessageError(kind: kind, field: render(context.codingPath), reason: reason)
        @unknown default:
            return MessageError(kind: kind, field: nil, reason: "\(error)")
        }
    }

    private static func article(for type: Any.Type) -> String {
        let name = String(describing: type)
        switch name {
        case "Int", "Int8", "Int16", "Int32", "Int64", "UInt", "UInt8", "UInt16", "UInt32", "UInt64": return "an integer"
        case "Double", "Float": return "a number"
        case "String": return "a string"
        case "Bool": return "a boolean"
        default:
            if name.hasPrefix("Dictionary") { return "an object" }
            if name.hasPrefix("Array") { return "an array" }
            return "a value of type \(name)"
        }
    }
}
