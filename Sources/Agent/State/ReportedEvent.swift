import ChangeBus
import FoundationEssentials

/// An event whose result the broker confirmed: kept so that a redelivery is acked without
/// converging or reporting again.
public struct ReportedEvent: Codable, Sendable, Equatable {
    /// The event's id.
    public var eventId: UUID
    /// The outcome reported.
    public var outcome: Outcome
    /// When the result was confirmed.
    public var at: Date
    /// The event's stream, environment and version, when the result named them: they tell
    /// a version jump from versions this host saw and did not converge.
    public var stream: String?
    /// See `stream`.
    public var environment: String?
    /// See `stream`.
    public var version: Int?

    /// Creates a record of a reported event.
    public init(eventId: UUID, outcome: Outcome, at: Date, stream: String? = nil, environment: String? = nil, version: Int? = nil) {
        self.eventId = eventId
        self.outcome = outcome
        self.at = at
        self.stream = stream
        self.environment = environment
        self.version = version
    }

    enum CodingKeys: String, CodingKey {
        case eventId = "event_id"
        case outcome, at, stream, environment, version
    }
}
