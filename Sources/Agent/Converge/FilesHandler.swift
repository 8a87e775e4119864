import Crypto

/// The built-in convergence: writes the request's inline files under a root folder and
/// removes its deleted paths, changing only what differs.
///
/// Every check happens before the first change: paths must be relative and stay under the
/// root (no `..`, no absolute path, no symbolic-link folder), modes at most 0777, and each
/// file's content must match its SHA-256. Then a file whose content and mode already match
/// is left alone; any other is replaced atomically (see `FileTree.write`). Running the same
/// request twice reports `unchanged` the second time. The work is fast, so it is done
/// inside `start` and the returned run has already finished.
public struct FilesHandler: ConvergenceHandler {
    /// The folder the repository paths are relative to; created (0755) when missing.
    public let root: String

    /// Creates a handler writing under `root` (an absolute path is best; a relative one is
    /// taken from the agent's working directory).
    public init(root: String) {
        self.root = root
    }

    /// Converges the files, or with `request.dryRun` only reports what would change.
    ///
    /// - Returns: a finished run reporting `applied` ("wrote 2 files (a, b), removed 1 file
    ///   (c)") or `unchanged`.
    /// - Throws: `ConvergeError` naming the path: `.invalidPath`, `.invalidMode` or
    ///   `.digestMismatch` before anything is written, `.fileSystem` when a write fails
    ///   (files written before it stay written; each one is whole).
    public func start(_ request: ConvergeRequest) throws(ConvergeError) -> any ConvergenceRun {
        let plan = try validate(request)
        guard let tree = try FileTree.open(root: root, create: !request.dryRun) else {
            // Dry run with no root yet: everything would be written, nothing is there to remove.
            return FinishedRun(report(written: plan.files.map(\.path), removed: [], dryRun: true))
        }
        var toWrite: [(path: RelativePath, file: DesiredFile)] = []
        for (path, file) in plan.files
        where try tree.state(of: path, mode: file.mode, size: file.content.count, digest: file.sha256.lowercased()) == .needsWrite {
            toWrite.append((path, file))
        }
        var toRemove: [RelativePath] = []
        for path in plan.deleted where try tree.exists(path) {
            toRemove.append(path)
        }
        if !request.dryRun {
            for (path, file) in toWrite {
                try tree.write(path, mode: file.mode, content: file.content)
            }
            for path in toRemove {
                try tree.remove(path)
            }
        }
        return FinishedRun(report(written: toWrite.map(\.path), removed: toRemove, dryRun: request.dryRun))
    }

    /// The request's paths, checked: safe, each named once, modes in range, digests right.
    private func validate(_ request: ConvergeRequest) throws(ConvergeError)
        -> (files: [(path: RelativePath, file: DesiredFile)], deleted: [RelativePath]) {
        var seen: Set<RelativePath> = []
        func unique(_ text: String) throws(ConvergeError) -> RelativePath {
            let path = try RelativePath(text)
            guard seen.insert(path).inserted else {
                throw ConvergeError(.invalidPath, subject: text,
                                    "\(text.debugDescription): named twice in one request (as a file or deleted path)")
            }
            return path
        }
        var files: [(path: RelativePath, file: DesiredFile)] = []
        for file in request.files {
            let path = try unique(file.path)
            guard (0...0o777).contains(file.mode) else {
                throw ConvergeError(.invalidMode, subject: file.path,
                    "\(file.path.debugDescription): mode \(String(file.mode, radix: 8)) is outside 0000...0777")
            }
            let actual = SHA256.hexDigest(file.content)
            guard actual == file.sha256.lowercased() else {
                throw ConvergeError(.digestMismatch, subject: file.path,
                    "\(file.path.debugDescription): content has SHA-256 \(actual), but the event states \(file.sha256)")
            }
            files.append((path, file))
        }
        var deleted: [RelativePath] = []
        for text in request.deleted {
            deleted.append(try unique(text))
        }
        return (files, deleted)
    }

    private func report(written: [RelativePath], removed: [RelativePath], dryRun: Bool) -> ConvergeReport {
        guard !written.isEmpty || !removed.isEmpty else {
            return ConvergeReport(outcome: .unchanged, detail: dryRun ? "would change nothing" : "nothing to change")
        }
        var parts: [String] = []
        if !written.isEmpty { parts.append((dryRun ? "would write " : "wrote ") + Self.list(written)) }
        if !removed.isEmpty { parts.append((dryRun ? "would remove " : "removed ") + Self.list(removed)) }
        return ConvergeReport(outcome: .applied, detail: parts.joined(separator: ", "))
    }

    /// "2 files (a, b)", naming at most five paths so the detail stays one short line.
    private static func list(_ paths: [RelativePath]) -> String {
        let shown = 5
        var names = paths.prefix(shown).map(\.description).joined(separator: ", ")
        if paths.count > shown { names += ", and \(paths.count - shown) more" }
        return "\(paths.count) file\(paths.count == 1 ? "" : "s") (\(names))"
    }
}
