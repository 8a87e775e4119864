/// A run that finished inside `start` (the files handler, a test double): `poll()` returns
/// its report at once and `abort` does nothing.
public final class FinishedRun: ConvergenceRun {
    /// The report `poll()` returns.
    public let report: ConvergeReport

    /// Creates a run that has already finished with `report`.
    public init(_ report: ConvergeReport) {
        self.report = report
    }

    public func poll() -> ConvergeReport? { report }

    public func abort(grace: Duration) {}
}
