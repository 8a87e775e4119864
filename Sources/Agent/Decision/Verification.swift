import ChangeBus

/// What `Verifier` made of a delivery.
public enum Verification: Sendable {
    /// Within the size limit, signed by a trusted key, and a valid change event.
    case valid(ChangeEvent)
    /// To be rejected: `reason` names what failed; `peek` is what could be read of the
    /// body for the `rejected` result (unauthenticated: report it, never act on it).
    case invalid(reason: String, peek: ChangeEvent.Peek)
}
