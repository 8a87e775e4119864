/// The names on the bus: exchanges, queues and routing keys. Operators and other tools
/// rely on them; change them only with a new major version.
public enum Topology {
    /// Topic exchange for change events; key `<stream>.<environment>.<component>`.
    public static let changesExchange = "changebus.changes"
    /// Topic exchange for results; key `<stream>.<host-id>.<outcome>`.
    public static let resultsExchange = "changebus.results"
    /// Topic exchange for control messages; key `<host-id>` or `all`.
    public static let controlExchange = "changebus.control"
    /// Topic exchange for presence (online, heartbeat, offline, discovery); key `<host-id>`.
    public static let presenceExchange = "changebus.presence"
    /// Fanout dead-letter exchange of the host queues: rejected and poison messages.
    public static let deadExchange = "changebus.dead"
    /// The queue bound to `deadExchange`, so that dead letters are kept for inspection.
    public static let deadQueue = "changebus.dead"

    /// Headers carrying the Ed25519 signature (see `SignatureHeaders`).
    public static let contentType = "application/json"

    /// The durable queue of one host.
    public static func hostQueue(_ hostID: String) -> String { "changebus.host.\(hostID)" }

    /// Routing key of a change event for one component.
    public static func changeKey(stream: String, environment: String, component: String) -> String {
        "\(stream).\(environment).\(component)"
    }

    /// Routing key of a result.
    public static func resultKey(stream: String, host: String, outcome: String) -> String {
        "\(stream).\(host).\(outcome)"
    }

    /// Routing key for control messages to everyone.
    public static let controlAll = "all"

    /// Names used in routing keys must not contain dots or wildcards.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.count <= 64 else { return false }
        func ok(_ s: Unicode.Scalar) -> Bool {
            (s >= "a" && s <= "z") || (s >= "0" && s <= "9") || s == "-" || s == "_"
        }
        return ok(first) && first != "-" && first != "_" && name.unicodeScalars.allSatisfy(ok)
    }
}
