#if canImport(Glibc)
import Glibc
#endif

/// Exponential backoff with jitter: `initial * multiplier^attempt`, capped at `maximum`,
/// each delay spread by ±`jitter` so that a fleet of agents does not reconnect in step.
public struct Backoff: Sendable, Hashable {
    /// First delay. Default: 200 ms.
    public var initial: Duration
    /// Largest delay. Default: 30 s.
    public var maximum: Duration
    /// Growth per attempt. Default: 2.
    public var multiplier: Double
    /// Fraction of random spread, 0...1. Default: 0.2.
    public var jitter: Double

    public init(initial: Duration = .milliseconds(200), maximum: Duration = .seconds(30),
                multiplier: Double = 2, jitter: Double = 0.2) {
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
        self.jitter = jitter
    }

    /// The delay before retry number `attempt` (0-based); `random` in 0...1 picks the jitter.
    public func delay(attempt: Int, random: Double) -> Duration {
        let base = min(seconds(initial) * pow(multiplier, Double(min(attempt, 60))), seconds(maximum))
        let spread = base * jitter * (2 * random - 1)
        return .milliseconds(Int64(max(0.001, base + spread) * 1000))
    }

    private func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}

/// Connects to the first reachable broker of a failover list, retrying with backoff, and
/// runs a topology callback (declares, bindings, consumers) on every new connection.
///
/// It never spins hot: every failed attempt waits for the backoff delay. Errors that a
/// retry cannot fix (wrong password, refused access, precondition failures in the
/// topology) are thrown at once when no other URL is left to try.
public struct Reconnector {
    public let urls: [BrokerURL]
    public let connectionName: String
    public var backoff: Backoff
    /// Give up after this many failed attempts; nil retries until `shouldStop` says so.
    public var maxAttempts: Int?
    /// Called after each failed attempt with the URL, the error and the delay before the
    /// next one: the place to log.
    public var onFailure: (BrokerURL, AMQPError, Duration) -> Void

    public init(urls: [BrokerURL], connectionName: String, backoff: Backoff = Backoff(),
                maxAttempts: Int? = nil, onFailure: @escaping (BrokerURL, AMQPError, Duration) -> Void = { _, _, _ in }) {
        precondition(!urls.isEmpty, "a Reconnector needs at least one broker URL")
        self.urls = urls
        self.connectionName = connectionName
        self.backoff = backoff
        self.maxAttempts = maxAttempts
        self.onFailure = onFailure
    }

    /// Connects and runs `topology`, retrying across the URLs.
    /// - Parameter shouldStop: polled between attempts (every 100 ms while waiting); when
    ///   it returns true the last error is thrown.
    /// - Throws: the last `AMQPError` when attempts ran out, the caller stopped, or the
    ///   error cannot be fixed by retrying.
    public func connect(
        shouldStop: () -> Bool = { false },
        topology: (Connection) throws(AMQPError) -> Void
    ) throws(AMQPError) -> Connection {
        var attempt = 0
        var lastError: AMQPError?
        var permanentFailures = Set<Int>()
        while true {
            let url = urls[attempt % urls.count]
            do {
                let connection = try Connection.open(url, name: connectionName)
                try topology(connection)
                return connection
            } catch {
                lastError = error
                // Wrong credentials or refused access everywhere: retrying cannot help.
                if !error.isRetriable && error.code != .tlsFailure {
                    permanentFailures.insert(attempt % urls.count)
                    if permanentFailures.count == urls.count { throw error }
                } else {
                    permanentFailures.remove(attempt % urls.count)
                }
                attempt += 1
                if let maxAttempts, attempt >= maxAttempts { throw error }
                let delay = backoff.delay(attempt: attempt - 1, random: Double.random(in: 0...1))
                onFailure(url, error, delay)
                if Reconnector.sleep(delay, unless: shouldStop) { throw lastError! }
            }
        }
    }

    /// Sleeps in short slices; returns true when `shouldStop` cut the sleep short.
    public static func sleep(_ duration: Duration, unless shouldStop: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + duration
        while ContinuousClock.now < deadline {
            if shouldStop() { return true }
            let slice = min(deadline - ContinuousClock.now, .milliseconds(100))
            let parts = slice.components
            var request = timespec(tv_sec: Int(parts.seconds), tv_nsec: Int(parts.attoseconds / 1_000_000_000))
            _ = nanosleep(&request, nil)
        }
        return shouldStop()
    }
}
