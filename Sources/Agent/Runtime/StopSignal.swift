import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Counts SIGTERM and SIGINT. The first asks the agent to finish the running convergence
/// (within the grace period), report and stop; the second to stop now.
///
/// Signals arrive through `DispatchSource` on a private queue, so nothing unsafe runs in
/// a signal handler; the agent's loop reads the count between polls. This is the only
/// SIGTERM/SIGINT handling in the process.
public final class StopSignal: Sendable {
    private let count = Atomic<Int>(0)
    /// Kept alive here; written once by `install()` on the main thread before any signal.
    private nonisolated(unsafe) var sources: [any DispatchSourceSignal] = []

    public init() {}

    /// Starts listening for SIGTERM and SIGINT.
    public func install() {
        let queue = DispatchQueue(label: "changebus.signals")
        var made: [any DispatchSourceSignal] = []
        for number in [SIGTERM, SIGINT] {
            // Ignored here so that the default action (exit) does not run; the dispatch
            // source still sees the signal.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [weak self] in self?.request() }
            source.resume()
            made.append(source)
        }
        sources = made
    }

    /// Asks for a stop, as a signal would (tests and embedding code).
    public func request() { count.add(1, ordering: .sequentiallyConsistent) }

    /// How many stops were asked for: 0 run, 1 finish and stop, 2 or more stop now.
    public var requests: Int { count.load(ordering: .sequentiallyConsistent) }
}
