import AMQP
import ChangeBus
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// The publisher's configuration, an INI file (see `INIFile`: no comments at the end of a
/// line). Unknown sections and keys are errors; every error names the file, line and key.
///
/// ```
/// [broker]
/// url = amqp://changebus:secret@rabbit-1:5672/
/// url = amqp://changebus:secret@rabbit-2:5672/
/// confirm_timeout = 10s
///
/// [publisher]
/// key = /etc/changebus/changebus.key
/// state = /var/lib/changebus/publisher
/// stream = config
///
/// [branches]
/// refs/heads/production = prod
/// refs/heads/staging = staging
///
/// [routes]
/// roles/web/** = web
/// common/** = common
/// ```
///
/// `[broker]`
/// - `url`: a broker URL (`amqp://` or `amqps://` with `cacertfile`, `certfile`, `keyfile`
///   and `verify` options, see `BrokerURL`); repeat the key for a failover list, tried in
///   file order. Default: `amqp://guest:guest@127.0.0.1:5672/`.
/// - `confirm_timeout`: how long to wait for the broker's confirm of each event before it
///   stays in the outbox. Default: `10s`.
///
/// `[publisher]`
/// - `key`: the Ed25519 secret key file (`changebus keygen`), mode 0600. A relative path
///   is relative to the config file's folder. Default: `/etc/changebus/changebus.key`.
/// - `state`: the state folder: version sequences (`versions/<stream>.<env>`), the outbox
///   (`outbox/`) and the lock. Relative like `key`. Default: `/var/lib/changebus/publisher`.
/// - `stream`: the stream events go to unless `--stream` says otherwise. Default: `config`.
/// - `host`: the event's `publisher` field. Default: empty, meaning this host's name.
/// - `inline_files`: put every file of the event's components into the event, for the
///   agents' built-in file convergence. Default: `yes`.
/// - `max_inline_bytes`: refuse an event whose inline files hold more bytes than this.
///   Default: `1048576` (1 MiB).
/// - `default_component`: the component of paths that no route matches. Default: empty,
///   meaning such paths are ignored with a warning.
///
/// `[branches]`: `<full ref> = <environment>`; pushes to other refs publish nothing.
///
/// `[routes]`: `<path glob> = <component>`, first match wins, in file order (see `Glob`).
///
/// Stream, environment and component names are routing-key words: lowercase letters,
/// digits, `-` and `_` (`Topology.isValidName`).
public struct PublisherConfig: Sendable {
    /// The config file's path as given.
    public var path: String
    /// Brokers to try, in order. Default: `amqp://guest:guest@127.0.0.1:5672/`.
    public var brokerURLs: [BrokerURL]
    /// Wait this long for each confirm. Default: 10 s.
    public var confirmTimeout: Duration
    /// Absolute path of the secret key file. Default: `/etc/changebus/changebus.key`.
    public var keyPath: String
    /// Absolute path of the state folder. Default: `/var/lib/changebus/publisher`.
    public var statePath: String
    /// Default stream. Default: `config`.
    public var stream: String
    /// The event's `publisher` field. Default: the host name.
    public var host: String
    /// Whether events carry their components' files. Default: true.
    public var inlineFiles: Bool
    /// Largest total of inline file bytes. Default: 1,048,576.
    public var maxInlineBytes: Int
    /// Refs to environments.
    public var branches: BranchMap
    /// Paths to components (with `default_component`).
    public var routes: RouteMap

    /// The sections and keys a publisher config may hold.
    public static let allowedKeys: [String: Set<String>] = [
        "broker": ["url", "confirm_timeout"],
        "publisher": ["key", "state", "stream", "host", "inline_files", "max_inline_bytes", "default_component"],
        "branches": [],
        "routes": [],
    ]

    /// Reads and checks the config file at `path`.
    /// - Throws: `ConfigError` naming the file, line and key of the first problem.
    public static func load(path: String) throws(ConfigError) -> PublisherConfig {
        try PublisherConfig(file: INIFile(path: path))
    }

    /// Checks a parsed config; relative paths are resolved against the folder of `file.path`.
    /// - Throws: `ConfigError` naming the file, line and key of the first problem.
    public init(file: INIFile) throws(ConfigError) {
        try file.checkSections(allowed: Set(Self.allowedKeys.keys))
        for (section, keys) in Self.allowedKeys where !keys.isEmpty {
            try file.checkKeys(in: section, allowed: keys)
        }
        path = file.path

        let urlEntries = file.section("broker")?.values("url") ?? []
        var urls: [BrokerURL] = []
        for entry in urlEntries {
            do {
                urls.append(try BrokerURL(entry.value))
            } catch {
                throw file.error(error.message, at: entry, in: "broker")
            }
        }
        brokerURLs = urls.isEmpty ? [try! BrokerURL("amqp://guest:guest@127.0.0.1:5672/")] : urls
        confirmTimeout = try file.duration("confirm_timeout", in: "broker", default: .seconds(10))
        guard confirmTimeout > .zero else {
            throw file.error("must be longer than 0", key: "confirm_timeout", in: "broker")
        }

        let folder = Self.folder(of: file.path)
        keyPath = Self.resolve(try file.string("key", in: "publisher", default: "/etc/changebus/changebus.key"), in: folder)
        statePath = Self.resolve(try file.string("state", in: "publisher", default: "/var/lib/changebus/publisher"), in: folder)
        stream = try file.string("stream", in: "publisher", default: "config")
        guard Topology.isValidName(stream) else {
            throw file.error("\"\(stream)\" is not a valid stream name (lowercase letters, digits, - and _)", key: "stream", in: "publisher")
        }
        let hostValue = try file.string("host", in: "publisher", default: "")
        host = hostValue.isEmpty ? Self.hostName() : hostValue
        inlineFiles = try file.bool("inline_files", in: "publisher", default: true)
        maxInlineBytes = try file.int("max_inline_bytes", in: "publisher", range: 0...(1 << 30), default: 1_048_576)
        let defaultComponent = try file.string("default_component", in: "publisher", default: "")
        guard defaultComponent.isEmpty || Topology.isValidName(defaultComponent) else {
            throw file.error("\"\(defaultComponent)\" is not a valid component name (lowercase letters, digits, - and _)",
                             key: "default_component", in: "publisher")
        }
        branches = try BranchMap.parse(file)
        routes = try RouteMap.parse(file, defaultComponent: defaultComponent.isEmpty ? nil : defaultComponent)
    }

    /// The config file's folder, absolute.
    static func folder(of path: String) -> String {
        let given = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let absolute = URL(filePath: given).standardized.path
        guard let slash = absolute.lastIndex(of: "/") else { return "/" }
        let folder = String(absolute[..<slash])
        return folder.isEmpty ? "/" : folder
    }

    static func resolve(_ path: String, in folder: String) -> String {
        path.hasPrefix("/") ? path : (folder == "/" ? "/" : folder + "/") + path
    }

    /// `gethostname`, without Foundation's host lookup (which may ask DNS).
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }
}
