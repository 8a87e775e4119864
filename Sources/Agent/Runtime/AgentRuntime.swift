import AMQP
import ChangeBus
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// The host agent's main loop: connect, declare, consume, decide, converge, report.
///
/// Everything runs on the calling thread, which owns the AMQP connection: while a
/// convergence child process runs, the loop keeps polling the connection so heartbeats
/// hold. Delivery is at least once: the event is marked in progress in the local state
/// before converging, the result is published with a confirm, and only then is the
/// message acked. A crash anywhere leaves the message unacked; its redelivery converges
/// again (idempotent) or re-sends the stored result.
public final class AgentRuntime {
    let config: AgentConfig
    let logger: Logger
    let dryRun: Bool
    let stop: StopSignal
    let store: StateStore
    let verifier: Verifier
    let handler: any ConvergenceHandler
    let topology: AgentTopology
    var state: AgentState
    var host: HostProfile
    /// The connection and its channels; nil while disconnected.
    var session: Session?
    var lastPresence = ContinuousClock.now

    /// The per-connection part of the runtime.
    final class Session {
        let connection: Connection
        let consumer: Channel
        let outgoing: Channel
        let hostQueue: String
        let controlQueue: String
        let controlTag: String
        var hostTag: String?
        /// Host-queue deliveries taken from the connection and verified, not yet handled.
        var pending: [(Delivery, Verification)] = []

        init(connection: Connection, consumer: Channel, outgoing: Channel, hostQueue: String,
             controlQueue: String, controlTag: String) {
            self.connection = connection
            self.consumer = consumer
            self.outgoing = outgoing
            self.hostQueue = hostQueue
            self.controlQueue = controlQueue
            self.controlTag = controlTag
        }
    }

    /// Loads the state, the trusted keys and the facts. Nothing touches the broker yet.
    /// - Throws: `StateError`, `SigningError` or `FactsError` with a clear message.
    public init(config: AgentConfig, logger: Logger, dryRun: Bool, stop: StopSignal) throws {
        self.config = config
        self.logger = logger.with("host", config.hostID)
        self.dryRun = dryRun
        self.stop = stop
        store = StateStore(directory: config.stateDirectory)
        state = try store.load()
        verifier = Verifier(trust: try TrustStore.load(publicKeyPaths: config.trustedKeyFiles),
                            maxMessageBytes: config.maxMessageBytes)
        switch config.handler {
        case .files(let root):
            handler = FilesHandler(root: root)
        case .command(let argv, let exitCodes):
            handler = CommandHandler(argv: argv, timeout: config.convergeTimeout, exitCodes: exitCodes)
        }
        topology = AgentTopology(config: config)
        host = HostProfile(hostID: config.hostID, facts: try FactsGatherer.gather(config),
                           subscriptions: config.subscriptions, watch: config.watch)
    }

    // MARK: Main loop

    /// Runs until a stop is requested. Returns the exit code.
    public func run() -> Int32 {
        let urls: [BrokerURL]
        do {
            urls = try config.brokerURLs.map { (text: String) throws(AMQPError) -> BrokerURL in try BrokerURL(text) }
        } catch {
            logger.error("bad broker URL in \(config.path)", ["error": error])
            return 1
        }
        let reconnector = Reconnector(
            urls: urls, connectionName: "changebus agent \(config.hostID)",
            onFailure: { [logger] url, error, delay in
                logger.warning("broker unreachable", ["url": url, "error": error, "retry_in": delay])
            })
        logger.info("agent starting", ["version": ChangeBusVersion.current, "queue": topology.hostQueue,
                                       "paused": state.paused, "dry_run": dryRun, "facts": host.facts.count])
        while stop.requests == 0 {
            if session == nil {
                do throws(AMQPError) { try connect(reconnector) } catch {
                    if stop.requests > 0 { break }
                    // The reconnect helper only gives up on errors a retry cannot fix.
                    logger.error("stopping: broker refused the agent's setup", ["error": error])
                    return 1
                }
            }
            do throws(AMQPError) { try serve() } catch {
                // Whatever failed while serving (connection lost, a channel closed by the
                // broker, a consumer cancelled): unacked deliveries go back to the queue,
                // and a fresh connection picks them up.
                session?.connection.close()
                session = nil
                if stop.requests > 0 { break }
                logger.warning("broker connection lost; reconnecting", ["error": error])
                _ = Reconnector.sleep(.seconds(1)) { [stop] in stop.requests > 0 }
            }
        }
        if let session {
            try? publishPresence(.offline, on: session)
            session.connection.close()
        }
        logger.info("agent stopped")
        return 0
    }

    /// Connects (retrying transient failures) and declares the topology. Throws only
    /// what a retry cannot fix.
    private func connect(_ reconnector: Reconnector) throws(AMQPError) {
        var made: Session?
        _ = try reconnector.connect(shouldStop: { [stop] in stop.requests > 0 }) {
            (connection: Connection) throws(AMQPError) in
            let consumer = try connection.openChannel()
            try topology.declareExchanges(on: consumer)
            // A dry run reads copies from a private queue with the same bindings, so that it
            // never takes events away from the host's real queue.
            let hostQueue = dryRun
                ? try topology.declareDryRunQueue(on: consumer)
                : try topology.declareHostQueue(on: consumer, previous: state.bindings)
            let controlQueue = try topology.declareControlQueue(on: consumer)
            try consumer.setPrefetch(UInt16(clamping: config.prefetch))
            let controlTag = try consumer.consume(queue: controlQueue, exclusive: true)
            let outgoing = try connection.openChannel()
            try outgoing.enableConfirms()
            made = Session(connection: connection, consumer: consumer, outgoing: outgoing, hostQueue: hostQueue,
                           controlQueue: controlQueue, controlTag: controlTag)
        }
        guard let session = made else { throw AMQPError(.invalidUse, "topology callback did not run") }
        if !dryRun {
            state.bindings = config.subscriptions.map(\.pattern)
            saveState()
        }
        self.session = session
    }

    /// After connecting: send results stored but never confirmed (a crash or broker loss
    /// between convergence and confirm), announce presence, and start consuming.
    private func start(_ session: Session) throws(AMQPError) {
        for result in state.unconfirmed {
            try publishResult(result, on: session, fallbackStream: nil)
        }
        if !state.paused {
            session.hostTag = try session.consumer.consume(queue: session.hostQueue)
        }
        logger.info("connected", ["broker": session.connection.url, "queue": session.hostQueue,
                                  "bindings": config.subscriptions.map(\.pattern).joined(separator: ","), "paused": state.paused])
        try publishPresence(.online, on: session)
    }

    /// Takes deliveries and handles them until a stop is requested or the broker fails.
    private func serve() throws(AMQPError) {
        guard let session else { return }
        try start(session)
        while stop.requests == 0 {
            if ContinuousClock.now - lastPresence >= config.presenceInterval {
                try publishPresence(.heartbeat, on: session)
            }
            if session.pending.isEmpty {
                guard try receive(on: session, timeout: .milliseconds(250)) else {
                    try checkConsumers(session)
                    continue
                }
                // Gather what else is already waiting, so that an agent catching up sees
                // newer events and converges only the newest.
                while session.pending.count < config.prefetch, try receive(on: session, timeout: .milliseconds(50)) {}
            } else {
                // Control messages (pause, discover) must not wait behind a backlog.
                while try receive(on: session, timeout: .zero) {}
            }
            try checkConsumers(session)
            guard !session.pending.isEmpty else { continue }
            let (delivery, verification) = session.pending.removeFirst()
            let queued = session.pending.compactMap { entry -> ChangeEvent? in
                if case .valid(let event) = entry.1 { return event }
                return nil
            }
            try handle(delivery, verification, queued: queued, on: session)
        }
    }

    /// Throws (so that the agent reconnects) when the broker cancelled a consumer, e.g.
    /// because the host queue was deleted, or closed the consuming channel.
    private func checkConsumers(_ session: Session) throws(AMQPError) {
        let cancelled = session.consumer.takeCancelledConsumers()
        if !cancelled.isEmpty {
            throw AMQPError(.channelClosed, "the broker cancelled consumer(s) \(cancelled.joined(separator: ", ")) (queue deleted or moved)", replyCode: 320)
        }
        if !session.consumer.isOpen || !session.outgoing.isOpen {
            throw AMQPError(.channelClosed, "a channel of \(session.connection.url.endpoint) was closed by the broker", replyCode: 320)
        }
    }

    /// Waits for one delivery; control messages are handled at once. Returns true when a
    /// host-queue delivery was added to `pending`.
    private func receive(on session: Session, timeout: Duration) throws(AMQPError) -> Bool {
        guard let delivery = try session.connection.nextDelivery(timeout: timeout) else { return false }
        if delivery.consumerTag == session.controlTag {
            try handleControl(delivery, on: session)
            return false
        }
        guard delivery.consumerTag == session.hostTag else {
            // Sent before a pause cancelled the consumer: back to the queue, unseen.
            try session.consumer.nack(delivery.deliveryTag, requeue: true)
            return false
        }
        let message = IncomingMessage(
            body: delivery.body,
            keyID: delivery.properties.headers[SignatureHeaders.keyIDHeader]?.stringValue,
            signature: delivery.properties.headers[SignatureHeaders.signatureHeader]?.stringValue,
            messageID: delivery.properties.messageID, routingKey: delivery.routingKey,
            redelivered: delivery.redelivered)
        session.pending.append((delivery, verifier.verify(message)))
        return true
    }

    // MARK: Handling one event

    private func handle(_ delivery: Delivery, _ verification: Verification, queued: [ChangeEvent], on session: Session) throws(AMQPError) {
        let started = Date()
        switch verification {
        case .invalid(let reason, let peek):
            let result = makeResult(
                eventID: peek.id, delivery: delivery, stream: peek.stream, environment: peek.environment,
                version: peek.version, outcome: .rejected, reason: reason, components: peek.components, started: started)
            try report(result, for: delivery, on: session)
            // Dead-letter it: the message stays inspectable in changebus.dead.
            try session.consumer.nack(delivery.deliveryTag, requeue: false)
        case .valid(let event):
            switch Decider.decide(event, host: host, state: state, queued: queued) {
            case .alreadyReported(let outcome):
                logger.info("duplicate event acked", ["event": event.id, "version": event.version, "earlier_outcome": outcome])
                try session.consumer.ack(delivery.deliveryTag)
            case .resend(let result):
                logger.info("re-sending stored result", ["event": event.id, "outcome": result.outcome])
                try report(result, for: delivery, on: session)
                try session.consumer.ack(delivery.deliveryTag)
            case .report(let outcome, let reason, let components, let digest):
                let result = makeResult(event: event, delivery: delivery, outcome: outcome, reason: reason,
                                        components: components, factsDigest: digest, started: started)
                try report(result, for: delivery, on: session)
                try session.consumer.ack(delivery.deliveryTag)
            case .converge(let components, let missed, let retry):
                try converge(event, components: components, missed: missed, retry: retry, delivery: delivery, on: session)
            }
        }
    }

    private func converge(_ event: ChangeEvent, components: [String], missed: [Int], retry: Bool,
                          delivery: Delivery, on session: Session) throws(AMQPError) {
        let started = Date()
        if !missed.isEmpty {
            logger.warning("version jump", ["stream": event.stream, "version": event.version,
                                            "missed": missed.map(String.init).joined(separator: ",")])
        }
        logger.info("converging", ["event": event.id, "stream": event.stream, "environment": event.environment,
                                   "version": event.version, "components": components.joined(separator: ","), "retry": retry])
        // Write-ahead: a crash from here on leaves a marker that the redelivery sees.
        state.beginConvergence(event.id)
        saveState()
        var lost: AMQPError?
        let convergeReport = runConvergence(request(for: event, components: components)) {
            // Keep the connection alive (heartbeats, buffered deliveries) while the child runs.
            if lost == nil {
                do throws(AMQPError) { try session.connection.poll() } catch { lost = error }
            }
        }
        guard convergeReport.outcome != .aborted else {
            // Stopped hard: no result, no ack; the redelivery after restart converges again.
            logger.warning("convergence aborted by stop request; event stays queued", ["event": event.id])
            return
        }
        let outcome = Outcome(rawValue: convergeReport.outcome.rawValue) ?? .failed
        var result = makeResult(event: event, delivery: delivery, outcome: outcome, reason: convergeReport.detail,
                                components: components, factsDigest: nil, started: started)
        result.missedVersions = missed.isEmpty ? nil : missed
        result.exitCode = convergeReport.exitCode
        result.outputTail = convergeReport.outputTail.isEmpty ? nil : convergeReport.outputTail
        if (outcome == .applied || outcome == .unchanged) && !dryRun {
            state.finishConvergence(event, components: components, result: result)
        } else {
            state.recordResult(result)
        }
        saveState()
        if let lost { throw lost }
        try report(result, for: delivery, on: session)
        try session.consumer.ack(delivery.deliveryTag)
    }

    /// Runs one convergence to the end, calling `tick` every 50 ms, and honours stop
    /// requests: the first lets it finish within the grace period, the second aborts it.
    private func runConvergence(_ request: ConvergeRequest, tick: () -> Void) -> ConvergeReport {
        let run: any ConvergenceRun
        do { run = try handler.start(request) } catch { return ConvergeReport(failure: error) }
        var stopSeen: ContinuousClock.Instant?
        var aborting = false
        while true {
            if let report = run.poll() { return report }
            tick()
            if stop.requests > 0 && stopSeen == nil {
                stopSeen = .now
                logger.info("stop requested: letting the running convergence finish", ["grace": config.shutdownGrace])
            }
            if !aborting, let seen = stopSeen, stop.requests > 1 || ContinuousClock.now - seen > config.shutdownGrace {
                aborting = true
                run.abort(grace: .seconds(2))
            }
            usleep(50_000)
        }
    }

    private func request(for event: ChangeEvent, components: [String]) -> ConvergeRequest {
        let taken = Set(components)
        let files = (event.files ?? []).filter { taken.contains($0.component) }.map { file in
            DesiredFile(path: file.path, mode: file.mode, content: Array(file.bytes ?? Data()), sha256: file.sha256)
        }
        return ConvergeRequest(
            stream: event.stream, environment: event.environment, version: event.version,
            revision: event.revision, eventID: event.id.uuidString.lowercased(), components: components,
            changedPaths: event.changedPaths, files: files, deleted: event.deleted ?? [], dryRun: dryRun)
    }

    // MARK: Results

    /// Stores the result, publishes it with a confirm, then records it as reported.
    private func report(_ result: ChangeResult, for delivery: Delivery, on session: Session) throws(AMQPError) {
        state.recordResult(result)
        saveState()
        try publishResult(result, on: session, fallbackStream: delivery.routingKey.split(separator: ".").first.map(String.init))
    }

    /// Publishes a stored result with a confirm and marks it reported.
    /// - Parameter fallbackStream: routes a result whose body was too broken to name its
    ///   stream under the stream of the routing key it arrived with, so that whoever
    ///   follows that stream sees the rejection.
    private func publishResult(_ result: ChangeResult, on session: Session, fallbackStream: String?) throws(AMQPError) {
        let body: Data
        do { body = try MessageCoding.encode(result) } catch {
            // Cannot happen for results this agent builds; never ack on top of it.
            throw AMQPError(.invalidUse, "cannot encode the result for event \(result.eventId?.uuidString ?? "-"): \(error)")
        }
        let stream = result.stream ?? fallbackStream ?? "unknown"
        let key = Topology.resultKey(stream: Topology.isValidName(stream) ? stream : "unknown", host: config.hostID,
                                     outcome: result.outcome.rawValue)
        let sequence = try session.outgoing.publish(
            exchange: Topology.resultsExchange, routingKey: key, body: body,
            properties: MessageProperties(
                contentType: Topology.contentType, messageID: result.id.uuidString.lowercased(), timestamp: result.finishedAt,
                correlationID: result.eventId?.uuidString.lowercased(), type: "changebus.result", appID: "changebus-agent"))
        try session.outgoing.waitForConfirm(sequence, timeout: config.confirmTimeout)
        state.markReported(eventID: result.eventId, outcome: result.outcome)
        saveState()
        let fields: KeyValuePairs<String, Any> = [
            "outcome": result.outcome, "event": result.eventId?.uuidString.lowercased() ?? "-",
            "stream": result.stream ?? "-", "version": result.version.map(String.init) ?? "-",
            "reason": result.reason, "ms": result.durationMs]
        logger.log(result.outcome == .failed || result.outcome == .timeout || result.outcome == .rejected ? .warning : .info,
                   "result", fields)
    }

    private func makeResult(event: ChangeEvent, delivery: Delivery, outcome: Outcome, reason: String,
                            components: [String], factsDigest: String?, started: Date) -> ChangeResult {
        var result = makeResult(eventID: event.id, delivery: delivery, stream: event.stream, environment: event.environment,
                                version: event.version, outcome: outcome, reason: reason, components: components, started: started)
        result.factsDigest = factsDigest
        return result
    }

    private func makeResult(eventID: UUID?, delivery: Delivery, stream: String?, environment: String?, version: Int?,
                            outcome: Outcome, reason: String, components: [String], started: Date) -> ChangeResult {
        let finished = Date()
        return ChangeResult(
            id: UUID(), eventId: eventID, messageId: delivery.properties.messageID, stream: stream,
            environment: environment, version: version, host: config.hostID, outcome: outcome, reason: reason,
            components: components, startedAt: started, finishedAt: finished,
            durationMs: max(0, Int(finished.timeIntervalSince(started) * 1000)), dryRun: dryRun,
            redelivered: delivery.redelivered, agentVersion: ChangeBusVersion.current)
    }

    // MARK: Presence and control

    private func publishPresence(_ status: Presence.Status, on session: Session, replyTo: String? = nil, correlationID: String? = nil) throws(AMQPError) {
        lastPresence = .now
        let presence = Presence(
            id: UUID(), host: config.hostID, status: status, at: Date(), agentVersion: ChangeBusVersion.current,
            facts: host.facts, factsDigest: Decider.factsDigest(host.facts), bindings: state.bindings,
            queue: topology.hostQueue, paused: state.paused, applied: state.appliedList, inProgress: state.inProgress)
        guard let body = try? MessageCoding.encode(presence) else { return }
        let properties = MessageProperties(contentType: Topology.contentType, persistent: false,
                                           messageID: presence.id.uuidString.lowercased(), timestamp: presence.at,
                                           correlationID: correlationID, type: "changebus.presence")
        var sequences = [try session.outgoing.publish(exchange: Topology.presenceExchange, routingKey: config.hostID,
                                                      body: body, properties: properties)]
        if let replyTo {
            sequences.append(try session.outgoing.publish(exchange: "", routingKey: replyTo, body: body, properties: properties))
        }
        for sequence in sequences {
            do { try session.outgoing.waitForConfirm(sequence, timeout: config.confirmTimeout) } catch {
                // A reply queue that is gone makes the broker close nothing; an unroutable
                // reply is simply dropped. Only connection failures matter here.
                if error.isRetriable || error.code == .connectionClosed { throw error }
            }
        }
    }

    private func handleControl(_ delivery: Delivery, on session: Session) throws(AMQPError) {
        defer { try? session.consumer.ack(delivery.deliveryTag) }
        let message: ControlMessage
        do { message = try MessageCoding.decode(ControlMessage.self, from: delivery.body) } catch {
            logger.warning("ignoring malformed control message", ["error": error, "routing_key": delivery.routingKey])
            return
        }
        guard message.target == config.hostID || message.target == ControlMessage.allHosts else { return }
        logger.info("control", ["command": message.command, "id": message.id, "by": message.issuedBy])
        switch message.command {
        case .pause:
            if let tag = session.hostTag {
                try session.consumer.cancel(consumerTag: tag)
                session.hostTag = nil
            }
            // Changes already delivered go back to the queue; they wait there until resume.
            for (pending, _) in session.pending { try session.consumer.nack(pending.deliveryTag, requeue: true) }
            session.pending.removeAll()
            state.paused = true
            saveState()
            try publishPresence(.heartbeat, on: session)
        case .resume:
            state.paused = false
            saveState()
            if session.hostTag == nil { session.hostTag = try session.consumer.consume(queue: session.hostQueue) }
            try publishPresence(.heartbeat, on: session)
        case .discover:
            try publishPresence(.discovery, on: session, replyTo: delivery.properties.replyTo,
                                correlationID: delivery.properties.correlationID ?? message.id.uuidString.lowercased())
        }
    }

    private func saveState() {
        // A dry run changes nothing on the host, its state included.
        guard !dryRun else { return }
        do { try store.save(state) } catch {
            // Without its state the agent cannot promise at-least-once: stop hard and let
            // the supervisor restart it; unacked messages are redelivered.
            logger.error("cannot save state; exiting", ["error": error])
            exit(1)
        }
    }
}

extension AgentRuntime {
    /// What `--check-config` prints: the settings an operator wants to see at a glance.
    public var summary: [String: String] {
        var handlerText: String
        switch config.handler {
        case .files(let root): handlerText = "files into \(root)"
        case .command(let argv, let map): handlerText = "command \(argv.joined(separator: " ")) (exit codes \(map))"
        }
        handlerText += ", timeout \(config.convergeTimeout)"
        return [
            "host": config.hostID, "queue": topology.hostQueue, "queue_type": config.queueType,
            "brokers": config.brokerURLs.compactMap { try? BrokerURL($0).description }.joined(separator: ", "),
            "subscribe": config.subscriptions.map(\.pattern).joined(separator: ", "),
            "watch": config.watch.map(\.pattern).joined(separator: ", "),
            "handler": handlerText, "trusted_keys": verifier.trust.keyIDs.map(\.rawValue).joined(separator: ", "),
            "facts": host.facts.keys.sorted().map { "\($0)=\(host.facts[$0]!)" }.joined(separator: " "),
            "state": config.stateDirectory, "paused": String(state.paused), "prefetch": String(config.prefetch),
        ]
    }
}
