import AMQP
import Foundation

/// The real RabbitMQ the integration tests talk to: the private node that
/// `scripts/broker start` runs (`make test` starts it), or `CHANGEBUS_TEST_AMQP_URL`.
public enum TestBroker {
    /// Default: `amqp://guest:guest@127.0.0.1:5673/`.
    public static var urlText: String {
        ProcessInfo.processInfo.environment["CHANGEBUS_TEST_AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5673/"
    }

    public static var url: BrokerURL {
        get throws { try BrokerURL(urlText) }
    }

    /// Opens a connection; a missing broker is a failure with a clear message, never a skip.
    public static func connect(name: String = "changebus tests", heartbeat: Int? = nil) throws -> Connection {
        var url = try url
        if let heartbeat { url.heartbeat = heartbeat }
        do {
            return try Connection.open(url, name: name)
        } catch {
            throw TestFailure("no RabbitMQ at \(url): \(error). Start it with `scripts/broker start` or run `make test`.")
        }
    }

    /// A name no other test uses.
    public static func unique(_ prefix: String) -> String {
        "test.\(prefix).\(UUID().uuidString.prefix(8).lowercased())"
    }
}

/// The repository's root folder, found from this file's path.
public let repoRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A test precondition that did not hold, with a readable message.
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Runs a program (no shell) and returns its exit status and combined output.
@discardableResult
public func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                input: Data? = nil, currentDirectory: URL? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    if let currentDirectory { process.currentDirectoryURL = currentDirectory }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    let inputPipe = Pipe()
    process.standardInput = inputPipe
    try process.run()
    if let input { inputPipe.fileHandleForWriting.write(input) }
    try inputPipe.fileHandleForWriting.close()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self))
}

/// A second private broker node for tests that stop and start the broker, so that they
/// never disturb tests running against the shared node.
public struct PrivateBroker: Sendable {
    public let port: Int
    public let directory: String

    public init(port: Int, name: String) {
        self.port = port
        self.directory = repoRoot.appendingPathComponent("var/\(name)").path
    }

    private var environment: [String: String] {
        ["CHANGEBUS_AMQP_PORT": String(port), "CHANGEBUS_BROKER_DIR": directory]
    }

    public func control(_ command: String) throws {
        let result = try run(repoRoot.appendingPathComponent("scripts/broker").path, [command], environment: environment)
        guard result.status == 0 else {
            throw TestFailure("scripts/broker \(command) (port \(port)) failed: \(result.output)")
        }
    }

    public func url() throws -> String {
        let result = try run(repoRoot.appendingPathComponent("scripts/broker").path, ["url"], environment: environment)
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
