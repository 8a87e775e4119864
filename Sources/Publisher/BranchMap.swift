import ChangeBus

/// The `[branches]` section: full git ref names to environments, e.g.
/// `refs/heads/production = prod`. Refs not listed publish nothing.
public struct BranchMap: Sendable, Hashable {
    /// The environment of each ref.
    public let environments: [String: String]

    /// Creates a branch map.
    public init(_ environments: [String: String]) {
        self.environments = environments
    }

    /// The environment `ref` publishes to, or nil when the ref is not listed.
    public func environment(for ref: String) -> String? {
        environments[ref]
    }

    /// The one environment when exactly one ref is mapped, else nil: what `publish`
    /// uses when neither `--env` nor a ref says which.
    public var onlyEnvironment: String? {
        Set(environments.values).count == 1 ? environments.values.first : nil
    }

    /// Reads `[branches]` of `file` (absent section: no branches).
    /// - Throws: `ConfigError` on the line of a key that is not a full ref (`refs/…`), a
    ///   ref listed twice, or an environment that is not a valid name.
    public static func parse(_ file: INIFile, section: String = "branches") throws(ConfigError) -> BranchMap {
        var environments: [String: String] = [:]
        var lines: [String: Int] = [:]
        for entry in file.section(section)?.entries ?? [] {
            guard entry.key.hasPrefix("refs/"), entry.key.count > 5, !entry.key.contains(where: \.isWhitespace) else {
                throw file.error(
                    "expected a full ref name such as refs/heads/\(entry.key.split(separator: "/").last ?? "main") = <environment>",
                    at: entry, in: section)
            }
            guard Topology.isValidName(entry.value) else {
                throw file.error(
                    "environment \"\(entry.value)\" is not a valid name (lowercase letters, digits, - and _, starting with a letter or digit, at most 64)",
                    at: entry, in: section)
            }
            if let first = lines[entry.key] {
                throw file.error("ref listed twice (first on line \(first))", at: entry, in: section)
            }
            lines[entry.key] = entry.line
            environments[entry.key] = entry.value
        }
        return BranchMap(environments)
    }
}
