/// What one send of the outbox achieved.
public struct DeliveryReport: Sendable, Equatable {
    /// Confirmed by the broker and removed from the outbox, in send order.
    public var sent: [Outbox.Item] = []
    /// Of `sent`: returned as unroutable (no queue bound to any of their keys). The broker
    /// took them, so they are not kept, but no host will receive them.
    public var unroutable: [Outbox.Item] = []
    /// Still in the outbox.
    public var pending: [Outbox.Item] = []
    /// Why `pending` is not empty: broker unreachable, no confirm in time, a nack.
    public var failure: String?

    /// Creates an empty report.
    public init() {}

    /// True when nothing is left in the outbox.
    public var isComplete: Bool { pending.isEmpty }
}
