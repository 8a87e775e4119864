#if canImport(Glibc)
import Glibc
#endif
import Crypto

/// The files handler's root folder on disk. Every path is resolved from the root's file
/// descriptor with `openat` one component at a time, never following a symbolic link, so a
/// link inside the root (which may point anywhere) can never send a write outside it.
/// Folders that are links are refused; a file that is a link is replaced, not written through.
final class FileTree {
    /// The root as configured, for messages.
    let root: String
    private let rootFD: Int32

    /// What is at a file's path compared with its desired state.
    enum FileState: Equatable {
        case upToDate
        /// Missing, different content or mode, or something other than a regular file
        /// (a link, a FIFO) that a rename replaces.
        case needsWrite
    }

    private init(root: String, fd: Int32) {
        self.root = root
        self.rootFD = fd
    }

    deinit { close(rootFD) }

    /// Opens the root folder, creating it and its parents (mode 0755) when `create` is true.
    ///
    /// - Returns: nil when the root does not exist and `create` is false.
    static func open(root: String, create: Bool) throws(ConvergeError) -> FileTree? {
        var fd = Glibc.open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0, errno == ENOENT {
            guard create else { return nil }
            try makeDirectories(root)
            fd = Glibc.open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        }
        guard fd >= 0 else { throw .system(.fileSystem, errno, subject: root, "cannot open root folder") }
        return FileTree(root: root, fd: fd)
    }

    /// Compares the file at `path` with `mode` and the SHA-256 `digest` (lowercase hex).
    ///
    /// - Throws: when a folder on the way is a link or not a folder, or the path is a folder.
    func state(of path: RelativePath, mode: Int, size: Int, digest: String) throws(ConvergeError) -> FileState {
        guard let folder = try openFolder(of: path, create: false) else { return .needsWrite }
        // O_NONBLOCK: opening a FIFO planted at the path must not hang the agent.
        let fd = openat(folder.fd, path.name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT || code == ELOOP { return .needsWrite }  // missing, or a link to replace
            throw .system(.fileSystem, code, subject: describe(path), "cannot open")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .system(.fileSystem, errno, subject: describe(path), "cannot stat") }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw ConvergeError(.fileSystem, subject: describe(path), "\(describe(path)): is a folder, not a file")
        default: return .needsWrite
        }
        guard Int(info.st_mode & 0o7777) == mode, Int(info.st_size) == size else { return .needsWrite }
        return try hexDigest(fd, path: path) == digest ? .upToDate : .needsWrite
    }

    /// Whether something other than a folder exists at `path` (a file, link, FIFO).
    ///
    /// - Throws: when a folder on the way is a link or not a folder, or the path is a folder.
    func exists(_ path: RelativePath) throws(ConvergeError) -> Bool {
        guard let folder = try openFolder(of: path, create: false) else { return false }
        var info = stat()
        guard fstatat(folder.fd, path.name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            let code = errno
            if code == ENOENT { return false }
            throw .system(.fileSystem, code, subject: describe(path), "cannot stat")
        }
        guard info.st_mode & S_IFMT != S_IFDIR else {
            throw ConvergeError(.fileSystem, subject: describe(path), "\(describe(path)): is a folder, not a file")
        }
        return true
    }

    /// Replaces the file at `path` with `content` and exactly `mode`, all or nothing.
    ///
    /// The bytes go to a new temporary file in the same folder (O_CREAT|O_EXCL, so no one
    /// else's file is reused), which is fsynced and renamed over the path; then the folder
    /// is fsynced so that the new name survives a crash. Missing folders are created.
    func write(_ path: RelativePath, mode: Int, content: [UInt8]) throws(ConvergeError) {
        guard let folder = try openFolder(of: path, create: true) else { return }  // create: never nil
        let temporary = ".changebus-" + Hex.encode(Random.bytes(6)) + ".tmp"
        let shown = describe(path)
        let fd = openat(folder.fd, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode_t(mode))
        guard fd >= 0 else { throw .system(.fileSystem, errno, subject: shown, "cannot create temporary file") }
        var renamed = false
        defer { if !renamed { unlinkat(folder.fd, temporary, 0) } }
        do {
            defer { close(fd) }
            // openat applies the umask; fchmod sets the exact mode the event asks for.
            guard fchmod(fd, mode_t(mode)) == 0 else { throw .system(.fileSystem, errno, subject: shown, "cannot set mode") }
            try writeAll(fd, content, path: shown)
            guard fsync(fd) == 0 else { throw .system(.fileSystem, errno, subject: shown, "cannot fsync") }
        }
        guard renameat(folder.fd, temporary, folder.fd, path.name) == 0 else {
            throw .system(.fileSystem, errno, subject: shown, "cannot rename the new file into place")
        }
        renamed = true
        try sync(folder.fd, path: shown)
    }

    /// Removes the file or link at `path`; a missing path is fine.
    func remove(_ path: RelativePath) throws(ConvergeError) {
        guard let folder = try openFolder(of: path, create: false) else { return }
        guard unlinkat(folder.fd, path.name, 0) == 0 else {
            let code = errno
            if code == ENOENT { return }
            throw .system(.fileSystem, code, subject: describe(path), "cannot remove")
        }
        try sync(folder.fd, path: describe(path))
    }

    /// `path` as a full path under the root, for messages.
    func describe(_ path: RelativePath) -> String {
        (root.hasSuffix("/") ? root : root + "/") + path.description
    }

    // MARK: - Folders

    /// An open folder descriptor, closed when the value goes away.
    struct Folder: ~Copyable {
        let fd: Int32
        /// Whether `fd` is the tree's root, which the tree itself closes.
        let isRoot: Bool
        deinit { if !isRoot { close(fd) } }
    }

    /// Opens the folder that holds `path`, walking down from the root without following
    /// links, and creating missing folders (mode 0755) when `create` is true.
    ///
    /// - Returns: nil when a folder is missing and `create` is false.
    /// - Throws: `.invalidPath` when a folder on the way is a symbolic link or not a folder.
    private func openFolder(of path: RelativePath, create: Bool) throws(ConvergeError) -> Folder? {
        var current = Folder(fd: rootFD, isRoot: true)
        var walked: [String] = []
        for name in path.folders {
            walked.append(name)
            let shown = (root.hasSuffix("/") ? root : root + "/") + walked.joined(separator: "/")
            if create, mkdirat(current.fd, name, 0o755) != 0, errno != EEXIST {
                throw .system(.fileSystem, errno, subject: shown, "cannot create folder")
            }
            let fd = openat(current.fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else {
                let code = errno
                if code == ENOENT && !create { return nil }
                if code == ELOOP || code == ENOTDIR {
                    throw ConvergeError(.invalidPath, subject: shown,
                        "\(shown): is a symbolic link or not a folder; refusing to follow it for \(path.description.debugDescription)")
                }
                throw .system(.fileSystem, code, subject: shown, "cannot open folder")
            }
            current = Folder(fd: fd, isRoot: false)
        }
        return current
    }

    /// Creates `path` and any missing parent folders with mode 0755 (like `mkdir -p`).
    private static func makeDirectories(_ path: String) throws(ConvergeError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o755) != 0, errno != EEXIST {
                throw .system(.fileSystem, errno, subject: prefix, "cannot create folder")
            }
            prefix += "/"
        }
    }

    // MARK: - I/O

    private func hexDigest(_ fd: Int32, path: RelativePath) throws(ConvergeError) -> String {
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .system(.fileSystem, errno, subject: describe(path), "cannot read")
            }
            if count == 0 { break }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
        }
        return Hex.encode(hasher.finalize())
    }

    private func writeAll(_ fd: Int32, _ content: [UInt8], path: String) throws(ConvergeError) {
        var written = 0
        while written < content.count {
            let count = content.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .system(.fileSystem, errno, subject: path, "cannot write")
            }
            written += count
        }
    }

    private func sync(_ folderFD: Int32, path: String) throws(ConvergeError) {
        // Some file systems cannot fsync a folder (EINVAL); the file itself is already durable.
        guard fsync(folderFD) == 0 || errno == EINVAL else {
            throw .system(.fileSystem, errno, subject: path, "cannot fsync its folder")
        }
    }
}
