import ChangeBus
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import Publisher

let outboxCommand = Command(
    name: "outbox",
    summary: "List or send the publisher's events that the broker has not confirmed yet.",
    usage: "changebus outbox list --config FILE [--json] | changebus outbox flush --config FILE [--json]",
    options: [
        ("--config FILE", "The publisher config (INI); the outbox is <state>/outbox."),
        ("--json", "Print the entries (list) or the outcome (flush) as JSON."),
    ],
    valued: ["config"], boolean: ["json"],
    notes: """
        SUBCOMMANDS:
          list   the waiting events, oldest first
          flush  send them, oldest first, under the state lock; each is removed once confirmed

        EXIT CODES: 0 done (flush: the outbox is empty), 1 failure (flush: some remain), 64 usage error.
        """
) { args in
    guard args.positional.count == 1, let action = args.positional.first, ["list", "flush"].contains(action) else {
        throw Arguments.UsageError(description: "changebus outbox: expected 'list' or 'flush' (see changebus outbox --help)")
    }
    let config = try PublisherConfig.load(path: try args.required("config", command: "outbox"))
    let publisher = Publisher(config: config)
    let json = args.has("json")
    if action == "list" {
        let items = publisher.waiting()
        if json {
            PublisherOutput.printJSON(items.map { item -> [String: Any] in
                [
                    "file": item.path, "stream": item.stream, "environment": item.environment, "version": item.version,
                    "readable": item.message != nil, "routing_keys": item.message?.routingKeys ?? [],
                    "message_id": item.message?.messageID ?? JSONText.Null(), "bytes": item.message?.body?.count ?? 0,
                ]
            })
        } else if items.isEmpty {
            print("outbox empty (\(publisher.state.outbox.path))")
        } else {
            for item in items {
                let keys = item.message?.routingKeys.joined(separator: ",") ?? "(unreadable file)"
                print("\(PublisherOutput.name(item))  \(keys)  \(item.message?.body?.count ?? 0) bytes  \(item.path)")
            }
        }
        return ExitCode.success
    }
    let report = try publisher.flush()
    if json {
        PublisherOutput.printJSON([
            "sent": report.sent.map(\.path), "unroutable": report.unroutable.map(\.path),
            "pending": report.pending.map(\.path), "failure": report.failure ?? JSONText.Null(),
        ] as [String: Any])
    } else if report.sent.isEmpty && report.pending.isEmpty {
        print("outbox empty: nothing to send")
    } else if !report.sent.isEmpty {
        print("sent \(report.sent.map(PublisherOutput.name).joined(separator: ", "))")
    }
    PublisherOutput.reportUnroutable(report, prefix: "changebus outbox")
    return PublisherOutput.reportPending(report, config: config, prefix: "changebus outbox")
}
