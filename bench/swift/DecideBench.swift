import Agent
import ChangeBus

/// The `decide` row: the agent's per-message work before any convergence, timed exactly as
/// `AgentRuntime` does it: `Verifier.verify` (size, Ed25519 signature, JSON decode and
/// validation), then `Decider.decide` (duplicate check, subscriptions, versions, selector
/// over facts, watch globs) with no other events queued.
///
/// The events are built, encoded and signed before any clock starts (`DecideWorkload`).
/// Four timed passes over the same messages: the signature check alone (the Ed25519 part
/// of verify; the rest of verify is the size check and JSON decoding with validation),
/// verify alone, decide alone (on the events the verify pass decoded), and verify and
/// decide together, which gives the headline rate.
struct DecideBench {
    let options: BenchOptions

    /// The passes' results: the combined one, and the two parts.
    struct Report {
        let combined: BenchResult
        let signature: BenchResult
        let verify: BenchResult
        let decide: BenchResult
        let bodyBytes: Int
        let outcomes: [String: Int]

        /// `signature_rate=… verify_rate=… verify_seconds=… decide_rate=… decide_seconds=… body_bytes_avg=… outcomes=…`
        var breakdown: String {
            let mix = outcomes.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
            return "signature_rate=\(BenchResult.fixed(signature.rate, 1)) verify_rate=\(BenchResult.fixed(verify.rate, 1)) verify_seconds=\(BenchResult.fixed(verify.seconds, 4))"
                + " decide_rate=\(BenchResult.fixed(decide.rate, 1)) decide_seconds=\(BenchResult.fixed(decide.seconds, 4))"
                + " body_bytes_avg=\(bodyBytes / max(1, combined.count)) outcomes=\(mix)"
        }
    }

    /// - Throws: `BenchFailure` when a message fails verification (a rejected event is not
    ///   the work being measured), or the workload's `MessageError`.
    func run() throws -> Report {
        let workload = try DecideWorkload(count: options.count, size: options.size)
        let verifier = workload.verifier, host = workload.host, state = workload.state
        let messages = workload.messages

        // Warm up caches and lazy initialisation outside the clock.
        for message in messages.prefix(200) {
            if case .valid(let event) = verifier.verify(message) {
                _ = Decider.decide(event, host: host, state: state, queued: [])
            }
        }

        var start = ContinuousClock.now
        var signed = 0
        for message in messages {
            if case .success = verifier.trust.verify(body: message.body, keyID: message.keyID, signature: message.signature) {
                signed += 1
            }
        }
        let signature = BenchResult(count: messages.count, elapsed: ContinuousClock.now - start)

        var events: [ChangeEvent] = []
        events.reserveCapacity(messages.count)
        start = ContinuousClock.now
        for message in messages {
            guard case .valid(let event) = verifier.verify(message) else {
                throw BenchFailure("event \(message.messageID ?? "?") was rejected: \(verifier.verify(message))")
            }
            events.append(event)
        }
        let verify = BenchResult(count: messages.count, elapsed: ContinuousClock.now - start)

        var decided = 0
        start = ContinuousClock.now
        for event in events {
            if case .converge = Decider.decide(event, host: host, state: state, queued: []) { decided += 1 }
        }
        let decide = BenchResult(count: events.count, elapsed: ContinuousClock.now - start)

        var outcomes: [String: Int] = [:]
        start = ContinuousClock.now
        for message in messages {
            switch verifier.verify(message) {
            case .valid(let event):
                outcomes[Self.name(Decider.decide(event, host: host, state: state, queued: [])), default: 0] += 1
            case .invalid:
                outcomes["rejected", default: 0] += 1
            }
        }
        let combined = BenchResult(count: messages.count, elapsed: ContinuousClock.now - start)

        guard signed == messages.count, outcomes["rejected"] == nil, outcomes["converge"] == decided else {
            throw BenchFailure("the passes disagree: \(signed) signatures valid, \(decided) converge alone, \(outcomes) together")
        }
        return Report(combined: combined, signature: signature, verify: verify, decide: decide, bodyBytes: workload.bodyBytes, outcomes: outcomes)
    }

    private static func name(_ decision: Decision) -> String {
        switch decision {
        case .alreadyReported: "duplicate"
        case .resend: "resend"
        case .report(let outcome, _, _, _): outcome.rawValue
        case .converge: "converge"
        }
    }
}
