import Glibc
import Crypto

/// The few POSIX file operations key files need: create private files durably and
/// without clobbering, and read small files while checking their mode on the open descriptor.
enum KeyFileIO {
    /// Creates `path` and any missing parent folders with mode 0700 (like `mkdir -p`).
    static func makeDirectories(_ path: String) throws(SigningError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o700) != 0 {
                let code = errno
                var info = stat()
                // EEXIST is fine if it is a folder; anything else is the real error.
                guard code == EEXIST, stat(prefix, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
                    throw failure(code == EEXIST ? ENOTDIR : code, path: prefix, "cannot create folder")
                }
            }
            prefix += "/"
        }
    }

    /// Whether anything (file, folder or dangling link) exists at `path`.
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Writes `contents` to `path` with exactly `mode`, all or nothing.
    ///
    /// The bytes go to a new temporary file in the same folder (O_CREAT|O_EXCL, so nobody
    /// else's file is reused), which is fsynced and then renamed over `path` when
    /// `overwrite` is true, or hard-linked to `path` otherwise (link fails if `path`
    /// exists, so an existing key is never replaced, even in a race). The folder is
    /// fsynced so the new name survives a crash.
    static func writeNewFile(_ path: String, contents: [UInt8], mode: mode_t, overwrite: Bool) throws(SigningError) {
        let folder = parentFolder(of: path)
        let temporary = folder + "/." + fileName(of: path) + ".tmp-" + Hex.encode(Random.bytes(6))
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure(errno, path: temporary, "cannot create file") }
        var linked = false
        defer { if !linked { unlink(temporary) } }
        do {
            defer { close(fd) }
            // open() applies the umask; fchmod sets the exact mode we promise.
            guard fchmod(fd, mode) == 0 else { throw failure(errno, path: temporary, "cannot set mode") }
            try writeAll(fd, contents, path: temporary)
            guard fsync(fd) == 0 else { throw failure(errno, path: temporary, "cannot fsync") }
        }
        if overwrite {
            guard rename(temporary, path) == 0 else { throw failure(errno, path: path, "cannot rename new file into place") }
            linked = true
        } else {
            guard link(temporary, path) == 0 else {
                let code = errno
                if code == EEXIST {
                    throw SigningError(.fileExists, path: path, "\(path): already exists; refusing to overwrite an existing key file")
                }
                throw failure(code, path: path, "cannot link new file into place")
            }
            unlink(temporary)
            linked = true
        }
        try syncFolder(folder)
    }

    /// Reads a file of at most `limit` bytes as UTF-8 text.
    ///
    /// With `requirePrivate`, refuses a file whose mode gives group or others any access.
    /// The mode is checked with fstat on the open descriptor, so it is the mode of the
    /// file actually read (after following links), not of whatever the path named earlier.
    static func readText(_ path: String, limit: Int, requirePrivate: Bool, what: String) throws(SigningError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure(errno, path: path, "cannot open \(what)") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure(errno, path: path, "cannot stat \(what)") }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw SigningError(.malformedKey, path: path, "\(path): \(what) is not a regular file")
        }
        if requirePrivate, info.st_mode & 0o077 != 0 {
            throw SigningError(.insecurePermissions, path: path,
                "\(path): refusing to use \(what) with mode \(octal(info.st_mode & 0o7777)): group or others can access it; "
                    + "run `chmod 600 \(path)` (and check who may have copied it)")
        }
        var bytes = [UInt8](repeating: 0, count: limit + 1)
        var total = 0
        while total < bytes.count {
            let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + total, $0.count - total) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(errno, path: path, "cannot read \(what)")
            }
            if count == 0 { break }
            total += count
        }
        guard total <= limit else {
            throw SigningError(.malformedKey, path: path, "\(path): \(what) is larger than \(limit) bytes")
        }
        guard let text = String(validating: bytes[..<total], as: UTF8.self) else {
            throw SigningError(.malformedKey, path: path, "\(path): \(what) is not UTF-8 text")
        }
        return text
    }

    static func octal(_ mode: mode_t) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    private static func writeAll(_ fd: Int32, _ contents: [UInt8], path: String) throws(SigningError) {
        var written = 0
        while written < contents.count {
            let count = contents.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(errno, path: path, "cannot write")
            }
            written += count
        }
    }

    private static func syncFolder(_ folder: String) throws(SigningError) {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure(errno, path: folder, "cannot open folder to fsync it") }
        defer { close(fd) }
        // Some file systems cannot fsync a folder (EINVAL); the file itself is already durable.
        guard fsync(fd) == 0 || errno == EINVAL else { throw failure(errno, path: folder, "cannot fsync folder") }
    }

    private static func parentFolder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func fileName(of path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    private static func failure(_ code: Int32, path: String, _ action: String) -> SigningError {
        SigningError(.fileSystem, path: path, systemError: code, "\(path): \(action): \(String(cString: strerror(code)))")
    }
}
