#if canImport(Glibc)
import Glibc
#endif

// changebus-bench: one benchmark row per subcommand; `bench/publish` runs them beside
// the C and pika programs and compares the rates, `bench/agent` runs `decide`. A new row
// is one more case below and one more `…Bench` file.

let usage = """
    OVERVIEW: changebus benchmark rows (run by bench/publish and bench/agent)

    USAGE: changebus-bench <subcommand> [options]

    SUBCOMMANDS:
      publish     persistent messages with publisher confirms through the AMQP module
      signed      change events built, encoded, signed (Ed25519) and published the same way
      decide      the agent's per-message work on signed change events: Verifier.verify
                  (size, Ed25519 signature, JSON decode and validation) + Decider.decide
                  (duplicate check, subscriptions, versions, selector, watch globs);
                  no broker. Uses --count (events) and --size (body bytes) only

    OPTIONS:
      --url URL       broker URL (default: amqp://guest:guest@127.0.0.1:5673/)
      --count N       messages to publish, events to decide (default: 20000)
      --size BYTES    body size (default: 1024)
      --queue Q       durable queue, declared, purged and deleted by the run
      --window W      most unconfirmed messages in flight, 0 = all (default: 0)
      -h, --help      show this text

    Prints one line: rate=<msgs/s> count=<n> seconds=<s> peak_rss_kb=<KiB>; decide
    (rate = decisions/s, verify and decide together) adds a second line:
    signature_rate=… verify_rate=… verify_seconds=… decide_rate=… decide_seconds=…
    body_bytes_avg=… outcomes=…
    Exit codes: 0 success, 1 failure (including any message not confirmed), 64 usage error.
    """

func fail(_ message: String, code: Int32) -> Never {
    // FileDescriptor 2 directly: Glibc's `stderr` is a global var that strict concurrency rejects.
    let line = "changebus-bench: \(message)\n"
    _ = line.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    exit(code)
}

let arguments = CommandLine.arguments.dropFirst()
guard let subcommand = arguments.first else { fail("missing subcommand\n\n\(usage)", code: 64) }
if ["-h", "--help", "help"].contains(subcommand) {
    print(usage)
    exit(0)
}
if arguments.contains("-h") || arguments.contains("--help") {
    print(usage)
    exit(0)
}

do {
    let options = try BenchOptions(arguments: arguments.dropFirst())
    switch subcommand {
    case "publish":
        print(try RawPublishBench(options: options).run().line)
    case "signed":
        print(try SignedPublishBench(options: options).run().line)
    case "decide":
        let report = try DecideBench(options: options).run()
        print(report.combined.line)
        print(report.breakdown)
    default:
        fail("unknown subcommand \(subcommand); see --help", code: 64)
    }
} catch let error as UsageError {
    fail("\(error); see --help", code: 64)
} catch {
    fail("\(error)", code: 1)
}
