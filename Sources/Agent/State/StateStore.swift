#if canImport(Glibc)
import Glibc
#endif
import ChangeBus
import FoundationEssentials

/// The agent's state file, `state.json` in the state folder, written atomically.
public struct StateStore: Sendable {
    /// The state folder.
    public let directory: String

    /// A store in `directory` (created on first load, mode 0700).
    public init(directory: String) {
        self.directory = directory
    }

    /// The state file's path.
    public var path: String { directory + "/state.json" }

    /// Reads the state.
    ///
    /// A missing file is a fresh state (first start). A file that cannot be read or decoded
    /// is an error, never a silent reset: forgetting applied versions and reported ids would
    /// converge and report old events again.
    /// - Throws: `StateError` naming the folder or file.
    public func load() throws(StateError) -> AgentState {
        try makeDirectories()
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 && errno == ENOENT { return AgentState() }
        guard fd >= 0 else { throw failure(path, "cannot open the state file") }
        defer { close(fd) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw failure(path, "cannot read the state file") }
            if count == 0 { break }
            data.append(contentsOf: buffer[0..<count])
        }
        do {
            return try MessageCoding.decode(AgentState.self, from: data)
        } catch {
            throw StateError(
                path: path,
                message: "corrupt state file (\(error.reason)\(error.field.map { " at \"\($0)\"" } ?? "")); "
                    + "move it aside to start with a fresh state, which converges and reports queued events again")
        }
    }

    /// Writes `state` atomically: to a temporary file in the same folder, flushed to disk,
    /// renamed over `state.json`, then the folder flushed so the rename itself survives a
    /// power loss. A crash leaves either the old file or the new one, never a mix.
    /// - Throws: `StateError` naming the file.
    public func save(_ state: AgentState) throws(StateError) {
        let data: Data
        do {
            data = try MessageCoding.encode(state)
        } catch {
            throw StateError(path: path, message: "cannot encode the state: \(error)")
        }
        let temporary = "\(directory)/.state.json.\(getpid()).\(UUID().uuidString.prefix(8)).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure(temporary, "cannot create") }
        var written = 0
        let writeError: StateError? = data.withUnsafeBytes { buffer in
            while written < buffer.count {
                let count = write(fd, buffer.baseAddress! + written, buffer.count - written)
                if count < 0 {
                    if errno == EINTR { continue }
                    return failure(temporary, "cannot write")
                }
                written += count
            }
            return nil
        }
        let syncError = writeError ?? (fsync(fd) == 0 ? nil : failure(temporary, "cannot flush"))
        close(fd)
        if let error = syncError ?? (rename(temporary, path) == 0 ? nil : failure(path, "cannot rename \(temporary) over it")) {
            unlink(temporary)
            throw error
        }
        let folder = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard folder >= 0 else { throw failure(directory, "cannot open the state folder") }
        defer { close(folder) }
        guard fsync(folder) == 0 else { throw failure(directory, "cannot flush the state folder") }
    }

    /// Creates the state folder and its parents, mode 0700, unless they exist.
    private func makeDirectories() throws(StateError) {
        var prefix = directory.hasPrefix("/") ? "" : "."
        for part in directory.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST { throw failure(prefix, "cannot create the state folder") }
        }
    }

    /// An error from `errno`, e.g. `cannot write: No space left on device`.
    private func failure(_ path: String, _ action: String) -> StateError {
        StateError(path: path, message: "\(action): \(String(cString: strerror(errno)))")
    }
}
