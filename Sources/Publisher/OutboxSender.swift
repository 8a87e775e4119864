import AMQP
import ChangeBus
import FoundationEssentials

/// Sends outbox entries to the `changebus.changes` exchange: persistent, mandatory, with
/// publisher confirms; each file is removed once its confirm arrived.
public struct OutboxSender {
    /// The brokers, tried once each in order.
    public let urls: [BrokerURL]
    /// How long to wait for each confirm.
    public let confirmTimeout: Duration
    /// The `connection_name` the broker shows.
    public let connectionName: String

    /// Creates a sender.
    public init(urls: [BrokerURL], confirmTimeout: Duration, connectionName: String) {
        self.urls = urls
        self.confirmTimeout = confirmTimeout
        self.connectionName = connectionName
    }

    /// Sends `items` in order (publishing is pipelined, confirms are awaited in order) and
    /// removes each confirmed one from `outbox`. Never throws: what could not be sent stays
    /// in the outbox and the report says why.
    public func send(_ items: [Outbox.Item], outbox: Outbox) -> DeliveryReport {
        var report = DeliveryReport()
        guard !items.isEmpty else { return report }
        let sendable = items.filter { $0.message?.body != nil }
        let damaged = items.filter { $0.message?.body == nil }
        report.pending = damaged
        if let first = damaged.first {
            report.failure = "\(first.path) is not a readable outbox entry; move it away to inspect it"
        }
        guard !sendable.isEmpty else { return report }

        let connection: Connection
        let channel: Channel
        do {
            var opened: Channel?
            let reconnector = Reconnector(
                urls: urls, connectionName: connectionName,
                backoff: Backoff(initial: .milliseconds(100), maximum: .milliseconds(500)), maxAttempts: urls.count)
            connection = try reconnector.connect { (connection: Connection) throws(AMQPError) in
                let channel = try connection.openChannel()
                try channel.declareExchange(Topology.changesExchange, type: .topic, durable: true)
                try channel.enableConfirms()
                opened = channel
            }
            channel = opened!
        } catch {
            report.pending += sendable
            report.failure = "broker unreachable: \(error)"
            return report
        }
        defer { connection.close() }

        var sequences: [(UInt64, Outbox.Item)] = []
        for (index, item) in sendable.enumerated() {
            let message = item.message!
            do {
                let sequence = try channel.publish(
                    exchange: Topology.changesExchange, routingKey: message.routingKey, body: message.body!,
                    properties: message.properties, mandatory: true)
                sequences.append((sequence, item))
            } catch {
                report.pending += sendable[index...]
                report.failure = "publishing \(item.fileName) failed: \(error)"
                break
            }
        }
        for (offset, (sequence, item)) in sequences.enumerated() {
            do {
                try channel.waitForConfirm(sequence, timeout: confirmTimeout)
            } catch {
                if error.code == .unroutable {
                    report.unroutable.append(item)
                } else if error.code == .publishNacked {
                    report.pending.append(item)
                    report.failure = "\(error)"
                    continue
                } else {
                    // A timeout or a lost connection: nothing later can be confirmed either.
                    report.pending += sequences[offset...].map(\.1)
                    report.failure = "\(error)"
                    break
                }
            }
            do {
                try outbox.remove(item)
            } catch {
                // Sent but still on disk: the next flush sends it again, which agents
                // deduplicate by event id.
                report.failure = "\(item.fileName) was confirmed but could not be removed: \(error)"
            }
            report.sent.append(item)
        }
        report.pending.sort { ($0.stream, $0.environment, $0.version) < ($1.stream, $1.environment, $1.version) }
        return report
    }
}
