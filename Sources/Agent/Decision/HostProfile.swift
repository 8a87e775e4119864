import ChangeBus

/// The host as the decision sees it: who it is, its facts, what it subscribes to and which
/// paths it watches.
public struct HostProfile: Sendable {
    /// The host's id.
    public var hostID: String
    /// The host's facts, as the selector sees them.
    public var facts: Facts
    /// The routing-key patterns the host queue is bound with (`[subscribe]`).
    public var subscriptions: [TopicPattern]
    /// Path globs (`[watch]`); empty means every change concerns the host.
    public var watch: [Glob]

    /// Creates a host profile.
    public init(hostID: String, facts: Facts, subscriptions: [TopicPattern], watch: [Glob] = []) {
        self.hostID = hostID
        self.facts = facts
        self.subscriptions = subscriptions
        self.watch = watch
    }
}
