import ChangeBus
import Crypto
import FoundationEssentials

/// Turns a git diff and tree into a change event: pure functions of their inputs, so
/// tests call them without git or a broker.
public struct EventBuilder: Sendable {
    /// Paths to components.
    public let routes: RouteMap

    /// Builds with `routes`.
    public init(routes: RouteMap) {
        self.routes = routes
    }

    /// The diff of a branch with no previous revision: every entry of the tree is added.
    public static func allAdded(_ tree: [TreeEntry]) -> [DiffEntry] {
        tree.map { DiffEntry(path: $0.path, status: .added, newMode: $0.mode, blob: $0.object) }
    }

    /// Plans the event for `diff` (the changes) at a revision whose files are `tree`.
    ///
    /// The components are those of every changed path, the old path of a rename included.
    /// Symlinks and submodules are skipped with a warning (the file convergence writes
    /// regular files only); so are paths no route matches when there is no default component.
    public func plan(diff: [DiffEntry], tree: [TreeEntry]) -> EventPlan {
        var warnings: [String] = []
        var touched = Set<String>()
        var changes: [FileChange] = []
        var deleted: [String] = []
        var unrouted: [String] = []
        var special: [String] = []
        for entry in diff {
            guard TreeEntry.fileMode(entry.mode) != nil else {
                special.append("\(entry.path) (\(TreeEntry.kindName(entry.mode)))")
                continue
            }
            let paths = [entry.path] + (entry.oldPath.map { [$0] } ?? [])
            let components = paths.compactMap(routes.component(for:))
            guard !components.isEmpty else {
                unrouted.append(entry.path)
                continue
            }
            touched.formUnion(components)
            let status: FileChange.Status = switch entry.status {
            case .added: .added
            case .modified: .modified
            case .deleted: .deleted
            case .renamed: .renamed
            }
            changes.append(FileChange(path: entry.path, status: status, oldPath: entry.oldPath, blob: entry.blob))
            if entry.status == .deleted { deleted.append(entry.path) }
            if entry.status == .renamed, let old = entry.oldPath, routes.component(for: old) != nil { deleted.append(old) }
        }
        if !unrouted.isEmpty {
            warnings.append("\(unrouted.count) changed path(s) match no route and there is no default_component, ignored: "
                + Self.list(unrouted))
        }
        if !special.isEmpty {
            warnings.append("skipped \(special.count) path(s) that are not regular files: " + Self.list(special))
        }
        let components = routes.componentOrder.filter(touched.contains)
        var files: [EventPlan.File] = []
        for entry in tree where entry.fileMode != nil {
            if let component = routes.component(for: entry.path), touched.contains(component) {
                files.append(EventPlan.File(entry: entry, component: component))
            }
        }
        let present = Set(files.map(\.entry.path))
        var seen = Set<String>()
        deleted = deleted.filter { !present.contains($0) && seen.insert($0).inserted }
        return EventPlan(components: components, changes: changes, deleted: deleted, files: files, warnings: warnings)
    }

    /// The inline files of `plan` from the blob contents by id.
    /// - Throws: `PublishError` `.git` when a blob is missing from `contents`.
    public static func inlineFiles(_ plan: EventPlan, contents: [String: [UInt8]]) throws(PublishError) -> [InlineFile] {
        var files: [InlineFile] = []
        for file in plan.files {
            let entry = file.entry, component = file.component
            guard let bytes = contents[entry.object], let mode = entry.fileMode else {
                throw PublishError(.git, "the contents of \(entry.path) (blob \(entry.object)) could not be read")
            }
            files.append(InlineFile(
                path: entry.path, component: component, mode: mode, content: Data(bytes).base64EncodedString(),
                sha256: SHA256.hexDigest(bytes), size: bytes.count))
        }
        return files
    }

    /// Short list for a warning: the first ten, then how many more.
    static func list(_ items: [String]) -> String {
        items.prefix(10).joined(separator: ", ") + (items.count > 10 ? " and \(items.count - 10) more" : "")
    }
}
