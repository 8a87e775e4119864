import FoundationEssentials

/// A message that could not be decoded, encoded or validated.
///
/// `description` names the message kind and the failing field path, e.g.
/// `change event: field "version": expected an integer, found a string`. It quotes field
/// names and short values from the message only, never secrets, so it is safe to log and
/// to put into a `rejected` result's `reason`.
public struct MessageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of message, e.g. `change event` or `presence`.
    public var kind: String
    /// The JSON path of the failing field, e.g. `changes[2].status` or `facts["os.family"]`;
    /// nil when the message as a whole is at fault (not JSON, not an object).
    public var field: String?
    /// What is wrong, e.g. `expected an integer, found a string`.
    public var reason: String

    /// Creates an error for `kind`, naming `field` when there is one.
    public init(kind: String, field: String?, reason: String) {
        self.kind = kind
        self.field = field
        self.reason = reason
    }

    public var description: String {
        guard let field else { return "\(kind): \(reason)" }
        return "\(kind): field \"\(field)\": \(reason)"
    }
}
