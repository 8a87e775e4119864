import FoundationEssentials

/// The field rules that the JSON Schemas in `schemas/` state as patterns and ranges,
/// checked in Swift so that an agent rejects what the schema rejects without a validator.
///
/// Checks walk UTF-8 bytes rather than use `Regex`: inline file contents can be megabytes.
struct MessageValidator {
    /// The message kind errors name.
    let kind: String

    func fail(_ field: String, _ reason: String) -> MessageError {
        MessageError(kind: kind, field: field, reason: reason)
    }

    /// Stream, environment, component and host names: `^[a-z0-9][a-z0-9_-]{0,62}$`.
    /// They are routing-key words, so no dots, and queue-name safe.
    func name(_ value: String, _ field: String) throws(MessageError) {
        let bytes = value.utf8
        guard let first = bytes.first, Self.isLowerAlnum(first), bytes.count <= 63,
              bytes.allSatisfy({ Self.isLowerAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") })
        else {
            throw fail(field, "expected a name of 1 to 63 lowercase letters, digits, \"_\" and \"-\" starting with a letter or digit (no dots), found \(Self.quote(value))")
        }
    }

    /// A non-empty list of names with no repeats.
    func names(_ values: [String], _ field: String) throws(MessageError) {
        guard !values.isEmpty else { throw fail(field, "expected at least one name, found an empty array") }
        try unique(values, field)
        for (index, value) in values.enumerated() { try name(value, "\(field)[\(index)]") }
    }

    /// No value appears twice.
    func unique(_ values: [String], _ field: String) throws(MessageError) {
        var seen = Set<String>()
        for value in values where !seen.insert(value).inserted {
            throw fail(field, "\(Self.quote(value)) appears more than once")
        }
    }

    /// Lowercase hex of one of `lengths` digits.
    func hex(_ value: String, _ field: String, lengths: [Int], what: String) throws(MessageError) {
        guard lengths.contains(value.utf8.count), value.utf8.allSatisfy(Self.isLowerHex) else {
            let digits = lengths.map(String.init).joined(separator: " or ")
            throw fail(field, "expected \(what) of \(digits) lowercase hex digits, found \(Self.quote(value))")
        }
    }

    /// A git object id: SHA-1 (40 hex digits) or SHA-256 (64) object format.
    func gitObjectID(_ value: String, _ field: String) throws(MessageError) {
        try hex(value, field, lengths: [40, 64], what: "a git object id")
    }

    /// A SHA-256 digest: 64 lowercase hex digits.
    func sha256(_ value: String, _ field: String) throws(MessageError) {
        try hex(value, field, lengths: [64], what: "a SHA-256 digest")
    }

    func atLeast(_ value: Int, _ minimum: Int, _ field: String) throws(MessageError) {
        guard value >= minimum else { throw fail(field, "expected an integer >= \(minimum), found \(value)") }
    }

    func nonEmpty(_ value: String, _ field: String) throws(MessageError) {
        guard !value.isEmpty else { throw fail(field, "expected a non-empty string") }
    }

    /// A relative path inside a repository: slash-separated, no empty, `.` or `..` parts,
    /// no NUL. Files are written under a root folder, so this is what keeps them there.
    func relativePath(_ value: String, _ field: String) throws(MessageError) {
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        guard !value.isEmpty, !value.utf8.contains(0),
              parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." })
        else {
            throw fail(field, "expected a relative path without empty, \".\" or \"..\" parts, found \(Self.quote(value))")
        }
    }

    /// Standard base64 with padding (RFC 4648 section 4).
    func base64(_ value: String, _ field: String) throws(MessageError) {
        let bytes = Array(value.utf8)
        let padding = bytes.reversed().prefix(while: { $0 == UInt8(ascii: "=") }).count
        guard bytes.count % 4 == 0, padding <= 2,
              bytes.dropLast(padding).allSatisfy(Self.isBase64)
        else {
            throw fail(field, "expected standard base64 with padding")
        }
    }

    /// What JSON Schema's `email` format checks here: an `@`.
    func email(_ value: String, _ field: String) throws(MessageError) {
        guard value.contains("@") else { throw fail(field, "expected an email address, found \(Self.quote(value))") }
    }

    /// A topic binding pattern: dot-separated names, `*` or `#`.
    func bindingPattern(_ value: String, _ field: String) throws(MessageError) {
        let words = value.split(separator: ".", omittingEmptySubsequences: false)
        for word in words where word != "*" && word != "#" {
            do {
                try name(String(word), field)
            } catch {
                throw fail(field, "expected a binding pattern of names, \"*\" and \"#\" separated by dots, found \(Self.quote(value))")
            }
        }
    }

    // MARK: - Bytes

    private static func isLowerAlnum(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    private static func isBase64(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || isLowerAlnum(byte)
            || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "/")
    }

    /// A value for an error message: quoted, at most 64 characters.
    static func quote(_ value: String) -> String {
        value.count > 64 ? "\"\(value.prefix(64))...\"" : "\"\(value)\""
    }
}
