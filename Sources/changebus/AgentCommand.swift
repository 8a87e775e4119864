import Agent
import ChangeBus
import Foundation

let agentCommand = Command(
    name: "agent",
    summary: "Run the host agent: take changes for this host, converge, report.",
    usage: "changebus agent --config FILE [--dry-run] [--check-config] [--json]",
    options: [
        ("--config FILE", "Agent configuration (default: /etc/changebus/agent.ini)."),
        ("--dry-run", "Decide and report, but let handlers only say what they would change."),
        ("--check-config", "Validate the config, keys and facts, print a summary and exit."),
        ("--json", "With --check-config: print the summary as JSON."),
        ("--log-level LEVEL", "debug, info (default), warning or error."),
    ],
    valued: ["config", "log-level"], boolean: ["dry-run", "check-config", "json"],
    notes: """
        Runs in the foreground and logs one logfmt line per event to stderr (for supervisord
        and systemd). SIGTERM/SIGINT: finish the running convergence within shutdown_grace,
        report, stop; a second signal stops at once. Exit codes: 0 stopped cleanly, 1 bad
        config or the broker refused the agent's setup, 64 usage error.
        """
) { args in
    let path = args.value("config") ?? "/etc/changebus/agent.ini"
    var logger = Logger(label: "agent")
    if let level = args.value("log-level") {
        guard let parsed = ["debug": Logger.Level.debug, "info": .info, "warning": .warning, "error": .error][level] else {
            throw Arguments.UsageError(description: "changebus agent: --log-level must be debug, info, warning or error")
        }
        logger.level = parsed
    }
    let config = try AgentConfig(path: path)
    let stop = StopSignal()
    let runtime = try AgentRuntime(config: config, logger: logger, dryRun: args.has("dry-run"), stop: stop)
    if args.has("check-config") {
        let summary = runtime.summary
        if args.has("json") {
            let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("config ok: \(path)")
            for (key, value) in summary.sorted(by: { $0.key < $1.key }) { print("  \(key): \(value)") }
        }
        return ExitCode.success
    }
    stop.install()
    return runtime.run()
}
