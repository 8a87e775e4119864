import ChangeBus

/// What one event will say, worked out from a diff and a tree by `EventBuilder` before any
/// file is read: its components, changes, deleted paths and the files to inline.
public struct EventPlan: Sendable, Equatable {
    /// The components of the changed paths, in route-map order; empty = nothing to publish.
    public var components: [String]
    /// The changes of routed paths, in git's order.
    public var changes: [FileChange]
    /// Paths of those components that are gone (deleted, or the old side of a rename).
    public var deleted: [String]
    /// Every regular file of those components at the revision, with its component.
    public var files: [File]
    /// What was skipped and why (unrouted paths, symlinks, submodules).
    public var warnings: [String]

    /// Creates a plan.
    public init(components: [String], changes: [FileChange], deleted: [String],
                files: [File], warnings: [String]) {
        self.components = components
        self.changes = changes
        self.deleted = deleted
        self.files = files
        self.warnings = warnings
    }

    /// True when no changed path belongs to a component.
    public var isEmpty: Bool { components.isEmpty }

    /// The total size of the files to inline, in bytes.
    public var inlineBytes: Int { files.reduce(0) { $0 + ($1.entry.size ?? 0) } }

    /// One file to inline and the component the route map put it in.
    public struct File: Sendable, Hashable {
        public var entry: TreeEntry
        public var component: String

        /// Creates a planned file.
        public init(entry: TreeEntry, component: String) {
            self.entry = entry
            self.component = component
        }
    }
}
