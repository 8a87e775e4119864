import AMQP
import ChangeBus
import Foundation
import TestSupport

/// A temporary world for one integration test: signing keys, a publisher config, a bare
/// repository with the installed hook, and a clone to push from. Git runs with its own
/// HOME and no system or global config, so the machine's settings cannot leak in.
final class GitFixture {
    let root: String
    let stream: String
    let configPath: String
    let bare: String
    let clone: String
    let pubPath: String

    /// The `changebus` binary that `swift build` made; the hook runs it.
    static var changebus: String {
        get throws {
            let path = repoRoot.appendingPathComponent(".build/debug/changebus").path
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw TestFailure("\(path) is missing: run `swift build` before `swift test`")
            }
            return path
        }
    }

    /// - Parameters:
    ///   - brokerURL: the `[broker] url`.
    ///   - branches, routes: the `[branches]` and `[routes]` lines.
    init(brokerURL: String, branches: String = "refs/heads/main = prod",
         routes: String = "roles/web/** = web\ncommon/** = common", extra: String = "") throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("changebus-publisher-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        stream = "s" + UUID().uuidString.prefix(8).lowercased()
        let keys = try KeyFiles.generate(into: root + "/keys")
        pubPath = keys.pubPath
        configPath = root + "/publisher.ini"
        bare = root + "/config.git"
        clone = root + "/work"
        try writeConfig("""
            [broker]
            url = \(brokerURL)
            confirm_timeout = 5s
            [publisher]
            key = keys/changebus.key
            state = state
            stream = \(stream)
            host = test-publisher
            \(extra)
            [branches]
            \(branches)
            [routes]
            \(routes)
            """)
        _ = FileManager.default.createFile(atPath: root + "/gitconfig", contents: Data())
        try git(["init", "-q", "--bare", "-b", "main", bare], in: root)
        let installed = try run(try Self.changebus, ["install-hook", "--repo", bare, "--config", configPath])
        guard installed.status == 0 else { throw TestFailure("install-hook failed: \(installed.output)") }
        try git(["clone", "-q", bare, clone], in: root)
        try git(["config", "user.name", "Test Author"])
        try git(["config", "user.email", "author@example.com"])
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    func writeConfig(_ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: configPath))
    }

    var gitEnvironment: [String: String] {
        ["HOME": root, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": root + "/gitconfig", "LC_ALL": "C"]
    }

    /// Runs git in the clone (or `directory`); throws with its output when it fails.
    @discardableResult
    func git(_ arguments: [String], in directory: String? = nil) throws -> String {
        let result = try run("/usr/bin/git", ["-C", directory ?? clone] + arguments, environment: gitEnvironment)
        guard result.status == 0 else { throw TestFailure("git \(arguments.joined(separator: " ")) failed: \(result.output)") }
        return result.output
    }

    /// Writes a file of the clone.
    func write(_ path: String, _ content: String) throws {
        let url = URL(fileURLWithPath: clone + "/" + path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(content.utf8).write(to: url)
    }

    /// Stages everything and commits.
    func commit(_ message: String) throws {
        try git(["add", "-A"])
        try git(["commit", "-q", "-m", message])
    }

    /// `git push ARGS`; returns the output, which includes the hook's (`remote: …`).
    func push(_ arguments: [String] = ["origin", "main"]) throws -> String {
        try git(["push"] + arguments)
    }

    /// The commit id of `revision` in the clone.
    func revParse(_ revision: String) throws -> String {
        try git(["rev-parse", revision]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs the changebus binary.
    func changebus(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try run(try Self.changebus, arguments, environment: gitEnvironment)
    }
}

/// A queue bound to `changebus.changes` with `<stream>.#`: sees every event of one test.
final class EventQueue {
    let connection: Connection
    let channel: Channel
    let name: String

    init(url: BrokerURL, stream: String, durable: Bool = false) throws {
        connection = try Connection.open(url, name: "changebus publisher tests")
        channel = try connection.openChannel()
        name = "test.publisher.\(stream)"
        try channel.declareExchange(Topology.changesExchange, type: .topic, durable: true)
        try channel.declareQueue(name, durable: durable, exclusive: !durable, autoDelete: false)
        try channel.bindQueue(name, exchange: Topology.changesExchange, routingKey: "\(stream).#")
    }

    /// Every message waiting now (the hook waits for confirms, so a finished push's event is
    /// already queued), each decoded and checked.
    func drain() throws -> [(delivery: Delivery, event: ChangeEvent)] {
        var out: [(Delivery, ChangeEvent)] = []
        while let delivery = try channel.get(queue: name) {
            try channel.ack(delivery.deliveryTag)
            out.append((delivery, try MessageCoding.decode(ChangeEvent.self, from: delivery.body)))
        }
        return out
    }

    func delete() {
        _ = try? channel.deleteQueue(name)
        connection.close()
    }
}
