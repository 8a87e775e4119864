import AMQP
import ChangeBus
import FoundationEssentials

/// Builds, versions, signs and sends change events, with a write-ahead outbox.
///
/// One publish: diff with git → plan (components, changes, files) → under the state lock:
/// next version, sign, write to the outbox (fsync), send the whole outbox oldest first,
/// remove each confirmed file. A broker that is down or slow leaves the event in the
/// outbox; the next publish or `flush()` sends it.
public struct Publisher: Sendable {
    /// The configuration.
    public let config: PublisherConfig
    /// Supplies event ids; replaceable for tests. Default: random UUIDs.
    public var makeID: @Sendable () -> UUID = { UUID() }
    /// Supplies the publish time; replaceable for tests. Default: now.
    public var now: @Sendable () -> Date = { Date() }

    /// Publishes with `config`.
    public init(config: PublisherConfig) {
        self.config = config
    }

    /// The state folder.
    public var state: StateFolder { StateFolder(path: config.statePath) }

    /// Publishes `request` from `repository`.
    /// - Returns: the event (nil when nothing is routed), warnings and the delivery report;
    ///   a broker failure is reported there, not thrown.
    /// - Throws: `PublishError` when the event cannot be built, signed or written to the
    ///   outbox: bad names or target, unknown revision, git failure, inline files over
    ///   `max_inline_bytes`, unreadable key, unwritable state folder.
    public func publish(_ request: PublishRequest, repository: GitRepository) throws(PublishError) -> PublishOutcome {
        for (what, name) in [("stream", request.stream), ("environment", request.environment)] where !Topology.isValidName(name) {
            throw PublishError(.invalidInput, "\(what) \"\(name)\" is not a valid name (lowercase letters, digits, - and _, at most 64)")
        }
        if !request.target.isEmpty {
            do {
                _ = try Selector(parsing: request.target)
            } catch {
                throw PublishError(.invalidInput, "bad target \(error)")
            }
        }
        let revision = try repository.resolveCommit(request.revision)
        let previous = try request.previousRevision.map { (rev: String) throws(PublishError) in try repository.resolveCommit(rev) }
        let tree = try repository.tree(at: revision)
        let diff = try previous.map { (old: String) throws(PublishError) in try repository.diff(from: old, to: revision) }
            ?? EventBuilder.allAdded(tree)
        let plan = EventBuilder(routes: config.routes).plan(diff: diff, tree: tree)
        guard !plan.isEmpty else { return PublishOutcome(event: nil, item: nil, warnings: plan.warnings, delivery: nil) }

        var files: [InlineFile]? = nil
        if config.inlineFiles {
            guard plan.inlineBytes <= config.maxInlineBytes else {
                throw PublishError(.tooLarge,
                    "the files of components \(plan.components.joined(separator: ",")) at \(revision.prefix(12)) hold \(plan.inlineBytes) bytes, more than max_inline_bytes = \(config.maxInlineBytes) in \(config.path); raise it, split the components, or set inline_files = no")
            }
            files = try EventBuilder.inlineFiles(plan, contents: repository.blobs(plan.files.map(\.entry.object)))
        }
        let commit = try repository.commitInfo(revision)
        let signer: MessageSigner
        do {
            signer = try MessageSigner(keyPath: config.keyPath)
        } catch {
            throw PublishError(.key, "signing key: \(error) (key in \(config.path))")
        }

        return try state.withLock { () throws(PublishError) -> PublishOutcome in
            let last = try state.lastVersion(stream: request.stream, environment: request.environment)
            let version = (last ?? 0) + 1
            let event = ChangeEvent(
                id: makeID(), stream: request.stream, environment: request.environment, version: version,
                previousVersion: last, revision: revision, previousRevision: previous, components: plan.components,
                target: request.target, changes: plan.changes, files: files,
                deleted: config.inlineFiles ? plan.deleted : nil,
                author: ChangeEvent.Author(name: commit.authorName, email: commit.eventAuthorEmail),
                message: commit.message, committedAt: commit.committedAt, publishedAt: now(),
                publisher: config.host, forced: request.forced)
            let message = try OutboxMessage(event: event, signer: signer)
            // The version is taken before the event is written: a crash in between leaves
            // a gap in the sequence, which is harmless, never a version used twice.
            try state.recordVersion(version, stream: request.stream, environment: request.environment)
            let item = try state.outbox.write(message, stream: request.stream, environment: request.environment, version: version)
            let delivery = sender().send(state.outbox.list(), outbox: state.outbox)
            return PublishOutcome(event: event, item: item, warnings: plan.warnings, delivery: delivery)
        }
    }

    /// Sends every waiting event, oldest first.
    /// - Throws: `PublishError` `.state` when the state lock cannot be taken.
    public func flush() throws(PublishError) -> DeliveryReport {
        try state.withLock { () throws(PublishError) -> DeliveryReport in
            sender().send(state.outbox.list(), outbox: state.outbox)
        }
    }

    /// The waiting events, oldest first (read without the lock: a listing only).
    public func waiting() -> [Outbox.Item] {
        state.outbox.list()
    }

    func sender() -> OutboxSender {
        OutboxSender(urls: config.brokerURLs, confirmTimeout: config.confirmTimeout,
                     connectionName: "changebus publisher \(config.host)")
    }
}
