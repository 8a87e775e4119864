import ChangeBus
import FoundationEssentials

/// What an agent keeps on disk between runs: applied versions, the write-ahead mark of the
/// convergence running, results not yet confirmed by the broker, and the ids of events
/// reported. `StateStore` saves it atomically after every change.
///
/// At least once, idempotent: the agent marks an event in progress (`beginConvergence`)
/// and saves before converging; stores the result (`finishConvergence`, `recordResult`)
/// and saves before publishing it; and after the broker confirms the result, moves it to
/// `reported` (`markReported`), saves, then acks. A crash at any point leads, on
/// redelivery, to a retried convergence, a re-sent result, or a plain ack.
///
/// Failed and timed-out events count as reported once confirmed: a redelivery of one is
/// acked without running again (a newer event converges the components again), so a
/// failing convergence cannot loop. Rejected results are never matched by event id: that
/// id comes from an unverified body, and a forged message must not make the agent ignore
/// the real event with the same id.
public struct AgentState: Codable, Sendable, Equatable {
    /// The most event ids kept in `reported`; older ones are dropped first.
    public static let maxReported = 10_000

    /// Applied version by `stream/environment/component`.
    public var applied: [String: AppliedVersion]
    /// The event being converged (the write-ahead mark); nil when none is.
    public var inProgress: UUID?
    /// Results stored but not yet confirmed by the broker, oldest first.
    public var unconfirmed: [ChangeResult]
    /// Recent events whose result was confirmed, oldest first, at most `maxReported`.
    public var reported: [ReportedEvent]
    /// Whether a `pause` control message stopped consuming; survives restarts.
    public var paused: Bool
    /// The routing-key patterns the host queue was last bound with, so that keys removed
    /// from the config are unbound on the next start.
    public var bindings: [String]

    /// A fresh state: nothing applied, nothing reported, not paused.
    public init() {
        applied = [:]
        inProgress = nil
        unconfirmed = []
        reported = []
        paused = false
        bindings = []
    }

    /// The key of `applied`.
    public static func appliedKey(stream: String, environment: String, component: String) -> String {
        "\(stream)/\(environment)/\(component)"
    }

    /// The version of `component` this host converged to; nil when it never did.
    public func appliedVersion(stream: String, environment: String, component: String) -> Int? {
        applied[Self.appliedKey(stream: stream, environment: environment, component: component)]?.version
    }

    /// Every applied version, sorted by stream, environment and component (for presence).
    public var appliedList: [AppliedVersion] {
        applied.sorted { $0.key < $1.key }.map(\.value)
    }

    /// The confirmed outcome of `eventID`, if it was reported (and not rejected).
    public func outcome(of eventID: UUID) -> Outcome? {
        // Newest first: a redelivery is usually of a recent event.
        reported.last { $0.eventId == eventID }?.outcome
    }

    /// The stored, unconfirmed result of the verified event `eventID`, if any.
    public func unconfirmedResult(of eventID: UUID) -> ChangeResult? {
        unconfirmed.last { $0.eventId == eventID && $0.outcome != .rejected }
    }

    /// The versions of `stream` and `environment` this host has a result for.
    public func knownVersions(stream: String, environment: String) -> Set<Int> {
        var versions = Set<Int>()
        for event in reported where event.stream == stream && event.environment == environment {
            if let version = event.version { versions.insert(version) }
        }
        for result in unconfirmed where result.stream == stream && result.environment == environment && result.outcome != .rejected {
            if let version = result.version { versions.insert(version) }
        }
        return versions
    }

    /// Marks `eventID` as being converged. Save before converging.
    public mutating func beginConvergence(_ eventID: UUID) {
        inProgress = eventID
    }

    /// After a convergence: when `result` is `applied` or `unchanged`, records the event's
    /// version for `components` (only ever raising it: a late redelivery of an older event
    /// does not lower it); then stores `result` as unconfirmed and clears the mark.
    /// A `failed` or `timeout` result records no version, so a newer event converges again.
    public mutating func finishConvergence(_ event: ChangeEvent, components: [String], result: ChangeResult) {
        if result.outcome == .applied || result.outcome == .unchanged {
            for component in components {
                let key = Self.appliedKey(stream: event.stream, environment: event.environment, component: component)
                guard (applied[key]?.version ?? 0) < event.version else { continue }
                applied[key] = AppliedVersion(
                    stream: event.stream, environment: event.environment, component: component,
                    version: event.version, eventId: event.id, appliedAt: result.finishedAt)
            }
        }
        recordResult(result)
    }

    /// Stores `result` as unconfirmed (replacing an earlier result of the same event), and
    /// clears the in-progress mark when it was this event's. For outcomes that need no
    /// convergence, and for `failed` and `timeout`.
    public mutating func recordResult(_ result: ChangeResult) {
        if let eventID = result.eventId, result.outcome != .rejected {
            unconfirmed.removeAll { $0.eventId == eventID && $0.outcome != .rejected }
            if inProgress == eventID { inProgress = nil }
        }
        unconfirmed.append(result)
    }

    /// The broker confirmed the result of `eventID` with `outcome`: removes it from
    /// `unconfirmed` and, unless it is `rejected` or has no event id, remembers the event
    /// as reported (dropping the oldest past `maxReported`).
    public mutating func markReported(eventID: UUID?, outcome: Outcome, at: Date = Date()) {
        let index = unconfirmed.firstIndex { $0.eventId == eventID && $0.outcome == outcome }
        let result = index.map { unconfirmed.remove(at: $0) }
        guard let eventID, outcome != .rejected, self.outcome(of: eventID) == nil else { return }
        reported.append(ReportedEvent(
            eventId: eventID, outcome: outcome, at: at,
            stream: result?.stream, environment: result?.environment, version: result?.version))
        if reported.count > Self.maxReported { reported.removeFirst(reported.count - Self.maxReported) }
    }

    enum CodingKeys: String, CodingKey {
        case applied
        case inProgress = "in_progress"
        case unconfirmed, reported, paused, bindings
    }

    /// Reads a state file; fields it lacks (written by an older build) take their fresh values.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        applied = try container.decodeIfPresent([String: AppliedVersion].self, forKey: .applied) ?? [:]
        inProgress = try container.decodeIfPresent(UUID.self, forKey: .inProgress)
        unconfirmed = try container.decodeIfPresent([ChangeResult].self, forKey: .unconfirmed) ?? []
        reported = try container.decodeIfPresent([ReportedEvent].self, forKey: .reported) ?? []
        paused = try container.decodeIfPresent(Bool.self, forKey: .paused) ?? false
        bindings = try container.decodeIfPresent([String].self, forKey: .bindings) ?? []
    }
}
