import ChangeBus

/// What to do with one verified change event; `Decider.decide` returns it.
public enum Decision: Sendable, Equatable {
    /// This event id was reported before: ack, do nothing else.
    case alreadyReported(Outcome)
    /// Decided or converged before a crash, but the broker never confirmed the result:
    /// publish this stored result again, then ack.
    case resend(ChangeResult)
    /// No convergence: report this outcome (`skipped`, `stale`, `superseded`, or `rejected`
    /// for a target that does not parse) with a reason. `components`: the ones the result
    /// is about; `factsDigest`: of the facts the selector evaluated, for a selector skip.
    case report(outcome: Outcome, reason: String, components: [String], factsDigest: String?)
    /// Converge these components (the ones of the event this host takes). `missedVersions`:
    /// versions skipped over by a version jump (empty if none); `retry`: the agent died
    /// while converging this very event before.
    case converge(components: [String], missedVersions: [Int], retry: Bool)
}
