import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// A small logger: one logfmt line per event on stderr, ISO-8601 UTC time first, so that
/// supervisord and journald capture it as is. Passed in by callers, never created inside
/// library code.
///
/// `time=2026-12-04T19:47:30.123Z level=info label=agent msg="applied" host=web-1 version=3`
public struct Logger: Sendable {
    /// Severity, lowest first.
    public enum Level: Int, Sendable, Comparable, CustomStringConvertible {
        case debug, info, warning, error
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        public var description: String { ["debug", "info", "warning", "error"][rawValue] }
    }

    public var label: String
    /// Events below this level are dropped. Default: info.
    public var level: Level
    /// Key-value pairs added to every line (e.g. host).
    public var metadata: [(String, String)]
    private let sink: @Sendable (String) -> Void

    /// - Parameter sink: where lines go; default: stderr.
    public init(label: String, level: Level = .info, metadata: [(String, String)] = [],
                sink: @escaping @Sendable (String) -> Void = Logger.stderr) {
        self.label = label
        self.level = level
        self.metadata = metadata
        self.sink = sink
    }

    public static let stderr: @Sendable (String) -> Void = { line in
        var bytes = Array(line.utf8)
        bytes.append(10)
        // One write per line so that lines of several processes do not interleave.
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }

    /// A copy with more metadata.
    public func with(_ key: String, _ value: String) -> Logger {
        var copy = self
        copy.metadata.append((key, value))
        return copy
    }

    public func debug(_ message: String, _ fields: KeyValuePairs<String, Any> = [:]) { log(.debug, message, fields) }
    public func info(_ message: String, _ fields: KeyValuePairs<String, Any> = [:]) { log(.info, message, fields) }
    public func warning(_ message: String, _ fields: KeyValuePairs<String, Any> = [:]) { log(.warning, message, fields) }
    public func error(_ message: String, _ fields: KeyValuePairs<String, Any> = [:]) { log(.error, message, fields) }

    public func log(_ level: Level, _ message: String, _ fields: KeyValuePairs<String, Any> = [:]) {
        guard level >= self.level else { return }
        var line = "time=\(Date().formatted(Logger.timeFormat)) level=\(level) label=\(Logger.quote(label)) msg=\(Logger.quote(message))"
        for (key, value) in metadata { line += " \(key)=\(Logger.quote(value))" }
        for (key, value) in fields { line += " \(key)=\(Logger.quote(String(describing: value)))" }
        sink(line)
    }

    static let timeFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// logfmt quoting: bare when safe, else double-quoted with escapes.
    static func quote(_ value: String) -> String {
        if !value.isEmpty && value.allSatisfy({ $0.isLetter || $0.isNumber || "-._/:@+,".contains($0) }) {
            return value
        }
        var out = "\""
        for c in value {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.append(c)
            }
        }
        return out + "\""
    }
}
