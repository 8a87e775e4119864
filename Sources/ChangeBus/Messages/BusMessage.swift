import FoundationEssentials

/// A message the bus carries: a JSON object with a versioned `schema` field, checked
/// beyond its Swift types by `validate()`.
///
/// `MessageCoding` uses this to name the message in errors, to reject schema versions this
/// build does not know, to reject unknown fields (the v1 JSON Schemas say
/// `additionalProperties: false`) and to validate before encoding and after decoding.
public protocol BusMessage: Codable, Sendable, Equatable {
    /// How errors name this message, e.g. `change event`.
    static var messageKind: String { get }
    /// The schema this build writes, e.g. `changebus.change/v1`.
    static var schemaID: String { get }
    /// The newest schema version this build reads; it reads every version from 1 up to it.
    static var maxSchemaVersion: Int { get }
    /// The schema the message was written with.
    var schema: String { get }
    /// Checks what the Swift types cannot express: name patterns, hex digests, ranges,
    /// and consistency between fields.
    ///
    /// - Throws: `MessageError` naming the first failing field.
    func validate() throws(MessageError)
}

extension BusMessage {
    /// The schema IDs this build reads, oldest first, e.g. `["changebus.change/v1"]`.
    public static var readableSchemaIDs: [String] {
        (1...maxSchemaVersion).map { "\(schemaFamily)\($0)" }
    }

    /// `schemaID` up to its version number, e.g. `changebus.change/v`.
    static var schemaFamily: Substring {
        // Every schemaID ends in "/v<digits>", so its last "v" is the version's.
        guard let v = schemaID.lastIndex(of: "v") else { return schemaID[...] }
        return schemaID[...v]
    }

    /// Throws unless `schema` is one this build reads.
    static func checkSchema(_ schema: String) throws(MessageError) {
        guard !readableSchemaIDs.contains(schema) else { return }
        let reason = schema.hasPrefix(schemaFamily)
            ? "unsupported schema version \"\(schema)\" (this build reads up to \(schemaID))"
            : "\"\(schema)\" is not a \(messageKind) schema (expected \(schemaID))"
        throw MessageError(kind: messageKind, field: "schema", reason: reason)
    }
}
