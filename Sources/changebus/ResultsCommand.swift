import AMQP
import ChangeBus
import Foundation

let resultsCommand = Command(
    name: "results",
    summary: "Follow results as hosts report them (who converged, who did not).",
    usage: "changebus results --url URL [--key PATTERN] [--count N] [--timeout DURATION] [--json]",
    options: [
        ("--url URL", "Broker URL (repeatable failover list)."),
        ("--key PATTERN", "Routing-key pattern <stream>.<host>.<outcome> (default: #)."),
        ("--count N", "Stop after N results."),
        ("--timeout SECONDS", "Stop after this many seconds without a result (default: wait forever)."),
        ("--json", "Print each result as one JSON line (the exact message body)."),
    ],
    valued: ["url", "key", "count", "timeout"], boolean: ["json"],
    notes: "Exit codes: 0 when --count results arrived (or stopped by --timeout without --count), 1 when fewer arrived, 64 usage."
) { args in
    let urls = try args.all("url").map { try BrokerURL($0) }
    guard !urls.isEmpty else { throw Arguments.UsageError(description: "changebus results: --url is required (see changebus results --help)") }
    let count = try args.value("count").map { text throws(Arguments.UsageError) -> Int in
        guard let n = Int(text), n > 0 else { throw Arguments.UsageError(description: "changebus results: --count must be a positive number") }
        return n
    }
    let timeout = try args.value("timeout").map { text throws(Arguments.UsageError) -> Double in
        guard let n = Double(text), n > 0 else { throw Arguments.UsageError(description: "changebus results: --timeout must be a positive number of seconds") }
        return n
    }
    let connection = try Reconnector(urls: urls, connectionName: "changebus results", maxAttempts: urls.count).connect { _ in }
    let channel = try connection.openChannel()
    try channel.declareExchange(Topology.resultsExchange, type: .topic, durable: true)
    let queue = try channel.declareQueue("", durable: false, exclusive: true, autoDelete: true).name
    try channel.bindQueue(queue, exchange: Topology.resultsExchange, routingKey: args.value("key") ?? "#")
    try channel.consume(queue: queue, exclusive: true)
    // Tell a script waiting on our output that we are bound and will not miss results.
    FileHandle.standardError.write(Data("changebus results: listening on \(Topology.resultsExchange) \(args.value("key") ?? "#")\n".utf8))
    var seen = 0
    var last = ContinuousClock.now
    while count.map({ seen < $0 }) ?? true {
        if let timeout, ContinuousClock.now - last > .milliseconds(Int(timeout * 1000)) { break }
        guard let delivery = try connection.nextDelivery(timeout: .milliseconds(200)) else { continue }
        try channel.ack(delivery.deliveryTag)
        last = .now
        seen += 1
        if args.has("json") {
            print(String(decoding: delivery.body, as: UTF8.self))
        } else if let result = try? MessageCoding.decode(ChangeResult.self, from: delivery.body) {
            let version = result.version.map { "v\($0)" } ?? "-"
            print("\(result.host.padding(to: 10)) \(result.outcome.rawValue.padding(to: 10)) \((result.stream ?? "-") + "." + (result.environment ?? "-")) \(version)  \(result.reason)")
        } else {
            print("unreadable result on \(delivery.routingKey): \(delivery.body.count) bytes")
        }
        fflush(nil)
    }
    connection.close()
    return count.map { seen >= $0 } ?? true ? ExitCode.success : ExitCode.failure
}
