/// Brings the host to the desired state of a change event: the built-in `FilesHandler`, a
/// `CommandHandler`, or a test double.
///
/// The agent's main thread owns a connection it must keep polling while a convergence runs,
/// so `start` never blocks for long: it starts the work and returns a run that the agent
/// polls until it reports.
public protocol ConvergenceHandler: Sendable {
    /// Starts converging to `request`.
    ///
    /// - Throws: `ConvergeError` when the convergence cannot start (a hostile path, a digest
    ///   mismatch, a missing executable, …). Nothing has been changed then unless the error
    ///   says so; the agent reports it as `failed`.
    func start(_ request: ConvergeRequest) throws(ConvergeError) -> any ConvergenceRun
}
