import AMQP
import FoundationEssentials

/// The raw row: persistent messages of one size published through the `AMQP` module with
/// publisher confirms, pipelined, into a fresh durable queue.
struct RawPublishBench {
    let options: BenchOptions

    /// Declares and purges the queue, publishes, waits for every confirm, deletes the queue.
    /// - Throws: `AMQPError` from the broker, or `BenchFailure` when any message was
    ///   nacked or returned (a benchmark that loses messages has no valid rate).
    func run() throws -> BenchResult {
        let body = Data(repeating: UInt8(ascii: "x"), count: options.size)
        let properties = MessageProperties(persistent: true)
        return try ConfirmedPublishRun(options: options, connectionName: "changebus bench publish", noun: "messages")
            .run { _ in (body, properties) }
    }
}

/// The timed loop both publish rows share: a fresh durable queue, confirms, `count`
/// messages made by `message` (which is timed too), then every confirm.
struct ConfirmedPublishRun {
    let options: BenchOptions
    let connectionName: String
    /// What the failure message calls the messages ("events").
    let noun: String

    /// Declares and purges the queue, publishes, waits for every confirm, deletes the queue.
    /// - Throws: `AMQPError` from the broker, or `BenchFailure` when any message was
    ///   nacked or returned (a benchmark that loses messages has no valid rate).
    func run(_ message: (Int) throws -> (Data, MessageProperties)) throws -> BenchResult {
        let connection = try Connection.open(try BrokerURL(options.url), name: connectionName)
        defer { connection.close() }
        let channel = try connection.openChannel()
        try channel.declareQueue(options.queue, durable: true)
        try channel.purgeQueue(options.queue)
        defer { _ = try? channel.deleteQueue(options.queue) }
        try channel.enableConfirms()

        let pipeline = ConfirmWindow(limit: options.window)
        var failures: [AMQPError] = []
        let start = ContinuousClock.now
        for index in 1...options.count {
            let (body, properties) = try message(index)
            let sequence = try channel.publish(exchange: "", routingKey: options.queue, body: body, properties: properties)
            if let failure = try pipeline.admit(sequence, on: channel) { failures.append(failure) }
        }
        failures += try channel.waitForConfirms(timeout: .seconds(60))
        let elapsed = ContinuousClock.now - start

        guard failures.isEmpty else {
            throw BenchFailure("\(failures.count) of \(options.count) \(noun) not confirmed; first: \(failures[0])")
        }
        return BenchResult(count: options.count, elapsed: elapsed)
    }
}

/// Bounds the messages in flight: with a limit, publishing waits for the confirm of the
/// message `limit` places back before going on. Limit 0 never waits.
struct ConfirmWindow {
    let limit: Int

    /// Called after each publish. Returns the nack or return of the message it waited
    /// for, if any (that message is then settled and not reported again).
    func admit(_ sequence: UInt64, on channel: Channel) throws -> AMQPError? {
        guard limit > 0, sequence > UInt64(limit) else { return nil }
        // A plain catch and rethrow: `catch where` on a typed throw crashes Swift 6.3's SILGen.
        do {
            try channel.waitForConfirm(sequence - UInt64(limit), timeout: .seconds(60))
            return nil
        } catch {
            guard error.code == .publishNacked || error.code == .unroutable else { throw error }
            return error
        }
    }
}

/// A run that finished but did not get every message confirmed.
struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
