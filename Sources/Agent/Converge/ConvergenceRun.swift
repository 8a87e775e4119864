/// One running convergence, owned by the thread that started it (not thread-safe).
///
/// Poll it every few hundred milliseconds until it returns a report; after that it returns
/// the same report again. Dropping a run that has not reported kills its processes.
public protocol ConvergenceRun: AnyObject {
    /// Does the pending work without blocking (reads output, reaps the child, enforces the
    /// timeout) and returns the report once the convergence has finished, nil while it runs.
    func poll() -> ConvergeReport?

    /// Stops the convergence: SIGTERM to its process group now, SIGKILL after `grace`.
    /// Returns at once; keep polling, `poll()` then reports `aborted` (or the real result if
    /// the command had already finished). Does nothing to a finished run.
    func abort(grace: Duration)
}
