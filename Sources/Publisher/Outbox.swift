import FoundationEssentials

/// The outbox folder: signed events written before they are sent and removed once the
/// broker confirmed them, so an event survives a broker outage or a crash.
///
/// File names are `<stream>.<environment>.<version, 12 digits>.json`, so that sorting by
/// name sorts each stream and environment by version. Only touch it under the state lock.
public struct Outbox: Sendable {
    /// One waiting event.
    public struct Item: Sendable, Equatable {
        /// The file, absolute.
        public var path: String
        public var stream: String
        public var environment: String
        public var version: Int
        /// Its content; nil when the file cannot be read or decoded (it is then reported, kept and never sent).
        public var message: OutboxMessage?

        /// The file name, e.g. `config.prod.000000000003.json`.
        public var fileName: String { String(path.split(separator: "/").last ?? "") }
    }

    /// The folder, absolute.
    public let path: String

    /// Uses the outbox at `path`.
    public init(path: String) {
        self.path = path
    }

    /// The file of one event.
    public func filePath(stream: String, environment: String, version: Int) -> String {
        let digits = String(version)
        return path + "/\(stream).\(environment).\(String(repeating: "0", count: max(0, 12 - digits.count)) + digits).json"
    }

    /// Writes `message` durably (temporary file, fsync, rename, fsync of the folder).
    /// - Throws: `PublishError` `.state`.
    @discardableResult
    public func write(_ message: OutboxMessage, stream: String, environment: String, version: Int) throws(PublishError) -> Item {
        try DurableFile.makeFolder(path)
        let file = filePath(stream: stream, environment: environment, version: version)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do {
            data = try encoder.encode(message)
        } catch {
            throw PublishError(.state, "cannot encode the outbox entry \(file): \(error)")
        }
        try DurableFile.write(Array(data), to: file, mode: 0o600)
        return Item(path: file, stream: stream, environment: environment, version: version, message: message)
    }

    /// The waiting events, oldest first: by stream and environment, then version.
    /// Files that are not outbox entries (temporary files) are left out.
    public func list() -> [Item] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return [] }
        var items: [Item] = []
        for name in names where name.hasSuffix(".json") && !name.hasPrefix(".") {
            let parts = name.dropLast(5).split(separator: ".")
            guard parts.count == 3, let version = Int(parts[2]) else { continue }
            let file = path + "/" + name
            let message = FileManager.default.contents(atPath: file).flatMap { try? JSONDecoder().decode(OutboxMessage.self, from: $0) }
            items.append(Item(path: file, stream: String(parts[0]), environment: String(parts[1]), version: version, message: message))
        }
        return items.sorted { ($0.stream, $0.environment, $0.version) < ($1.stream, $1.environment, $1.version) }
    }

    /// Removes a sent event.
    /// - Throws: `PublishError` `.state`.
    public func remove(_ item: Item) throws(PublishError) {
        try DurableFile.remove(item.path)
    }
}
