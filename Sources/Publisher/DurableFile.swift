import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// Crash-safe file writes for the state folder: a file appears whole or not at all, and is
/// on disk before the call returns.
enum DurableFile {
    /// Writes `bytes` to `path`: a temporary file in the same folder, fsync, rename over
    /// `path`, fsync of the folder (so the rename itself survives a crash).
    /// - Throws: `PublishError` `.state` naming the file and the failed call.
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws(PublishError) {
        let folder = parent(of: path)
        let temporary = folder + "/.tmp." + String(getpid()) + "." + (path.split(separator: "/").last.map(String.init) ?? "file")
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure("create", temporary) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let error = failure("write", temporary)
                close(fd)
                unlink(temporary)
                throw error
            }
            written += n
        }
        guard fsync(fd) == 0 else {
            let error = failure("fsync", temporary)
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let error = failure("rename to \(path)", temporary)
            unlink(temporary)
            throw error
        }
        try syncFolder(folder)
    }

    /// Removes `path` and makes the removal durable. A missing file is fine.
    static func remove(_ path: String) throws(PublishError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw failure("remove", path) }
        try syncFolder(parent(of: path))
    }

    /// Creates `path` and its parents (mode 0700) when missing.
    static func makeFolder(_ path: String) throws(PublishError) {
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw PublishError(.state, "cannot create the folder \(path): \(error)")
        }
    }

    static func syncFolder(_ folder: String) throws(PublishError) {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("open", folder) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw failure("fsync", folder) }
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func failure(_ action: String, _ path: String) -> PublishError {
        PublishError(.state, "cannot \(action) \(path): \(String(cString: strerror(errno)))")
    }
}
