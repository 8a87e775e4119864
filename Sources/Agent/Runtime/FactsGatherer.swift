import ChangeBus
import Subprocess
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// Gathers a host's facts: built-ins (`host`, `hostname`), the config's static facts, and
/// the JSON object a facts command prints (e.g. `facter --json`), nested objects flattened
/// to dotted keys (`os.family`). Static facts win over the command's.
public enum FactsGatherer {
    /// Largest facts command output read (facter prints a few hundred KB at most).
    static let outputLimit = 8 << 20
    /// How long the facts command may run before it is killed.
    static let timeout: Duration = .seconds(120)

    /// - Throws: `FactsError` naming the command and what went wrong.
    public static func gather(_ config: AgentConfig) throws(FactsError) -> Facts {
        var facts: Facts = ["host": .string(config.hostID), "hostname": .string(config.hostID)]
        if let command = config.factsCommand {
            facts.merge(try run(command)) { $1 }
        }
        facts.merge(config.staticFacts) { $1 }
        return facts
    }

    static func run(_ argv: [String]) throws(FactsError) -> Facts {
        let name = argv.joined(separator: " ")
        let child: ChildProcess
        do {
            // Its standard error (warnings) must not mix into the JSON on standard output.
            child = try ChildProcess.spawn(argv: argv, environment: ChildProcess.currentEnvironment().map { "\($0.key)=\($0.value)" },
                                           errors: .null)
        } catch {
            throw FactsError(message: "facts command \(name): \(error)")
        }
        // The command runs before the agent connects: waiting here is fine, but not forever.
        defer { close(child.output) }
        let deadline = ContinuousClock.now + timeout
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var termination: ChildProcess.Termination?
        while termination == nil {
            let count = buffer.withUnsafeMutableBytes { read(child.output, $0.baseAddress, $0.count) }
            if count > 0 {
                output += buffer[..<count]
                if output.count > outputLimit {
                    child.signalGroup(SIGKILL)
                    child.reapBlocking()
                    throw FactsError(message: "facts command \(name) printed more than \(outputLimit) bytes")
                }
                continue
            }
            if ContinuousClock.now > deadline {
                child.signalGroup(SIGKILL)
                child.reapBlocking()
                throw FactsError(message: "facts command \(name) did not finish within \(timeout)")
            }
            termination = child.reap()
            if termination == nil { usleep(10_000) }
        }
        // Whatever it wrote just before exiting.
        while case let count = buffer.withUnsafeMutableBytes({ read(child.output, $0.baseAddress, $0.count) }), count > 0 {
            output += buffer[..<count]
        }
        guard termination == .exited(0) else {
            throw FactsError(message: "facts command \(name) failed (\(termination!)): \(String(decoding: output.suffix(300), as: UTF8.self))")
        }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(output))
        } catch {
            throw FactsError(message: "facts command \(name) did not print a JSON object: \(error)")
        }
        guard case .object = value else {
            throw FactsError(message: "facts command \(name) printed JSON that is not an object")
        }
        var facts: Facts = [:]
        value.flatten(prefix: "", into: &facts)
        return facts
    }
}

/// The facts command failed.
public struct FactsError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}

/// Any JSON value, for flattening facts.
indirect enum JSONValue: Decodable {
    case object([String: JSONValue])
    case array([JSONValue])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let v = try? container.decode(Bool.self) { self = .bool(v) }
        else if let v = try? container.decode(Double.self) { self = .number(v) }
        else if let v = try? container.decode(String.self) { self = .string(v) }
        else if let v = try? container.decode([JSONValue].self) { self = .array(v) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    var factValue: FactValue? {
        switch self {
        case .string(let s): return .string(s)
        case .number(let n): return .number(n)
        case .bool(let b): return .bool(b)
        case .array(let items): return .list(items.compactMap(\.factValue))
        case .object, .null: return nil
        }
    }

    func flatten(prefix: String, into facts: inout Facts) {
        if case .object(let members) = self {
            for (key, value) in members { value.flatten(prefix: prefix.isEmpty ? key : prefix + "." + key, into: &facts) }
        } else if let value = factValue, !prefix.isEmpty {
            facts[prefix] = value
        }
    }
}
