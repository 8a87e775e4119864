import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// The publisher's state folder:
/// - `lock`: held (`flock`, exclusive) for a whole publish or flush, so concurrent hooks
///   take versions and send the outbox one after the other;
/// - `versions/<stream>.<environment>`: the last version taken, one decimal line;
/// - `outbox/`: signed events not yet confirmed by the broker (see `Outbox`).
public struct StateFolder: Sendable {
    /// The folder, absolute.
    public let path: String

    /// Uses the state folder at `path` (created on first use).
    public init(path: String) {
        self.path = path
    }

    /// The lock file.
    public var lockPath: String { path + "/lock" }
    /// The version sequences.
    public var versionsPath: String { path + "/versions" }
    /// The outbox.
    public var outbox: Outbox { Outbox(path: path + "/outbox") }

    /// Runs `body` while holding the state lock, waiting for another holder to finish.
    /// - Throws: `PublishError` `.state` when the lock file cannot be opened or locked, or
    ///   whatever `body` throws.
    public func withLock<T>(_ body: () throws(PublishError) -> T) throws(PublishError) -> T {
        try DurableFile.makeFolder(path)
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw DurableFile.failure("open the lock file", lockPath) }
        // Closing the descriptor releases the lock, also when the process dies.
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw DurableFile.failure("lock", lockPath) }
        }
        return try body()
    }

    /// The last version taken for `stream` and `environment`, nil before the first.
    /// - Throws: `PublishError` `.state` when the file exists but does not hold a number.
    public func lastVersion(stream: String, environment: String) throws(PublishError) -> Int? {
        let file = versionFile(stream: stream, environment: environment)
        guard let data = FileManager.default.contents(atPath: file) else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingWhitespace
        guard let version = Int(text), version >= 1 else {
            throw PublishError(.state, "\(file) should hold the last version number, found \"\(text.prefix(40))\"; fix or remove it")
        }
        return version
    }

    /// Records `version` as the last one taken for `stream` and `environment`.
    /// - Throws: `PublishError` `.state`.
    public func recordVersion(_ version: Int, stream: String, environment: String) throws(PublishError) {
        try DurableFile.makeFolder(versionsPath)
        try DurableFile.write(Array("\(version)\n".utf8), to: versionFile(stream: stream, environment: environment))
    }

    func versionFile(stream: String, environment: String) -> String {
        versionsPath + "/\(stream).\(environment)"
    }
}
