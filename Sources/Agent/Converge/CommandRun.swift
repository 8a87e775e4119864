import Subprocess
#if canImport(Glibc)
import Glibc
#endif

/// A running convergence command: reads its output into a bounded tail, reaps it, and
/// stops its process group on timeout or abort (SIGTERM, then SIGKILL after a grace).
final class CommandRun: ConvergenceRun {
    private let child: ChildProcess
    private let command: String
    private let timeout: Duration
    private let grace: Duration
    private let exitCodes: ExitCodeMap
    private let changedPathsFile: String
    private let clock = ContinuousClock()
    private let started: ContinuousClock.Instant

    private var tail: OutputTail
    private var outputOpen = true
    /// Set once the child has been reaped.
    private var termination: ChildProcess.Termination?
    /// Set once the group has been sent SIGTERM.
    private var stopping: Stopping?
    private var report: ConvergeReport?

    /// Why and since when the group is being stopped.
    private struct Stopping {
        enum Reason { case timeout, abort }
        var reason: Reason
        /// When SIGKILL follows if the group is still alive.
        var killAt: ContinuousClock.Instant
        var killed = false
    }

    init(child: ChildProcess, command: String, timeout: Duration, grace: Duration, exitCodes: ExitCodeMap,
         outputLimit: Int, changedPathsFile: String) {
        self.child = child
        self.command = command
        self.timeout = timeout
        self.grace = grace
        self.exitCodes = exitCodes
        self.changedPathsFile = changedPathsFile
        self.tail = OutputTail(limit: outputLimit)
        self.started = clock.now
    }

    deinit {
        // Dropped before it reported: leave no process, descriptor or file behind (but a
        // command that ended by itself keeps what it started in the background, as in
        // `finish`). The blocking wait is short because SIGKILL cannot be caught.
        if report == nil {
            if termination == nil || stopping != nil { child.signalGroup(SIGKILL) }
            if termination == nil { child.reapBlocking() }
        }
        closeOutput()
        unlink(changedPathsFile)
    }

    func poll() -> ConvergeReport? {
        if let report { return report }
        readOutput()
        if termination == nil { termination = child.reap() }
        let now = clock.now
        guard var stopping else {
            if termination != nil { return finish() }
            if now - started >= timeout { stop(.timeout, grace: grace) }
            return nil
        }
        // Stopping: done when the leader is reaped and the rest of its group is gone too,
        // or, once SIGKILL has been sent (which cannot be caught), when the leader is reaped.
        if termination != nil && (stopping.killed || !child.groupHasLiveMembers()) { return finish() }
        if !stopping.killed && now >= stopping.killAt {
            child.signalGroup(SIGKILL)
            stopping.killed = true
            self.stopping = stopping
        }
        return nil
    }

    func abort(grace: Duration) {
        guard report == nil else { return }
        if termination == nil { termination = child.reap() }
        if var stopping {
            // Already stopping (timeout): an abort may only bring SIGKILL closer.
            stopping.killAt = min(stopping.killAt, clock.now + grace)
            self.stopping = stopping
        } else if termination == nil {
            stop(.abort, grace: grace)
        }
        // An already finished command keeps its own result; poll reports it.
    }

    private func stop(_ reason: Stopping.Reason, grace: Duration) {
        child.signalGroup(SIGTERM)
        stopping = Stopping(reason: reason, killAt: clock.now + grace)
    }

    /// Reads what the pipe holds without blocking. At most 8 MB per call, so that a
    /// command printing without pause cannot keep the agent from its connection.
    private func readOutput() {
        guard outputOpen else { return }
        var budget = 8 << 20
        withUnsafeTemporaryAllocation(byteCount: 64 * 1024, alignment: 1) { buffer in
            while budget > 0 {
                let count = read(child.output, buffer.baseAddress, buffer.count)
                if count > 0 {
                    tail.append(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                    budget -= count
                } else if count == 0 {
                    closeOutput()  // every writer closed its end
                    return
                } else if errno == EINTR {
                    continue
                } else {
                    return  // EAGAIN: nothing more for now
                }
            }
        }
    }

    private func closeOutput() {
        if outputOpen {
            close(child.output)
            outputOpen = false
        }
    }

    private func finish() -> ConvergeReport {
        // The child wrote its last lines before exiting; a grandchild still holding the pipe
        // open cannot delay the report, because the read never blocks.
        readOutput()
        closeOutput()
        unlink(changedPathsFile)
        let ended: String
        var exitCode: Int?
        var outcome: ConvergeOutcome
        switch termination {
        case .exited(let code)?:
            exitCode = code
            ended = "exit code \(code)"
            outcome = exitCodes.outcome(forExitCode: code)
        case .signaled(let signal)?:
            ended = "killed by signal \(signal)"
            outcome = .failed
        case .lost(let code)?:
            ended = "exit status lost: \(String(cString: strerror(code)))"
            outcome = .failed
        case nil:
            ended = "exit status unknown"
            outcome = .failed
        }
        var detail = ended
        switch stopping?.reason {
        case .timeout?:
            outcome = .timeout
            detail = "timed out after \(Self.seconds(timeout)); \(ended)"
        case .abort?:
            outcome = .aborted
            detail = "aborted; \(ended)"
        case nil:
            break
        }
        let report = ConvergeReport(outcome: outcome, exitCode: exitCode, outputTail: tail.text, detail: detail)
        self.report = report
        return report
    }

    /// "30 s", "1.5 s", "0.25 s".
    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000) s" }
        return "\(Double(milliseconds) / 1000) s"
    }
}
