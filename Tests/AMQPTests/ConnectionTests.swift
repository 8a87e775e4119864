import AMQP
import Foundation
import TestSupport
import Testing

/// Integration tests against the real private RabbitMQ node.
@Suite(.timeLimit(.minutes(2)))
struct ConnectionTests {
    @Test func roundTripKeepsPropertiesAndHeaders() throws {
        let connection = try TestBroker.connect()
        let channel = try connection.openChannel()
        let queue = TestBroker.unique("roundtrip")
        try channel.declareQueue(queue, durable: false, exclusive: true)
        try channel.enableConfirms()
        let stamp = Date(timeIntervalSince1970: 1_790_000_000)
        let properties = MessageProperties(
            contentType: "application/json", persistent: true, messageID: "m-1", timestamp: stamp,
            correlationID: "c-9", replyTo: "answers",
            headers: [
                "s": .string("text"), "i": .int(-42), "big": .int(1 << 40), "b": .bool(true),
                "raw": .bytes([0, 1, 255]), "nested": .table(["x": .int(1), "y": .array([.string("a"), .int(2)])]),
            ])
        let body = Data("hello \u{2603}".utf8)
        let sequence = try channel.publish(exchange: "", routingKey: queue, body: body, properties: properties)
        try channel.waitForConfirm(sequence, timeout: .seconds(5))
        let delivery = try #require(try channel.get(queue: queue))
        #expect(delivery.body == body)
        #expect(delivery.routingKey == queue)
        #expect(delivery.exchange == "")
        #expect(!delivery.redelivered)
        #expect(delivery.properties == properties)
        try channel.ack(delivery.deliveryTag)
        #expect(try channel.get(queue: queue) == nil)
    }

    @Test func tenThousandPipelinedConfirmsAllAcked() throws {
        let connection = try TestBroker.connect()
        let channel = try connection.openChannel()
        let queue = TestBroker.unique("pipeline")
        try channel.declareQueue(queue, durable: true)
        defer { _ = try? channel.deleteQueue(queue) }
        try channel.enableConfirms()
        let body = Data(repeating: 0x61, count: 256)
        var last: UInt64 = 0
        for _ in 0..<10_000 {
            last = try channel.publish(exchange: "", routingKey: queue, body: body)
        }
        #expect(last == 10_000)
        let failures = try channel.waitForConfirms(timeout: .seconds(60))
        #expect(failures.isEmpty)
        #expect(channel.unconfirmedCount == 0)
        #expect(try channel.inspectQueue(queue).messageCount == 10_000)
    }

    @Test func mandatoryUnroutableIsReturnedForThatMessage() throws {
        let connection = try TestBroker.connect()
        let channel = try connection.openChannel()
        let exchange = TestBroker.unique("nowhere")
        try channel.declareExchange(exchange, type: .topic, durable: false, autoDelete: true)
        try channel.enableConfirms()
        let queue = TestBroker.unique("somewhere")
        try channel.declareQueue(queue, durable: false, exclusive: true)
        try channel.bindQueue(queue, exchange: exchange, routingKey: "routed")
        let first = try channel.publish(exchange: exchange, routingKey: "routed", body: Data("1".utf8), mandatory: true)
        let lost = try channel.publish(exchange: exchange, routingKey: "no.such.key", body: Data("2".utf8),
                                       properties: MessageProperties(messageID: "lost-one"), mandatory: true)
        let failures = try channel.waitForConfirms(timeout: .seconds(5))
        #expect(failures.count == 1)
        #expect(failures.first?.code == .unroutable)
        #expect(failures.first?.sequence == lost)
        #expect(failures.first?.sequence != first)
        let returned = channel.takeReturnedMessages()
        #expect(returned.map(\.routingKey) == ["no.such.key"])
        #expect(returned.first?.replyCode == 312)
    }

    @Test func fullQueueNacksExactlyTheRejectedMessage() throws {
        let connection = try TestBroker.connect()
        let channel = try connection.openChannel()
        let queue = TestBroker.unique("full")
        try channel.declareQueue(queue, durable: false, exclusive: true,
                                 arguments: QueueArguments(maxLength: 1, overflow: "reject-publish"))
        try channel.enableConfirms()
        let first = try channel.publish(exchange: "", routingKey: queue, body: Data("first".utf8))
        try channel.waitForConfirm(first, timeout: .seconds(5))
        let second = try channel.publish(exchange: "", routingKey: queue, body: Data("second".utf8))
        #expect {
            try channel.waitForConfirm(second, timeout: .seconds(5))
        } throws: { error in
            (error as? AMQPError)?.code == .publishNacked && (error as? AMQPError)?.sequence == second
        }
        #expect(try channel.inspectQueue(queue).messageCount == 1)
    }

    @Test func nackWithRequeueComesBackRedelivered() throws {
        let connection = try TestBroker.connect()
        let channel = try connection.openChannel()
        let queue = TestBroker.unique("requeue")
        try channel.declareQueue(queue, durable: false, exclusive: true)
        try channel.setPrefetch(10)
        try channel.publish(exchange: "", routingKey: queue, body: Data("again".utf8))
        let tag = try channel.consume(queue: queue)
        let first = try #require(try connection.nextDelivery(timeout: .seconds(5)))
        #expect(first.consumerTag == tag && !first.redelivered)
        try channel.nack(first.deliveryTag, requeue: true)
        let second = try #require(try connection.nextDelivery(timeout: .seconds(5)))
        #expect(second.redelivered)
        #expect(second.body == Data("again".utf8))
        try channel.ack(second.deliveryTag)
        try channel.cancel(consumerTag: tag)
    }

    @Test func rejectWithoutRequeueIsDeadLettered() throws {
        let connection = try TestBroker.connect()
        let channel = try connection.openChannel()
        let dlx = TestBroker.unique("dlx")
        let dlq = TestBroker.unique("dlq")
        let queue = TestBroker.unique("work")
        try channel.declareExchange(dlx, type: .fanout, durable: false, autoDelete: true)
        try channel.declareQueue(dlq, durable: false, exclusive: true)
        try channel.bindQueue(dlq, exchange: dlx, routingKey: "")
        try channel.declareQueue(queue, durable: false, exclusive: true, arguments: QueueArguments(deadLetterExchange: dlx))
        try channel.publish(exchange: "", routingKey: queue, body: Data("poison".utf8),
                            properties: MessageProperties(messageID: "p-1"))
        let delivery = try #require(try channel.get(queue: queue))
        try channel.reject(delivery.deliveryTag, requeue: false)
        var dead: Delivery?
        for _ in 0..<50 where dead == nil {
            dead = try channel.get(queue: dlq)
            if dead == nil { Thread.sleep(forTimeInterval: 0.05) }
        }
        let message = try #require(dead)
        #expect(message.body == Data("poison".utf8))
        #expect(message.properties.messageID == "p-1")
        #expect(message.properties.headers["x-death"] != nil)
    }

    @Test func idleConnectionWithShortHeartbeatSurvivesPolling() throws {
        let connection = try TestBroker.connect(heartbeat: 2)
        #expect(connection.heartbeat == 2)
        let channel = try connection.openChannel()
        let queue = TestBroker.unique("idle")
        try channel.declareQueue(queue, durable: false, exclusive: true)
        try channel.consume(queue: queue)
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .seconds(10) {
            #expect(try connection.nextDelivery(timeout: .milliseconds(500)) == nil)
        }
        #expect(connection.isOpen)
        try channel.publish(exchange: "", routingKey: queue, body: Data("still here".utf8))
        #expect(try connection.nextDelivery(timeout: .seconds(5))?.body == Data("still here".utf8))
    }

    @Test func mismatchedRedeclareFailsAndTheConnectionStillWorks() throws {
        let connection = try TestBroker.connect()
        let channel = try connection.openChannel()
        let queue = TestBroker.unique("redeclare")
        try channel.declareQueue(queue, durable: false, autoDelete: false)
        defer { if let c = try? connection.openChannel() { _ = try? c.deleteQueue(queue) } }
        #expect {
            try channel.declareQueue(queue, durable: true)
        } throws: { error in
            guard let error = error as? AMQPError else { return false }
            return error.code == .preconditionFailed && error.replyCode == 406 && error.message.contains(queue)
        }
        #expect(!channel.isOpen)
        #expect(throws: AMQPError.self) { try channel.inspectQueue(queue) }
        let fresh = try connection.openChannel()
        #expect(try fresh.inspectQueue(queue).messageCount == 0)
        #expect {
            try fresh.inspectQueue(TestBroker.unique("missing"))
        } throws: { ($0 as? AMQPError)?.code == .notFound }
    }

    @Test func wrongPasswordIsAuthenticationFailed() throws {
        var url = try TestBroker.url
        url.password = "definitely-wrong"
        #expect {
            try Connection.open(url, name: "bad password")
        } throws: { error in
            guard let error = error as? AMQPError else { return false }
            return error.code == .authenticationFailed && !error.description.contains("definitely-wrong")
        }
    }

    @Test func refusedConnectionIsNamed() throws {
        let url = try BrokerURL("amqp://guest:guest@127.0.0.1:1/")
        #expect {
            try Connection.open(url, name: "nobody home")
        } throws: { error in
            guard let error = error as? AMQPError else { return false }
            return error.code == .connectionRefused && error.message.contains("127.0.0.1:1")
        }
    }

    @Test func publishToMissingExchangeClosesOnlyTheChannel() throws {
        let connection = try TestBroker.connect()
        let channel = try connection.openChannel()
        try channel.enableConfirms()
        let sequence = try channel.publish(exchange: TestBroker.unique("absent"), routingKey: "x", body: Data())
        #expect {
            try channel.waitForConfirm(sequence, timeout: .seconds(5))
        } throws: { ($0 as? AMQPError)?.code == .notFound }
        let other = try connection.openChannel()
        #expect(other.isOpen)
        try other.declareQueue(TestBroker.unique("after"), durable: false, exclusive: true)
    }
}

@Suite(.timeLimit(.minutes(1)))
struct HostileInputTests {
    @Test func deeplyNestedHeadersDoNotCrashTheConsumer() throws {
        let connection = try TestBroker.connect()
        let channel = try connection.openChannel()
        let queue = TestBroker.unique("nested")
        try channel.declareQueue(queue, durable: false, exclusive: true)
        var value = FieldValue.string("bottom")
        for _ in 0..<2000 { value = .array([value]) }
        try channel.publish(exchange: "", routingKey: queue, body: Data("x".utf8), properties: MessageProperties(headers: ["deep": value]))
        let delivery = try #require(try channel.get(queue: queue))
        var depth = 0
        var current = delivery.properties.headers["deep"]
        while case .array(let items)? = current, let first = items.first {
            depth += 1
            current = first
        }
        #expect(depth < 100)
        #expect(current == .void)
    }

    @Test func reconnectorGivesUpWhenEveryURLRefusesTheLogin() throws {
        var first = try TestBroker.url
        first.password = "wrong-1"
        var second = try TestBroker.url
        second.password = "wrong-2"
        second.host = "localhost"
        let reconnector = Reconnector(urls: [first, second], connectionName: "test", backoff: Backoff(initial: .milliseconds(10)))
        #expect {
            _ = try reconnector.connect { _ in }
        } throws: { ($0 as? AMQPError)?.code == .authenticationFailed }
    }
}
