import ChangeBus

/// The result of one publish.
public struct PublishOutcome: Sendable {
    /// The event, nil when no changed path belongs to a component ("nothing to publish").
    public var event: ChangeEvent?
    /// The event's outbox entry (removed again once sent).
    public var item: Outbox.Item?
    /// What was skipped and why.
    public var warnings: [String]
    /// The send of the outbox (earlier waiting events first, then this one); nil when
    /// nothing was published.
    public var delivery: DeliveryReport?

    /// Creates an outcome.
    public init(event: ChangeEvent?, item: Outbox.Item?, warnings: [String], delivery: DeliveryReport?) {
        self.event = event
        self.item = item
        self.warnings = warnings
        self.delivery = delivery
    }

    /// True when the event was confirmed by the broker (or there was none).
    public var isDelivered: Bool {
        guard let item else { return true }
        return !(delivery?.pending.contains { $0.path == item.path } ?? true)
    }

    /// True when the broker returned this event as unroutable: no host is bound.
    public var isUnroutable: Bool {
        guard let item else { return false }
        return delivery?.unroutable.contains { $0.path == item.path } ?? false
    }
}
