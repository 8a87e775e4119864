/// One path that changed between two revisions, as `git diff --raw -z --no-abbrev -M`
/// reports it, with both modes so that symlinks and submodules can be told apart.
public struct DiffEntry: Sendable, Hashable {
    /// What git says happened.
    public enum Status: Sendable, Hashable {
        case added, modified, deleted, renamed
    }

    /// The path at the new revision (for `deleted`, the path that is gone).
    public var path: String
    public var status: Status
    /// The path before a rename.
    public var oldPath: String?
    /// The git mode before (`100644`), nil for `added`.
    public var oldMode: String?
    /// The git mode after, nil for `deleted`.
    public var newMode: String?
    /// The blob at the new revision, nil for `deleted`.
    public var blob: String?

    /// Creates a diff entry.
    public init(path: String, status: Status, oldPath: String? = nil, oldMode: String? = nil, newMode: String? = nil, blob: String? = nil) {
        self.path = path
        self.status = status
        self.oldPath = oldPath
        self.oldMode = oldMode
        self.newMode = newMode
        self.blob = blob
    }

    /// The mode that says what kind of object this is: the new one, or the old one for a deletion.
    public var mode: String? { newMode ?? oldMode }

    /// Parses the output of `git diff --raw -z --no-abbrev -M A B`:
    /// `:<old mode> <new mode> <old id> <new id> <status>\0<path>\0` and, for renames and
    /// copies, `…R<score>\0<old path>\0<new path>\0`. A type change (`T`) counts as
    /// modified, a copy (`C`) as added.
    /// - Throws: `PublishError` `.git` when the output does not have that shape.
    public static func parseRaw(_ output: [UInt8]) throws(PublishError) -> [DiffEntry] {
        var fields = output.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        if fields.last == "" { fields.removeLast() }
        var entries: [DiffEntry] = []
        var index = 0
        func next() throws(PublishError) -> String {
            guard index < fields.count else { throw PublishError(.git, "git diff --raw output ends in the middle of an entry") }
            defer { index += 1 }
            return fields[index]
        }
        while index < fields.count {
            let header = try next()
            let parts = header.split(separator: " ")
            guard header.hasPrefix(":"), parts.count == 5, let letter = parts[4].first else {
                throw PublishError(.git, "unexpected git diff --raw line \"\(header.prefix(120))\"")
            }
            let oldMode = String(parts[0].dropFirst()), newMode = String(parts[1]), newID = String(parts[3])
            let zeroOld = oldMode.allSatisfy { $0 == "0" }, zeroNew = newMode.allSatisfy { $0 == "0" }
            switch letter {
            case "A", "M", "T", "D":
                let path = try next()
                let status: Status = letter == "A" ? .added : letter == "D" ? .deleted : .modified
                entries.append(DiffEntry(
                    path: path, status: status, oldMode: zeroOld ? nil : oldMode,
                    newMode: zeroNew ? nil : newMode, blob: status == .deleted ? nil : newID))
            case "R", "C":
                let old = try next(), new = try next()
                entries.append(letter == "R"
                    ? DiffEntry(path: new, status: .renamed, oldPath: old, oldMode: oldMode, newMode: newMode, blob: newID)
                    : DiffEntry(path: new, status: .added, newMode: newMode, blob: newID))
            default:
                throw PublishError(.git, "unexpected git diff status \"\(parts[4])\" (unmerged paths cannot be published)")
            }
        }
        return entries
    }
}
