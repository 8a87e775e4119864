import FoundationEssentials

/// The version of one component a host has converged to, per stream and environment.
public struct AppliedVersion: Sendable, Codable, Equatable {
    /// The stream of the event that was applied.
    public var stream: String
    /// Its environment.
    public var environment: String
    /// The component converged.
    public var component: String
    /// The version of the event that was applied, from 1.
    public var version: Int
    /// That event's id.
    public var eventId: UUID
    /// When it was applied.
    public var appliedAt: Date

    /// Creates an applied version.
    public init(stream: String, environment: String, component: String, version: Int, eventId: UUID, appliedAt: Date) {
        self.stream = stream
        self.environment = environment
        self.component = component
        self.version = version
        self.eventId = eventId
        self.appliedAt = appliedAt
    }

    enum CodingKeys: String, CodingKey {
        case stream, environment, component, version
        case eventId = "event_id"
        case appliedAt = "applied_at"
    }

    func validate(_ check: MessageValidator, at field: String) throws(MessageError) {
        try check.name(stream, "\(field).stream")
        try check.name(environment, "\(field).environment")
        try check.name(component, "\(field).component")
        try check.atLeast(version, 1, "\(field).version")
    }
}
