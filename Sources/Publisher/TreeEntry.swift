/// One entry of `git ls-tree -r -l -z REV`: a file, symlink or submodule at a revision.
public struct TreeEntry: Sendable, Hashable {
    /// The path from the repository root.
    public var path: String
    /// The git mode: `100644`, `100755`, `120000` (symlink) or `160000` (submodule).
    public var mode: String
    /// The object id (a blob, or a commit for a submodule).
    public var object: String
    /// The blob's size in bytes; nil for a submodule.
    public var size: Int?

    /// Creates a tree entry.
    public init(path: String, mode: String, object: String, size: Int?) {
        self.path = path
        self.mode = mode
        self.object = object
        self.size = size
    }

    /// The POSIX permission bits of a regular file (0o644 or 0o755); nil for a symlink or
    /// submodule, which the publisher skips.
    public var fileMode: Int? { Self.fileMode(mode) }

    /// `100644` → 0o644, `100755` → 0o755 (git records no other file modes); nil otherwise.
    public static func fileMode(_ gitMode: String?) -> Int? {
        switch gitMode {
        case "100644": 0o644
        case "100755": 0o755
        default: nil
        }
    }

    /// What a non-file mode is, for warnings.
    public static func kindName(_ gitMode: String?) -> String {
        switch gitMode {
        case "120000": "symlink"
        case "160000": "submodule"
        default: "special entry (mode \(gitMode ?? "?"))"
        }
    }

    /// Parses `git ls-tree -r -l -z` output: `<mode> SP <type> SP <id> SP+ <size|-> TAB <path>\0`.
    /// - Throws: `PublishError` `.git` for a record of another shape.
    public static func parseTree(_ output: [UInt8]) throws(PublishError) -> [TreeEntry] {
        var entries: [TreeEntry] = []
        for record in output.split(separator: 0) {
            let text = String(decoding: record, as: UTF8.self)
            guard let tab = text.firstIndex(of: "\t") else {
                throw PublishError(.git, "unexpected git ls-tree record \"\(text.prefix(120))\"")
            }
            let meta = text[..<tab].split(separator: " ")
            guard meta.count == 4 else { throw PublishError(.git, "unexpected git ls-tree record \"\(text.prefix(120))\"") }
            entries.append(TreeEntry(
                path: String(text[text.index(after: tab)...]), mode: String(meta[0]),
                object: String(meta[2]), size: Int(meta[3])))
        }
        return entries
    }
}
