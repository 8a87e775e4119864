import Agent
import ChangeBus
import Crypto
import FoundationEssentials

/// What the `decide` row feeds the agent's decision: signed change events as they arrive
/// off the wire, and the verifier, host and state of a web host that has run for a while.
///
/// The events are distinct (id, revision, paths) and each states the next version of its
/// components, so no decision takes the version-jump path. They carry no inline files, as
/// for a host whose handler is a command (Puppet): at about 1 KB there is room for a few
/// changed paths and a commit message, not for file contents. They cycle
/// through four kinds, so the run covers the paths a web host sees every day:
///
/// | i % 4 | components    | target                       | changed paths        | decision        |
/// |-------|---------------|------------------------------|----------------------|-----------------|
/// | 0, 1  | web, common   | `env == "prod" and role in ["web", "lb"] and not exists(maintenance)` | roles/web/…, hieradata/… | converge |
/// | 2     | web           | same, but `role in ["db"]`   | roles/web/…          | skipped: target |
/// | 3     | common        | the web/lb target            | docs/…, README.md    | skipped: watch  |
///
/// The state is the steady state of a long-running agent: `AgentState.maxReported` event ids
/// remembered (the duplicate check scans them), and applied versions of its components.
struct DecideWorkload {
    /// Checks size, signature (one of two trusted keys) and schema, as the agent does.
    let verifier: Verifier
    /// A web host in prod: facts like `facter` gives, its subscriptions and watch globs.
    let host: HostProfile
    /// What the agent remembers after a long run.
    let state: AgentState
    /// The deliveries, body bytes and signature headers as the runtime hands them over.
    let messages: [IncomingMessage]

    static let stream = "config"
    static let environment = "prod"
    /// The applied version of every component; each event is the next one.
    static let appliedVersion = 1_000
    static let matchingTarget = #"env == "prod" and role in ["web", "lb"] and not exists(maintenance)"#
    static let otherTarget = #"env == "prod" and role in ["db"] and not exists(maintenance)"#

    /// Builds `count` events of about `size` body bytes each (exactly `size` when the event
    /// without its commit message is smaller), encodes and signs them.
    /// - Throws: `MessageError` if an event does not encode (a bug in this workload).
    init(count: Int, size: Int) throws {
        let signingKey = SigningKey.generate()
        let signer = MessageSigner(key: signingKey)
        // A second trusted key, as on a host that trusts the old and the new publisher key.
        verifier = Verifier(trust: TrustStore(keys: [SigningKey.generate().publicKey, signingKey.publicKey]),
                            maxMessageBytes: 1_048_576)
        host = try Self.webHost()
        state = Self.steadyState()

        var messages: [IncomingMessage] = []
        messages.reserveCapacity(count)
        for index in 0..<count {
            var event = Self.event(index)
            let bare = try MessageCoding.encode(event).count
            // Plain words: JSON writes them byte for byte, so the body lands on `size`.
            event.message = Self.commitMessage(length: size - bare)
            let body = try MessageCoding.encode(event)
            let signature = signer.sign(body: body)
            messages.append(IncomingMessage(
                body: body, keyID: signature.keyID.rawValue, signature: signature.signature,
                messageID: event.id.uuidString.lowercased(),
                routingKey: Topology.changeKey(stream: event.stream, environment: event.environment,
                                               component: event.components[0])))
        }
        self.messages = messages
    }

    /// Total body bytes of all messages.
    var bodyBytes: Int { messages.reduce(0) { $0 + $1.body.count } }

    // MARK: - Pieces

    private static func webHost() throws -> HostProfile {
        var facts: Facts = [
            "env": .string("prod"), "role": .string("web"), "roles": .list([.string("web"), .string("common")]),
            "datacenter": .string("fra1"), "rack": .string("r12"), "hostname": .string("web-17"),
            "fqdn": .string("web-17.fra1.example.com"), "domain": .string("fra1.example.com"),
            "os.family": .string("Debian"), "os.name": .string("Debian"), "os.release.full": .string("13.1"),
            "os.release.major": .string("13"), "kernel": .string("Linux"), "kernelrelease": .string("6.12.48-1-amd64"),
            "architecture": .string("amd64"), "processors.count": .number(8), "memory.system.total_bytes": .number(33_554_432_000),
            "virtual": .string("kvm"), "is_virtual": .bool(true), "timezone": .string("UTC"),
            "networking.ip": .string("10.20.12.17"), "networking.primary": .string("ens3"),
            "puppet.version": .string("8.10.0"), "ruby.version": .string("3.3.8"), "nginx.version": .string("1.26.3"),
        ]
        for index in 0..<16 { facts["disks.vd\(Character(UnicodeScalar(UInt8(97 + index)))).size_bytes"] = .number(Double(index + 1) * 1e10) }
        return HostProfile(
            hostID: "web-17", facts: facts,
            subscriptions: try ["config.prod.web", "config.prod.common", "config.prod.lb", "config.all.#"].map { try TopicPattern($0) },
            watch: try ["roles/web/**", "roles/common/**", "hieradata/prod/**", "hieradata/common.yaml"].map { try Glob($0) })
    }

    private static func steadyState() -> AgentState {
        var state = AgentState()
        let at = Date(timeIntervalSince1970: 1_780_000_000)
        for component in ["web", "common", "lb"] {
            state.applied[AgentState.appliedKey(stream: stream, environment: environment, component: component)] =
                AppliedVersion(stream: stream, environment: environment, component: component,
                               version: appliedVersion, eventId: UUID(), appliedAt: at)
        }
        state.reported = (0..<AgentState.maxReported).map { index in
            ReportedEvent(eventId: UUID(), outcome: index % 3 == 0 ? .applied : .skipped, at: at,
                          stream: stream, environment: environment, version: appliedVersion - AgentState.maxReported + index + 1)
        }
        state.bindings = ["config.prod.web", "config.prod.common", "config.prod.lb", "config.all.#"]
        return state
    }

    private static func event(_ index: Int) -> ChangeEvent {
        let kind = index % 4
        let components = kind <= 1 ? ["web", "common"] : kind == 2 ? ["web"] : ["common"]
        let paths: [String]
        switch kind {
        case 0, 1: paths = ["roles/web/files/nginx-\(index).conf", "roles/web/templates/site.conf.j2", "hieradata/prod/web.yaml"]
        case 2: paths = ["roles/web/files/upstream-\(index).conf", "roles/web/manifests/init.pp"]
        default: paths = ["docs/runbook-\(index).md", "README.md"]
        }
        let at = Date(timeIntervalSince1970: 1_780_000_000 + Double(index))
        return ChangeEvent(
            id: UUID(), stream: stream, environment: environment,
            version: appliedVersion + 1, previousVersion: appliedVersion,
            revision: hex40(index * 2 + 1), previousRevision: hex40(index * 2),
            components: components, target: kind == 2 ? otherTarget : matchingTarget,
            changes: paths.map { FileChange(path: $0, status: .modified, blob: hex40(index * 7 + 3)) },
            author: .init(name: "Ada Ops", email: "ada@example.com"), message: "",
            committedAt: at, publishedAt: at, publisher: "git-1", forced: false)
    }

    /// 40 lowercase hex digits that differ for every `seed`.
    private static func hex40(_ seed: Int) -> String {
        let digits = String(UInt64(truncatingIfNeeded: seed) &* 0x9E37_79B9_7F4A_7C15, radix: 16)
        return String(repeating: "0", count: 40 - digits.count) + digits
    }

    private static func commitMessage(length: Int) -> String {
        let words = "Tune nginx upstream keepalive and worker limits for the web pool after load test "
        var text = ""
        while text.count < length { text += words }
        return String(text.prefix(max(0, length)))
    }
}
