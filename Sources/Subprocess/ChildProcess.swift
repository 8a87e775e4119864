#if canImport(Glibc)
import Glibc
#endif
internal import CProcess

/// A child process started with `posix_spawn` as the leader of its own process group, with
/// stdin from /dev/null and stdout and stderr on one pipe whose read end is non-blocking.
///
/// Only the POSIX calls live here; `CommandRun` decides when to signal and what to report.
public struct ChildProcess: Sendable {
    /// The child's pid, which is also its process group id.
    public let pid: Int32
    /// The pipe's read end (O_CLOEXEC, O_NONBLOCK); the caller closes it.
    public let output: Int32

    /// How a reaped child ended.
    public enum Termination: Sendable, Equatable {
        case exited(Int)
        case signaled(Int32)
        /// `waitpid` failed (ECHILD: someone else in this process reaped the child).
        case lost(Int32)
    }

    /// Starts `argv` (found on `PATH` when `argv[0]` has no slash) without a shell.
    /// Standard input comes from `input` (default /dev/null); standard error goes to the
    /// pipe with standard output, to /dev/null, or to a file (`errors`).
    ///
    /// The child gets `environment` ("KEY=value" strings) and nothing else of ours: every
    /// descriptor above 2 is closed, every signal is reset to its default action (the agent
    /// ignores SIGTERM to handle it through Dispatch, and ignored signals survive exec, so
    /// without this the child could not be stopped with SIGTERM) and the signal mask is empty.
    ///
    /// - Throws: `SpawnError` naming the command when the pipe or the process cannot be
    ///   made, e.g. ENOENT for a missing executable or working directory.
    public static func spawn(argv: [String], environment: [String], workingDirectory: String? = nil,
                             input: Input = .null, errors: ErrorOutput = .pipe) throws(SpawnError) -> ChildProcess {
        let command = argv.joined(separator: " ")
        var fds: [Int32] = [-1, -1]
        // O_CLOEXEC on both ends, so that processes other threads spawn do not inherit them.
        guard cb_pipe_cloexec(&fds) == 0 else { throw SpawnError(command: command, systemError: errno, "\(command): cannot create output pipe: \(String(cString: strerror(errno)))") }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        defer { close(writeEnd) }  // the child has its own copy on 1 and 2
        guard fcntl(readEnd, F_SETFL, fcntl(readEnd, F_GETFL) | O_NONBLOCK) == 0 else {
            let code = errno
            close(readEnd)
            throw SpawnError(command: command, systemError: code, "\(command): cannot make output pipe non-blocking: \(String(cString: strerror(code)))")
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears O_CLOEXEC on the copies, so only 0, 1 and 2 stay open across exec.
        switch input {
        case .null: posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        case .file(let fd): posix_spawn_file_actions_adddup2(&actions, fd, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        switch errors {
        case .pipe: posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)
        case .null: posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        case .file(let fd): posix_spawn_file_actions_adddup2(&actions, fd, 2)
        }
        if let workingDirectory { cb_spawn_file_actions_addchdir(&actions, workingDirectory) }
        cb_spawn_file_actions_addclosefrom(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)  // its own group, led by itself: a timeout kills the group
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var pid: pid_t = 0
        // glibc's posix_spawn reports a failed exec (missing executable, no permission) as its result.
        let result = withCStringArray(argv) { argvPointers in
            withCStringArray(environment) { environmentPointers in
                posix_spawnp(&pid, argv[0], &actions, &attributes, argvPointers, environmentPointers)
            }
        }
        guard result == 0 else {
            close(readEnd)
            let place = workingDirectory.map { " (working directory \($0))" } ?? ""
            throw SpawnError(command: command, systemError: result,
                             "\(command): cannot start: \(String(cString: strerror(result)))\(place)")
        }
        return ChildProcess(pid: pid, output: readEnd)
    }

    /// Reaps the child if it has ended, without blocking; nil while it runs.
    public func reap() -> Termination? {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == 0 { return nil }
            if result < 0 {
                if errno == EINTR { continue }
                return .lost(errno)
            }
            return Self.termination(status)
        }
    }

    /// Waits for the child to end and reaps it.
    @discardableResult
    public func reapBlocking() -> Termination {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return .lost(errno) }
        }
        return Self.termination(status)
    }

    /// The <sys/wait.h> macros are not visible to Swift: low 7 bits 0 = exited, else the signal.
    private static func termination(_ status: Int32) -> Termination {
        let signal = status & 0x7f
        return signal == 0 ? .exited(Int((status >> 8) & 0xff)) : .signaled(signal)
    }

    /// Sends `signal` to every process in the child's group (grandchildren included).
    public func signalGroup(_ signal: Int32) {
        _ = kill(-pid, signal)  // ESRCH when the group is already gone: nothing to do
    }

    /// Whether any process of the child's group is still alive (not a zombie).
    ///
    /// `kill(-pgid, 0)` alone is not enough: it also counts zombies, and an orphaned
    /// grandchild stays a zombie until PID 1 reaps it, which in containers can take seconds.
    /// So when the group exists, /proc tells whether any member is more than a zombie.
    public func groupHasLiveMembers() -> Bool {
        if kill(-pid, 0) != 0 && errno == ESRCH { return false }
        guard let proc = opendir("/proc") else { return true }
        defer { closedir(proc) }
        while let entry = readdir(proc) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let member = pid_t(name), let (state, group) = Self.stateAndGroup(of: member) else { continue }
            if group == pid && state != "Z" && state != "X" { return true }
        }
        return false
    }

    /// The state letter and process group of `pid` from /proc/PID/stat, nil if it is gone.
    private static func stateAndGroup(of pid: pid_t) -> (Character, pid_t)? {
        let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1024)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        // "PID (COMMAND) STATE PPID PGRP …"; COMMAND may hold spaces and parentheses, so
        // the fields start after the last ')'.
        let text = String(decoding: buffer[..<count], as: UTF8.self)
        guard let end = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: end)...].split(separator: " ")
        guard fields.count > 2, let state = fields[0].first, let group = pid_t(fields[2]) else { return nil }
        return (state, group)
    }
}

extension ChildProcess {
    /// Where the child's standard input comes from.
    public enum Input: Sendable {
        case null
        /// A readable descriptor (e.g. a rewound temporary file); the caller closes it.
        case file(Int32)
    }

    /// Where the child's standard error goes.
    public enum ErrorOutput: Sendable {
        /// The output pipe, mixed with standard output.
        case pipe
        case null
        /// A writable descriptor; the caller closes it.
        case file(Int32)
    }

    /// This process's environment as it is now, for a child to inherit (with changes).
    public static func currentEnvironment() -> [String: String] {
        var variables: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "=") {
                variables[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            entry += 1
        }
        return variables
    }
}

/// A child process could not be started.
public struct SpawnError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The command line, for messages.
    public let command: String
    /// The `errno` value.
    public let systemError: Int32
    public let message: String

    public init(command: String, systemError: Int32, _ message: String) {
        self.command = command
        self.systemError = systemError
        self.message = message
    }

    public var description: String { message }
}

/// Calls `body` with a NULL-terminated C array of copies of `strings`, freed afterwards.
private func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
