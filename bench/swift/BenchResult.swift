#if canImport(Glibc)
import Glibc
#endif

/// The outcome of one benchmark run, printed as the one machine-readable line that
/// `bench/publish` reads: `rate=… count=… seconds=… peak_rss_kb=…`.
struct BenchResult: Sendable {
    /// Messages published and confirmed.
    let count: Int
    /// Wall time from the first publish to the last confirm.
    let elapsed: Duration

    var seconds: Double {
        let parts = elapsed.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    /// Messages (or decisions) per second.
    var rate: Double { seconds > 0 ? Double(count) / seconds : 0 }

    /// The line; the C and pika programs print the same format.
    var line: String {
        "rate=\(Self.fixed(rate, 1)) count=\(count) seconds=\(Self.fixed(seconds, 4)) peak_rss_kb=\(Self.peakRSSKilobytes())"
    }

    /// The process's peak resident set (Linux reports `ru_maxrss` in KiB).
    static func peakRSSKilobytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss
    }

    /// Fixed-point text without Foundation's formatters (keeps the bench's RSS honest).
    static func fixed(_ value: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int((value * scale).rounded())
        let whole = scaled / Int(scale)
        let fraction = String(scaled % Int(scale))
        return "\(whole).\(String(repeating: "0", count: digits - fraction.count))\(fraction)"
    }
}
