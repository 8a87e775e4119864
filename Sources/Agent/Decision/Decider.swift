import ChangeBus
import Crypto
import FoundationEssentials

/// The agent's decision on a verified change event: a pure function of the event, the
/// host and the local state, so that every path is tested without a broker.
public enum Decider {
    /// At most this many versions are listed as missed; a larger jump lists the first ones.
    public static let maxMissedVersions = 1_000

    /// Decides what to do with `event`, in this order:
    /// 1. an id already reported: `alreadyReported`, or `resend` when its result is stored
    ///    but was never confirmed;
    /// 2. the components this host takes are those whose routing key
    ///    `<stream>.<environment>.<component>` matches a subscription; none: `skipped` (it
    ///    came through another component's binding, as a CC);
    /// 3. every taken component applied at this version or newer: `stale`;
    /// 4. a `queued` event of the same stream and environment with a higher version, whose
    ///    components include every taken one, and which this host would converge itself
    ///    (its target matches and, with watch globs, it changes a watched path): `superseded`.
    ///    The last condition keeps a change from being lost when the newer event is skipped;
    /// 5. the target: a target that does not parse is `rejected` (the event is signed, but
    ///    no host could ever decide it); one that does not match is `skipped`, with the
    ///    facts it evaluated and their digest;
    /// 6. watch globs: none matches a changed path: `skipped`;
    /// 7. otherwise `converge` the taken components.
    ///
    /// - Parameter queued: other valid events already delivered to this agent and not yet
    ///   handled (a prefetch above 1 lets an agent catching up see them).
    public static func decide(_ event: ChangeEvent, host: HostProfile, state: AgentState, queued: [ChangeEvent]) -> Decision {
        if let stored = state.unconfirmedResult(of: event.id) { return .resend(stored) }
        if let outcome = state.outcome(of: event.id) { return .alreadyReported(outcome) }

        let taken = takenComponents(of: event, host: host)
        guard !taken.isEmpty else {
            let keys = event.components.map { key(event, $0) }.joined(separator: ", ")
            return .report(
                outcome: .skipped, reason: "no subscribed component: no subscription matches \(keys)",
                components: event.components, factsDigest: nil)
        }

        let applied = taken.map { state.appliedVersion(stream: event.stream, environment: event.environment, component: $0) }
        if applied.allSatisfy({ ($0 ?? 0) >= event.version }) {
            let versions = zip(taken, applied).map { "\($0) at version \($1 ?? 0)" }.joined(separator: ", ")
            return .report(
                outcome: .stale, reason: "already applied: \(versions) (this event is version \(event.version))",
                components: taken, factsDigest: nil)
        }

        if let newer = supersedingEvent(of: event, taken: taken, host: host, queued: queued) {
            return .report(
                outcome: .superseded,
                reason: "superseded by version \(newer.version) (event \(newer.id)), already delivered",
                components: taken, factsDigest: nil)
        }

        switch targetCheck(event, facts: host.facts) {
        case .unparsable(let error):
            return .report(outcome: .rejected, reason: "target does not parse: \(error)", components: taken, factsDigest: nil)
        case .notMatched(let evaluation):
            return .report(
                outcome: .skipped, reason: "target \"\(event.target)\" does not match (\(describe(evaluation)))",
                components: taken, factsDigest: factsDigest(evaluation.facts))
        case .matched:
            break
        }

        guard watches(event, host: host) else {
            let globs = host.watch.map(\.pattern).joined(separator: ", ")
            return .report(
                outcome: .skipped, reason: "no watched path changed (watch: \(globs))",
                components: taken, factsDigest: nil)
        }

        return .converge(
            components: taken,
            missedVersions: missedVersions(event, applied: applied, state: state),
            retry: state.inProgress == event.id)
    }

    /// SHA-256 hex of the canonical JSON (compact, sorted keys) of `facts`: the digest of
    /// "the facts evaluated" in a `skipped` result, and of all facts in presence.
    public static func factsDigest(_ facts: Facts) -> String {
        // Facts come from JSON or INI text, so they are finite numbers; should one not be,
        // its text form still gives a stable digest.
        let json = (try? MessageCoding.encode(facts))
            ?? Data(facts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n").utf8)
        return SHA256.hexDigest(json)
    }

    // MARK: - Steps

    /// The event's components whose routing key one of the host's subscriptions matches.
    static func takenComponents(of event: ChangeEvent, host: HostProfile) -> [String] {
        event.components.filter { component in
            let routingKey = key(event, component)
            return host.subscriptions.contains { $0.matches(routingKey) }
        }
    }

    private static func key(_ event: ChangeEvent, _ component: String) -> String {
        Topology.changeKey(stream: event.stream, environment: event.environment, component: component)
    }

    /// The newest queued event that makes converging `event` pointless.
    private static func supersedingEvent(
        of event: ChangeEvent, taken: [String], host: HostProfile, queued: [ChangeEvent]
    ) -> ChangeEvent? {
        queued
            .filter { newer in
                newer.id != event.id && newer.stream == event.stream && newer.environment == event.environment
                    && newer.version > event.version && Set(newer.components).isSuperset(of: taken)
                    && targetCheck(newer, facts: host.facts) == .matched && watches(newer, host: host)
            }
            .max { $0.version < $1.version }
    }

    private enum TargetCheck: Equatable {
        case matched
        case notMatched(SelectorEvaluation)
        case unparsable(String)
    }

    private static func targetCheck(_ event: ChangeEvent, facts: Facts) -> TargetCheck {
        let selector: Selector
        do {
            selector = try Selector(parsing: event.target)
        } catch {
            return .unparsable(error.description)
        }
        if selector.matchesEverything { return .matched }
        let evaluation = selector.evaluate(facts)
        return evaluation.matched ? .matched : .notMatched(evaluation)
    }

    /// `facts: env=prod, role=db; missing: rack`, sorted by name.
    private static func describe(_ evaluation: SelectorEvaluation) -> String {
        var parts: [String] = []
        let present = evaluation.facts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        parts.append("facts: " + (present.isEmpty ? "none" : present.joined(separator: ", ")))
        if !evaluation.missingFacts.isEmpty {
            parts.append("missing: " + evaluation.missingFacts.sorted().joined(separator: ", "))
        }
        return parts.joined(separator: "; ")
    }

    private static func watches(_ event: ChangeEvent, host: HostProfile) -> Bool {
        host.watch.isEmpty || event.changedPaths.contains { path in host.watch.contains { $0.matches(path) } }
    }

    /// The versions between the newest applied one of the taken components and this
    /// event's that this host never heard of, when `previousVersion` shows a jump.
    ///
    /// Versions the host reported (skipped, superseded, ...) are not missed. The host
    /// cannot tell a version it lost from one that only changed components it does not
    /// take: both are listed, as the audit should check either.
    private static func missedVersions(_ event: ChangeEvent, applied: [Int?], state: AgentState) -> [Int] {
        guard let newest = applied.compactMap({ $0 }).max(), let previous = event.previousVersion, newest < previous
        else { return [] }
        let seen = state.knownVersions(stream: event.stream, environment: event.environment)
        return Array(((newest + 1)..<event.version).lazy.filter { !seen.contains($0) }.prefix(maxMissedVersions))
    }
}
