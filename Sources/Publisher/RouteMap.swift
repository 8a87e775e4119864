import ChangeBus

/// The `[routes]` section: path globs to components, first match wins, in file order,
/// and a default component for the paths no glob matches.
public struct RouteMap: Sendable, Hashable {
    /// One `glob = component` line.
    public struct Route: Sendable, Hashable {
        /// The path pattern.
        public let glob: Glob
        /// The component of the paths it matches; a valid routing-key name.
        public let component: String

        /// Creates a route.
        public init(glob: Glob, component: String) {
            self.glob = glob
            self.component = component
        }
    }

    /// The routes in file order.
    public let routes: [Route]
    /// The component of paths no route matches; nil ignores them. Default: nil.
    public let defaultComponent: String?

    /// Creates a route map.
    public init(routes: [Route], defaultComponent: String? = nil) {
        self.routes = routes
        self.defaultComponent = defaultComponent
    }

    /// The component of `path`: the first matching route's, else the default, else nil.
    public func component(for path: String) -> String? {
        routes.first { $0.glob.matches(path) }?.component ?? defaultComponent
    }

    /// Every component this map can produce, in route order without repeats, the default
    /// last: the order in which an event lists its components.
    public var componentOrder: [String] {
        var seen = Set<String>()
        return (routes.map(\.component) + (defaultComponent.map { [$0] } ?? [])).filter { seen.insert($0).inserted }
    }

    /// Reads `[routes]` of `file` (absent section: no routes).
    /// - Throws: `ConfigError` on the line of a bad glob or a component that is not a
    ///   valid name.
    public static func parse(_ file: INIFile, section: String = "routes", defaultComponent: String?) throws(ConfigError) -> RouteMap {
        var routes: [Route] = []
        for entry in file.section(section)?.entries ?? [] {
            let glob: Glob
            do {
                glob = try Glob(entry.key)
            } catch {
                throw file.error("bad path glob: \(error.message)", at: entry, in: section)
            }
            guard Topology.isValidName(entry.value) else {
                throw file.error(
                    "component \"\(entry.value)\" is not a valid name (lowercase letters, digits, - and _, starting with a letter or digit, at most 64)",
                    at: entry, in: section)
            }
            routes.append(Route(glob: glob, component: entry.value))
        }
        return RouteMap(routes: routes, defaultComponent: defaultComponent)
    }
}
