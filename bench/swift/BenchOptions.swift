/// Command-line options shared by every benchmark row.
struct BenchOptions: Sendable {
    /// The broker, e.g. `amqp://guest:guest@127.0.0.1:5673/`.
    var url = "amqp://guest:guest@127.0.0.1:5673/"
    /// Messages to publish. Default: 20,000.
    var count = 20_000
    /// Body size in bytes. Default: 1,024.
    var size = 1_024
    /// The durable queue to publish into; declared, purged and deleted by the run.
    var queue = "changebus.bench.publish"
    /// Most unconfirmed messages in flight; 0 = all of them (publish all, then wait).
    /// Default: 0.
    var window = 0

    /// Parses `--url U --count N --size B --queue Q --window W` (any order).
    /// - Throws: `UsageError` naming the unknown flag or the bad value.
    init(arguments: ArraySlice<String>) throws(UsageError) {
        var rest = arguments
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { throw UsageError("\(flag) needs a value") }
            switch flag {
            case "--url": url = value
            case "--queue": queue = value
            case "--count": count = try Self.number(value, flag, minimum: 1)
            case "--size": size = try Self.number(value, flag, minimum: 0)
            case "--window": window = try Self.number(value, flag, minimum: 0)
            default: throw UsageError("unknown option \(flag)")
            }
        }
    }

    private static func number(_ text: String, _ flag: String, minimum: Int) throws(UsageError) -> Int {
        guard let n = Int(text), n >= minimum else {
            throw UsageError("\(flag) wants a whole number >= \(minimum), got '\(text)'")
        }
        return n
    }
}

/// A bad command line; `main` prints it with a hint and exits 64.
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
