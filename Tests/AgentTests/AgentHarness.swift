import AMQP
import ChangeBus
import Crypto
import Foundation
import TestSupport

/// A real `changebus agent` process with its own config, state and file root, for the
/// integration tests. Logs go to `<dir>/agent.log`.
final class AgentProcess: @unchecked Sendable {
    let host: String
    let directory: URL
    let configPath: String
    private var process: Process?

    var root: URL { directory.appendingPathComponent("root") }
    var logPath: String { directory.appendingPathComponent("agent.log").path }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// - Parameters:
    ///   - converge: extra `[converge]` lines; default: the built-in files handler into `root`.
    init(host: String, in base: URL, brokerURL: String, trustedKey: String, facts: [String: String],
         subscribe: [String], watch: [String] = [], converge: [String]? = nil, extra: String = "") throws {
        self.host = host
        directory = base.appendingPathComponent(host)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        configPath = directory.appendingPathComponent("agent.ini").path
        var text = """
            [agent]
            host = \(host)
            state = state
            presence_interval = 2s
            shutdown_grace = 10s

            [broker]
            url = \(brokerURL)

            [facts]

            """
        for (key, value) in facts.sorted(by: { $0.key < $1.key }) { text += "\(key) = \(value)\n" }
        text += "\n[subscribe]\n" + subscribe.map { "key = \($0)\n" }.joined()
        text += "\n[watch]\n" + watch.map { "path = \($0)\n" }.joined()
        text += "\n[converge]\n" + (converge ?? ["handler = files", "root = root"]).map { $0 + "\n" }.joined()
        text += "\n[trust]\nkey = \(trustedKey)\n" + extra
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    static var binary: String {
        get throws {
            let path = repoRoot.appendingPathComponent(".build/debug/changebus").path
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw TestFailure("\(path) is missing: run `swift build` (make test does) before the agent tests")
            }
            return path
        }
    }

    /// Starts the agent and waits until it has connected and declared its queue.
    func start(timeout: Double = 20, extraArguments: [String] = []) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.binary)
        process.arguments = ["agent", "--config", configPath] + extraArguments
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        handle.seekToEndOfFile()
        process.standardError = handle
        process.standardOutput = handle
        try process.run()
        self.process = process
        let connectedBefore = log.components(separatedBy: "msg=connected").count
        try waitFor("agent \(host) to connect", timeout: timeout) {
            log.components(separatedBy: "msg=connected").count > connectedBefore
        }
    }

    /// SIGTERM, then wait for the exit.
    func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// kill -9: no goodbye, no cleanup.
    func crash() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    var isRunning: Bool { process?.isRunning ?? false }

    deinit { stop() }
}

/// Polls `condition` every 50 ms until it holds or the timeout passes.
func waitFor(_ what: String, timeout: Double, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return }
        Thread.sleep(forTimeInterval: 0.05)
    }
    throw TestFailure("timed out after \(timeout) s waiting for \(what)")
}

/// Signs and publishes change events the way the publisher does (signature headers, CC
/// for the other components), and collects the results hosts report for one stream.
final class Bus {
    let connection: Connection
    let channel: Channel
    let signer: MessageSigner
    let stream: String
    let keyDirectory: URL
    private let resultQueue: String
    private(set) var results: [ChangeResult] = []

    /// - Parameter durableResults: collect results in this durable queue, which survives
    ///   a broker restart (a second `Bus` with the same name picks up where this one was).
    init(url: String, stream: String, in base: URL, durableResults: String? = nil) throws {
        connection = try Connection.open(try BrokerURL(url), name: "changebus agent tests")
        channel = try connection.openChannel()
        try channel.enableConfirms()
        for exchange in [Topology.changesExchange, Topology.resultsExchange, Topology.controlExchange, Topology.presenceExchange] {
            try channel.declareExchange(exchange, type: .topic, durable: true)
        }
        self.stream = stream
        keyDirectory = base.appendingPathComponent("keys")
        let keyPath = keyDirectory.appendingPathComponent("changebus.key").path
        if !FileManager.default.fileExists(atPath: keyPath) { _ = try KeyFiles.generate(into: keyDirectory.path) }
        signer = try MessageSigner(keyPath: keyPath)
        if let durableResults {
            resultQueue = try channel.declareQueue(durableResults, durable: true).name
        } else {
            resultQueue = try channel.declareQueue("", durable: false, exclusive: true).name
        }
        try channel.bindQueue(resultQueue, exchange: Topology.resultsExchange, routingKey: "\(stream).#")
        try channel.consume(queue: resultQueue, exclusive: durableResults == nil)
    }

    var publicKeyPath: String { keyDirectory.appendingPathComponent("changebus.pub").path }

    /// A change event of this bus's stream, with inline files for the built-in handler.
    func event(version: Int, components: [String], files: [String: String] = [:], target: String = "",
               environment: String = "prod") -> ChangeEvent {
        let inline = files.sorted(by: { $0.key < $1.key }).map { path, content in
            InlineFile(path: path, component: components.first { path.hasPrefix("roles/\($0)/") } ?? components[0],
                       mode: 0o644, content: Data(content.utf8).base64EncodedString(),
                       sha256: SHA256.hexDigest(Data(content.utf8)), size: content.utf8.count)
        }
        return ChangeEvent(
            id: UUID(), stream: stream, environment: environment, version: version,
            previousVersion: version > 1 ? version - 1 : nil,
            revision: String(format: "%040x", version), previousRevision: version > 1 ? String(format: "%040x", version - 1) : nil,
            components: components, target: target,
            changes: files.keys.sorted().map { FileChange(path: $0, status: .modified, blob: String(repeating: "b", count: 40)) },
            files: inline, deleted: [],
            author: .init(name: "Test Ops", email: "ops@example.com"), message: "change \(version)",
            committedAt: Date(), publishedAt: Date(), publisher: "test", forced: false)
    }

    /// Publishes an event signed, with confirm; returns the body that was sent.
    @discardableResult
    func publish(_ event: ChangeEvent) throws -> Data {
        let body = try MessageCoding.encode(event)
        try publish(body: body, routingKey: Topology.changeKey(stream: event.stream, environment: event.environment, component: event.components[0]),
                    cc: event.components.dropFirst().map { Topology.changeKey(stream: event.stream, environment: event.environment, component: $0) },
                    signature: signer.sign(body: body))
        return body
    }

    /// Publishes raw bytes (forged, malformed, replayed) with the given signature headers.
    func publish(body: Data, routingKey: String, cc: [String] = [], signature: SignatureHeaders?) throws {
        var headers: FieldTable = [:]
        if let signature {
            headers[SignatureHeaders.keyIDHeader] = .string(signature.keyID.rawValue)
            headers[SignatureHeaders.signatureHeader] = .string(signature.signature)
        }
        if !cc.isEmpty { headers["CC"] = .array(cc.map { .string($0) }) }
        let sequence = try channel.publish(exchange: Topology.changesExchange, routingKey: routingKey, body: body,
                                           properties: MessageProperties(contentType: "application/json", messageID: UUID().uuidString, headers: headers))
        try channel.waitForConfirm(sequence, timeout: .seconds(10))
    }

    /// Sends a control message (pause, resume, discover) to one host.
    func control(_ command: ControlMessage.Command, host: String) throws {
        let message = ControlMessage(id: UUID(), command: command, target: host, issuedAt: Date(), issuedBy: "tests")
        let sequence = try channel.publish(exchange: Topology.controlExchange, routingKey: host, body: try MessageCoding.encode(message))
        try channel.waitForConfirm(sequence, timeout: .seconds(10))
    }

    /// Collects results until `condition` holds for them.
    func waitForResults(_ what: String, timeout: Double = 30, _ condition: ([ChangeResult]) -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition(results) {
            guard Date() < deadline else {
                throw TestFailure("timed out after \(timeout) s waiting for \(what); results so far: \(results.map { "\($0.host):\($0.outcome.rawValue):v\($0.version ?? 0)" })")
            }
            try drain(for: .milliseconds(100))
        }
    }

    /// Takes whatever results arrive during `duration`.
    func drain(for duration: Duration) throws {
        let deadline = ContinuousClock.now + duration
        while ContinuousClock.now < deadline {
            guard let delivery = try connection.nextDelivery(timeout: .milliseconds(50)) else { continue }
            try channel.ack(delivery.deliveryTag)
            results.append(try MessageCoding.decode(ChangeResult.self, from: delivery.body))
        }
    }

    func results(host: String) -> [ChangeResult] { results.filter { $0.host == host } }
}

/// A unique lowercase name that is valid in routing keys.
func uniqueName(_ prefix: String) -> String {
    "\(prefix)-\(UUID().uuidString.prefix(6).lowercased())"
}

func temporaryDirectory(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("changebus-\(name)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
