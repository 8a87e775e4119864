#if canImport(Glibc)
import Glibc
#endif
internal import CProcess

/// A child process started with `posix_spawn` as the leader of its own process group, with
/// stdin from /dev/null and stdout and stderr on one pipe whose read end is non-blocking.
///
/// Only the POSIX calls live here; `CommandRun` decides when to signal and what to report.
struct ChildProcess {
    /// The child's pid, which is also its process group id.
    let pid: pid_t
    /// The pipe's read end (O_CLOEXEC, O_NONBLOCK); the caller closes it.
    let output: Int32

    /// How a reaped child ended.
    enum Termination: Equatable {
        case exited(Int)
        case signaled(Int32)
        /// `waitpid` failed (ECHILD: someone else in this process reaped the child).
        case lost(Int32)
    }

    /// Starts `argv` (found on `PATH` when `argv[0]` has no slash) without a shell.
    /// With `discardErrors`, standard error goes to /dev/null instead of the pipe.
    ///
    /// The child gets `environment` ("KEY=value" strings) and nothing else of ours: every
    /// descriptor above 2 is closed, every signal is reset to its default action (the agent
    /// ignores SIGTERM to handle it through Dispatch, and ignored signals survive exec, so
    /// without this the child could not be stopped with SIGTERM) and the signal mask is empty.
    ///
    /// - Throws: `.spawnFailed` naming the command when the pipe or the process cannot be
    ///   made, e.g. ENOENT for a missing executable or working directory.
    static func spawn(argv: [String], environment: [String], workingDirectory: String?,
                      discardErrors: Bool = false) throws(ConvergeError) -> ChildProcess {
        let command = argv.joined(separator: " ")
        var fds: [Int32] = [-1, -1]
        // O_CLOEXEC on both ends, so that processes other threads spawn do not inherit them.
        guard cb_pipe_cloexec(&fds) == 0 else { throw .system(.spawnFailed, errno, subject: command, "cannot create output pipe") }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        defer { close(writeEnd) }  // the child has its own copy on 1 and 2
        guard fcntl(readEnd, F_SETFL, fcntl(readEnd, F_GETFL) | O_NONBLOCK) == 0 else {
            let code = errno
            close(readEnd)
            throw .system(.spawnFailed, code, subject: command, "cannot make output pipe non-blocking")
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        // dup2 clears O_CLOEXEC on the copies, so only 1 and 2 stay open across exec.
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        if discardErrors {
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        } else {
            posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)
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
            throw ConvergeError(.spawnFailed, subject: command, systemError: result,
                                "\(command): cannot start: \(String(cString: strerror(result)))\(place)")
        }
        return ChildProcess(pid: pid, output: readEnd)
    }

    /// Reaps the child if it has ended, without blocking; nil while it runs.
    func reap() -> Termination? {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == 0 { return nil }
            if result < 0 {
                if errno == EINTR { continue }
                return .lost(errno)
            }
            // The <sys/wait.h> macros are not visible to Swift: low 7 bits 0 = exited, else the signal.
            let signal = status & 0x7f
            return signal == 0 ? .exited(Int((status >> 8) & 0xff)) : .signaled(signal)
        }
    }

    /// Reaps the child, waiting for it; for a child that was just sent SIGKILL.
    func reapBlocking() {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    /// Sends `signal` to every process in the child's group (grandchildren included).
    func signalGroup(_ signal: Int32) {
        _ = kill(-pid, signal)  // ESRCH when the group is already gone: nothing to do
    }

    /// Whether any process of the child's group is still alive (not a zombie).
    ///
    /// `kill(-pgid, 0)` alone is not enough: it also counts zombies, and an orphaned
    /// grandchild stays a zombie until PID 1 reaps it, which in containers can take seconds.
    /// So when the group exists, /proc tells whether any member is more than a zombie.
    func groupHasLiveMembers() -> Bool {
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

/// Calls `body` with a NULL-terminated C array of copies of `strings`, freed afterwards.
private func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
