/// How a convergence ended.
///
/// The raw values of `applied`, `unchanged`, `failed` and `timeout` are the result outcomes the
/// agent reports on the bus. `aborted` is not one: it says the agent stopped the convergence
/// itself (shutdown), and the agent decides what to do with the event (for example leave it
/// unacknowledged so that it is delivered again).
public enum ConvergeOutcome: String, Sendable, Hashable, CaseIterable {
    /// Something changed on the host.
    case applied
    /// The host already was in the desired state; nothing changed.
    case unchanged
    /// The convergence failed; the host may be partly changed.
    case failed
    /// The command ran longer than its timeout and was stopped.
    case timeout
    /// The agent stopped the command with `ConvergenceRun.abort(grace:)`.
    case aborted
}
