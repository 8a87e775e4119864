import ChangeBus
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// The agent's configuration, read from an INI file (`/etc/changebus/agent.ini`). The
/// text after `;` below documents each key; real files have whole-line comments only.
///
/// ```ini
/// [agent]
/// host = web-1                 ; default: the short hostname; letters, digits, - and _
/// state = /var/lib/changebus   ; default: /var/lib/changebus/agent
/// presence_interval = 30s      ; presence heartbeat. Default: 30s
/// shutdown_grace = 30s         ; time a running convergence gets on SIGTERM. Default: 30s
/// [broker]
/// url = amqp://…               ; repeatable: failover list, tried in order
/// queue_type = classic         ; classic or quorum. Default: classic
/// delivery_limit = 20          ; quorum only: deliveries before dead-lettering. Default: 20
/// prefetch = 64                ; unacked deliveries; >1 lets a catching-up agent skip superseded events. Default: 64
/// confirm_timeout = 10s        ; wait for the broker to confirm a result. Default: 10s
/// [facts]
/// env = prod                   ; static facts; [a, b] is a list
/// command = facter --json      ; optional: JSON object whose keys are merged (nested keys dotted)
/// [subscribe]
/// key = config.prod.web        ; repeatable routing-key patterns (* one word, # any)
/// [watch]
/// path = roles/web/**          ; repeatable path globs; none = every path counts
/// [converge]
/// handler = files              ; files or command
/// root = /srv/changebus        ; files: where inline files are written
/// command = puppet apply …     ; command: argv, split like a shell would (quotes), run without a shell
/// exit_codes = puppet          ; standard, puppet, or 0=unchanged,2=applied,*=failed
/// timeout = 30m                ; Default: 30m
/// [trust]
/// key = /etc/changebus/publisher.pub   ; repeatable: publisher public keys
/// [limits]
/// max_message_bytes = 1048576  ; larger events are rejected. Default: 1 MiB
/// ```
public struct AgentConfig: Sendable {
    /// How the agent converges.
    public enum Handler: Sendable, Equatable {
        case files(root: String)
        case command(argv: [String], exitCodes: ExitCodeMap)
    }

    public var path: String
    public var hostID: String
    public var stateDirectory: String
    public var presenceInterval: Duration
    public var shutdownGrace: Duration
    public var brokerURLs: [String]
    public var queueType: String
    public var deliveryLimit: Int
    public var prefetch: Int
    public var confirmTimeout: Duration
    public var staticFacts: Facts
    public var factsCommand: [String]?
    public var subscriptions: [TopicPattern]
    public var watch: [Glob]
    public var handler: Handler
    public var convergeTimeout: Duration
    public var trustedKeyFiles: [String]
    public var maxMessageBytes: Int

    /// Reads and checks the file.
    /// - Throws: `ConfigError` naming file, line and key.
    public init(path: String) throws(ConfigError) {
        try self.init(ini: try INIFile(path: path))
    }

    public init(ini: INIFile) throws(ConfigError) {
        path = ini.path
        try ini.checkSections(allowed: ["agent", "broker", "facts", "subscribe", "watch", "converge", "trust", "limits"])
        try ini.checkKeys(in: "agent", allowed: ["host", "state", "presence_interval", "shutdown_grace"])
        try ini.checkKeys(in: "broker", allowed: ["url", "queue_type", "delivery_limit", "prefetch", "confirm_timeout"])
        try ini.checkKeys(in: "subscribe", allowed: ["key"])
        try ini.checkKeys(in: "watch", allowed: ["path"])
        try ini.checkKeys(in: "converge", allowed: ["handler", "root", "command", "exit_codes", "timeout"])
        try ini.checkKeys(in: "trust", allowed: ["key"])
        try ini.checkKeys(in: "limits", allowed: ["max_message_bytes"])
        let base = AgentConfig.directory(of: ini.path)

        hostID = try ini.string("host", in: "agent") ?? AgentConfig.shortHostname()
        guard Topology.isValidName(hostID) else {
            throw ini.error("host id \"\(hostID)\" must be lowercase letters, digits, - and _ (it is part of queue names and routing keys)", key: "host", in: "agent")
        }
        stateDirectory = AgentConfig.resolve(try ini.string("state", in: "agent", default: "/var/lib/changebus/agent"), base: base)
        presenceInterval = try ini.duration("presence_interval", in: "agent", default: .seconds(30))
        shutdownGrace = try ini.duration("shutdown_grace", in: "agent", default: .seconds(30))

        brokerURLs = ini.section("broker")?.values("url").map(\.value) ?? []
        if brokerURLs.isEmpty { throw ini.error("missing; give at least one broker URL", key: "url", in: "broker") }
        queueType = try ini.string("queue_type", in: "broker", default: "classic")
        guard queueType == "classic" || queueType == "quorum" else {
            throw ini.error("expected classic or quorum, got \"\(queueType)\"", key: "queue_type", in: "broker")
        }
        deliveryLimit = try ini.int("delivery_limit", in: "broker", range: 1...1000, default: 20)
        prefetch = try ini.int("prefetch", in: "broker", range: 1...65535, default: 64)
        confirmTimeout = try ini.duration("confirm_timeout", in: "broker", default: .seconds(10))

        var facts: Facts = [:]
        var command: [String]?
        for entry in ini.section("facts")?.entries ?? [] {
            if entry.key == "command" {
                command = try AgentConfig.splitArgv(entry.value, ini: ini, entry: entry, section: "facts")
            } else {
                facts[entry.key] = AgentConfig.factValue(entry.value)
            }
        }
        staticFacts = facts
        factsCommand = command

        var patterns: [TopicPattern] = []
        for entry in ini.section("subscribe")?.values("key") ?? [] {
            do { patterns.append(try TopicPattern(entry.value)) } catch {
                throw ini.error("\(error)", at: entry, in: "subscribe")
            }
        }
        if patterns.isEmpty { throw ini.error("missing; subscribe to at least one routing-key pattern", key: "key", in: "subscribe") }
        subscriptions = patterns

        var globs: [Glob] = []
        for entry in ini.section("watch")?.values("path") ?? [] {
            do { globs.append(try Glob(entry.value)) } catch {
                throw ini.error("\(error)", at: entry, in: "watch")
            }
        }
        watch = globs

        let kind = try ini.string("handler", in: "converge", default: "files")
        switch kind {
        case "files":
            handler = .files(root: AgentConfig.resolve(try ini.requiredString("root", in: "converge"), base: base))
        case "command":
            let entry = ini.section("converge")!.value("command")
            guard let entry, !entry.value.isEmpty else {
                throw ini.error("missing; the command handler needs a command", key: "command", in: "converge")
            }
            let argv = try AgentConfig.splitArgv(entry.value, ini: ini, entry: entry, section: "converge")
            let mapText = try ini.string("exit_codes", in: "converge", default: "standard")
            let map: ExitCodeMap
            do { map = try ExitCodeMap(parsing: mapText) } catch {
                throw ini.error("\(error)", key: "exit_codes", in: "converge")
            }
            handler = .command(argv: argv, exitCodes: map)
        default:
            throw ini.error("expected files or command, got \"\(kind)\"", key: "handler", in: "converge")
        }
        convergeTimeout = try ini.duration("timeout", in: "converge", default: .seconds(1800))

        trustedKeyFiles = (ini.section("trust")?.values("key") ?? []).map { AgentConfig.resolve($0.value, base: base) }
        if trustedKeyFiles.isEmpty {
            throw ini.error("missing; trust at least one publisher key (changebus.pub)", key: "key", in: "trust")
        }
        maxMessageBytes = try ini.int("max_message_bytes", in: "limits", range: 1024...(256 << 20), default: 1 << 20)
    }

    /// `[a, b]` is a list, anything else a string (the selector compares numbers and
    /// versions written as strings by value).
    static func factValue(_ text: String) -> FactValue {
        if text.hasPrefix("[") && text.hasSuffix("]") {
            let inner = text.dropFirst().dropLast()
            return .list(inner.split(separator: ",").map { $0.trimmingWhitespace }.filter { !$0.isEmpty }.map { .string($0) })
        }
        return .string(text)
    }

    /// Splits a command line into argv like a POSIX shell would for words and quotes, but
    /// never runs a shell: no variables, globs or pipes.
    static func splitArgv(_ text: String, ini: INIFile, entry: INIFile.Entry, section: String) throws(ConfigError) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for c in text {
            if escaped {
                current.append(c)
                escaped = false
            } else if c == "\\" && quote != "'" {
                escaped = true
                inWord = true
            } else if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
            } else if c == "\"" || c == "'" {
                quote = c
                inWord = true
            } else if c == " " || c == "\t" {
                if inWord { words.append(current); current = ""; inWord = false }
            } else {
                current.append(c)
                inWord = true
            }
        }
        if quote != nil || escaped { throw ini.error("unterminated quote or trailing backslash", at: entry, in: section) }
        if inWord { words.append(current) }
        if words.isEmpty { throw ini.error("empty command", at: entry, in: section) }
        return words
    }

    static func resolve(_ path: String, base: String) -> String {
        path.hasPrefix("/") || base.isEmpty ? path : base + "/" + path
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func shortHostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count)
        let name = String(cString: buffer).lowercased()
        return String(name.split(separator: ".").first ?? "localhost")
    }
}
