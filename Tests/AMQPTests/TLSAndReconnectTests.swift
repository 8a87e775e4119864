import AMQP
import Foundation
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(3)))
struct TLSAndReconnectTests {
    /// The node's TLS listener, with the CA and client certificate that scripts/broker made.
    static func tlsURL() throws -> BrokerURL {
        if let text = ProcessInfo.processInfo.environment["CHANGEBUS_TEST_AMQPS_URL"] {
            return try BrokerURL(text)
        }
        let result = try run(repoRoot.appendingPathComponent("scripts/broker").path, ["url", "tls"])
        return try BrokerURL(result.output.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func tlsConnectsWithTheGeneratedCAAndFailsWithAnother() throws {
        let url = try Self.tlsURL()
        let connection = try Connection.open(url, name: "changebus tls test")
        let channel = try connection.openChannel()
        let queue = TestBroker.unique("tls")
        try channel.declareQueue(queue, durable: false, exclusive: true)
        try channel.enableConfirms()
        try channel.waitForConfirm(try channel.publish(exchange: "", routingKey: queue, body: Data("secure".utf8)), timeout: .seconds(5))
        #expect(try channel.get(queue: queue)?.body == Data("secure".utf8))

        var wrong = url
        wrong.caCertFile = URL(fileURLWithPath: try #require(url.caCertFile))
            .deletingLastPathComponent().appendingPathComponent("other-ca.pem").path
        #expect {
            try Connection.open(wrong, name: "changebus tls wrong ca")
        } throws: { ($0 as? AMQPError)?.code == .tlsFailure }
    }

    /// Connects through the reconnect helper; its topology callback declares the queue.
    static func confirmChannel(_ reconnector: Reconnector, queue: String) throws -> Channel {
        var channel: Channel?
        _ = try reconnector.connect { (connection: Connection) throws(AMQPError) in
            let c = try connection.openChannel()
            try c.declareQueue(queue, durable: true)
            try c.enableConfirms()
            channel = c
        }
        return channel!
    }

    final class Counter: @unchecked Sendable { var value = 0 }

    /// Stops and starts a broker node of its own while publishing with confirms: the
    /// reconnect helper resumes and every confirmed message is in the queue afterwards.
    @Test func brokerRestartLosesNoConfirmedMessage() throws {
        let broker = PrivateBroker(port: 5700, name: "broker-restart-test")
        try broker.control("start")
        defer { try? broker.control("stop") }
        let url = try BrokerURL(try broker.url())
        let queue = "test.restart.durable"
        let failures = Counter()
        let reconnector = Reconnector(
            urls: [url], connectionName: "changebus restart test",
            backoff: Backoff(initial: .milliseconds(100), maximum: .seconds(1)), maxAttempts: 200,
            onFailure: { _, _, _ in failures.value += 1 })
        var channel = try Self.confirmChannel(reconnector, queue: queue)
        try channel.purgeQueue(queue)

        let total = 3000
        var confirmed = Set<Int>()
        var inFlight: [UInt64: Int] = [:]
        var next = 1
        var pendingResend: [Int] = []
        let restarter = Thread { try? broker.control("restart") }
        var reconnects = 0
        while confirmed.count < total {
            // Publish in batches of 100, then collect confirms.
            var batch = pendingResend
            pendingResend = []
            while batch.count < 100 && next <= total {
                batch.append(next)
                next += 1
            }
            do {
                for id in batch {
                    let sequence = try channel.publish(
                        exchange: "", routingKey: queue, body: Data("\(id)".utf8),
                        properties: MessageProperties(messageID: "\(id)"))
                    inFlight[sequence] = id
                }
                let nacked = try channel.waitForConfirms(timeout: .seconds(10))
                let failed = Set(nacked.compactMap { $0.sequence })
                for (sequence, id) in inFlight where !failed.contains(sequence) { confirmed.insert(id) }
                pendingResend += failed.compactMap { inFlight[$0] }
                inFlight.removeAll()
                if confirmed.count >= 500 && reconnects == 0 {
                    if !restarter.isExecuting && !restarter.isFinished { restarter.start() }
                    // Slow down until the broker is gone, so the restart hits mid-run.
                    Thread.sleep(forTimeInterval: 0.2)
                }
            } catch {
                // (`catch where` on a typed-throws body crashes the 6.3 compiler.)
                guard error.isRetriable else { throw error }
                // Unconfirmed messages are published again: at least once.
                pendingResend += batch
                inFlight.removeAll()
                reconnects += 1
                channel = try Self.confirmChannel(reconnector, queue: queue)
            }
        }
        while !restarter.isFinished { Thread.sleep(forTimeInterval: 0.1) }
        if !channel.isOpen { channel = try Self.confirmChannel(reconnector, queue: queue) }
        #expect(reconnects >= 1, "the broker restart must have cut the connection")
        #expect(failures.value >= 1, "the reconnect helper must have retried while the broker was down")

        var seen = Set<Int>()
        while let delivery = try channel.get(queue: queue) {
            if let id = Int(String(decoding: delivery.body, as: UTF8.self)) { seen.insert(id) }
            try channel.ack(delivery.deliveryTag)
        }
        #expect(confirmed.isSubset(of: seen), "lost: \(confirmed.subtracting(seen).sorted().prefix(10))")
        #expect(seen.count == total)
    }
}
