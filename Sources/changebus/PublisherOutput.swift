import ChangeBus
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import Publisher

/// How the publisher's commands (`publish`, `git-hook`, `outbox`) print outcomes: one
/// line per fact on stdout, warnings and failures on stderr, or JSON for scripts.
enum PublisherOutput {
    /// `config.prod v3`
    static func name(_ item: Outbox.Item) -> String { "\(item.stream).\(item.environment) v\(item.version)" }

    /// Prints `outcome` and returns the exit code: 1 when anything is left in the outbox.
    static func report(_ outcome: PublishOutcome, config: PublisherConfig, json: Bool, prefix: String) -> Int32 {
        for warning in outcome.warnings { printError("\(prefix): warning: \(warning)") }
        let delivery = outcome.delivery ?? DeliveryReport()
        if json {
            var object: [String: Any] = [
                "published": outcome.event != nil, "warnings": outcome.warnings,
                "sent": delivery.sent.map(\.path), "pending": delivery.pending.map(\.path),
                "failure": delivery.failure ?? JSONText.Null(),
            ]
            if let event = outcome.event {
                object["stream"] = event.stream
                object["environment"] = event.environment
                object["version"] = event.version
                object["previous_version"] = event.previousVersion ?? JSONText.Null()
                object["revision"] = event.revision
                object["previous_revision"] = event.previousRevision ?? JSONText.Null()
                object["components"] = event.components
                object["routing_keys"] = outcome.item?.message?.routingKeys ?? []
                object["event_id"] = event.id.uuidString.lowercased()
                object["forced"] = event.forced
                object["delivered"] = outcome.isDelivered
                object["unroutable"] = outcome.isUnroutable
                object["outbox_file"] = outcome.item?.path ?? JSONText.Null()
            }
            printJSON(object)
        }
        guard let event = outcome.event, let item = outcome.item else {
            if !json { print("nothing to publish: no changed path belongs to a component") }
            return delivery.pending.isEmpty ? ExitCode.success : ExitCode.failure
        }
        let earlier = delivery.sent.filter { $0.path != item.path }
        if !json {
            if !earlier.isEmpty { print("sent \(earlier.count) earlier event(s) from the outbox: " + earlier.map(name).joined(separator: ", ")) }
            if outcome.isDelivered {
                print("published \(name(item)) (\(event.revision.prefix(7))) components \(event.components.joined(separator: ","))"
                    + (event.forced ? " (forced)" : ""))
            }
        }
        reportUnroutable(delivery, prefix: prefix)
        return reportPending(delivery, config: config, prefix: prefix)
    }

    /// Warns about events the broker returned as unroutable.
    static func reportUnroutable(_ delivery: DeliveryReport, prefix: String) {
        for item in delivery.unroutable {
            let keys = item.message?.routingKeys.joined(separator: ", ") ?? "?"
            printError("\(prefix): warning: no queue is bound to \(keys): the broker accepted \(name(item)), but no host receives it")
        }
    }

    /// Explains what is left in the outbox; returns the exit code.
    static func reportPending(_ delivery: DeliveryReport, config: PublisherConfig, prefix: String) -> Int32 {
        guard !delivery.pending.isEmpty else { return ExitCode.success }
        printError("\(prefix): \(delivery.pending.count) event(s) not delivered: \(delivery.failure ?? "unknown reason")")
        for item in delivery.pending { printError("\(prefix):   \(name(item)) is kept in the outbox: \(item.path)") }
        printError("\(prefix): the next publish sends them first, or run: changebus outbox flush --config \(absolute(config.path))")
        return ExitCode.failure
    }

    static func printJSON(_ object: Any) {
        print(JSONText.render(object))
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
