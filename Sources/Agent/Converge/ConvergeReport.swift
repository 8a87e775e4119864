/// What a finished convergence reports: the outcome, and what the agent puts into the result.
public struct ConvergeReport: Sendable, Equatable {
    /// How the convergence ended.
    public var outcome: ConvergeOutcome
    /// The command's exit code when it exited by itself (not killed by a signal); nil for the
    /// files handler and for a command killed by a signal.
    public var exitCode: Int?
    /// The last few KB of the command's combined stdout and stderr (lossy UTF-8); empty for the
    /// files handler.
    public var outputTail: String
    /// A one-line human-readable summary, e.g. "wrote 3 files (…), removed 1 file (…)",
    /// "exit code 4" or "timed out after 30 s; killed by signal 15".
    public var detail: String

    /// Creates a report.
    public init(outcome: ConvergeOutcome, exitCode: Int? = nil, outputTail: String = "", detail: String) {
        self.outcome = outcome
        self.exitCode = exitCode
        self.outputTail = outputTail
        self.detail = detail
    }

    /// The `failed` report for a convergence that could not start: `detail` is the error's message.
    public init(failure: ConvergeError) {
        self.init(outcome: .failed, detail: failure.message)
    }
}
