/// What an agent did with a change event; one result reports exactly one.
public enum Outcome: String, Sendable, Codable, Equatable, CaseIterable {
    /// Converged, and something changed on the host.
    case applied
    /// Converged, and nothing needed to change.
    case unchanged
    /// Not meant for this host: the selector or the watch globs did not match.
    case skipped
    /// Every component of the event this host takes already has this version or a newer one.
    case stale
    /// A newer event of the same stream, already delivered, covers all its components.
    case superseded
    /// Convergence failed.
    case failed
    /// Convergence ran out of time and was killed.
    case timeout
    /// Refused before deciding: bad signature, schema or size.
    case rejected

    public init(from decoder: any Decoder) throws {
        self = try decodeWireEnum(Self.self, from: decoder)
    }
}
