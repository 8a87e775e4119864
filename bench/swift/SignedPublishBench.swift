import AMQP
import ChangeBus
import Crypto
import FoundationEssentials
import Publisher

/// The signed row: change events as the publisher sends them. Each one is built (fresh id,
/// next version, realistic fields and one inline file sized so the body is about
/// `options.size` bytes), encoded and checked (`MessageCoding`), signed with Ed25519 and
/// turned into its outbox message (`OutboxMessage`), then published persistent with the
/// signature headers and confirms, pipelined, into a fresh durable queue.
///
/// Not included: the outbox file's fsync and the git work, which a real publish adds once
/// per push, not per message.
struct SignedPublishBench {
    let options: BenchOptions

    func run() throws -> BenchResult {
        let signer = MessageSigner(key: SigningKey.generate())
        let template = try Self.template(bodySize: options.size)
        // The default exchange and the bench queue stand in for changebus.changes and a
        // host queue; a single component means no CC header to route.
        return try ConfirmedPublishRun(options: options, connectionName: "changebus bench signed", noun: "events")
            .run { version in
                var event = template
                event.id = UUID()
                event.version = version
                event.previousVersion = version > 1 ? version - 1 : nil
                event.publishedAt = Date()
                let message = try OutboxMessage(event: event, signer: signer)
                return (message.body!, message.properties)
            }
    }

    /// An event with realistic fields whose encoded body is about `bodySize` bytes (never
    /// smaller than the same event with an empty file).
    static func template(bodySize: Int) throws -> ChangeEvent {
        func event(fileBytes: Int) -> ChangeEvent {
            let content = [UInt8](repeating: UInt8(ascii: "x"), count: fileBytes)
            return ChangeEvent(
                id: UUID(), stream: "config", environment: "prod", version: 1, previousVersion: nil,
                revision: String(repeating: "a1b2c3d4", count: 5), previousRevision: String(repeating: "0f9e8d7c", count: 5),
                components: ["web"], target: "env == \"prod\" and role in [\"web\"]",
                changes: [FileChange(path: "roles/web/nginx.conf", status: .modified, blob: String(repeating: "5e", count: 20))],
                files: [InlineFile(path: "roles/web/nginx.conf", component: "web", mode: 0o644,
                                   content: Data(content).base64EncodedString(), sha256: SHA256.hexDigest(content), size: fileBytes)],
                deleted: [],
                author: .init(name: "Ada Operator", email: "ada@example.com"),
                message: "web: raise worker_connections to 4096", committedAt: Date(), publishedAt: Date(),
                publisher: "git-1.example.com", forced: false)
        }
        let base = try MessageCoding.encode(event(fileBytes: 0)).count
        return event(fileBytes: max(0, (bodySize - base) * 3 / 4))
    }
}
