import Subprocess
#if canImport(Glibc)
import Glibc
#endif
import Crypto

/// Converges by running a command (Puppet, Ansible, a script) without a shell.
///
/// The event reaches the command only through environment variables, never through its
/// command line: `CHANGEBUS_STREAM`, `CHANGEBUS_ENVIRONMENT`, `CHANGEBUS_VERSION`,
/// `CHANGEBUS_REVISION`, `CHANGEBUS_EVENT_ID`, `CHANGEBUS_COMPONENTS` (comma-separated),
/// `CHANGEBUS_CHANGED_PATHS_FILE` (a temporary file with one changed path per line, removed
/// after the run) and `CHANGEBUS_DRY_RUN` (`1` or `0`), on top of the agent's own
/// environment and `environment`.
///
/// The command leads its own process group. When it runs longer than `timeout`, the whole
/// group (grandchildren too) gets SIGTERM, then SIGKILL after `grace`, and the run reports
/// `timeout`. Otherwise its exit code maps to an outcome through `exitCodes`; death by a
/// signal is `failed`. A child that leaves background processes behind when it exits by
/// itself is not hunted down: it may have started them on purpose.
public struct CommandHandler: ConvergenceHandler {
    /// How many bytes of output a report keeps: the last 4 KB.
    public static let outputTailLimit = 4096

    /// The program and its arguments; `argv[0]` is looked up on `PATH` unless it has a slash.
    public let argv: [String]
    /// How long the command may run before it is stopped.
    public let timeout: Duration
    /// Exit code → outcome. Default: `.standard` (0 applied, else failed).
    public let exitCodes: ExitCodeMap
    /// Variables added to the agent's environment (the `CHANGEBUS_*` ones win over these).
    public let environment: [String: String]
    /// The folder the command runs in. Default: nil, the agent's working directory.
    public let workingDirectory: String?
    /// How long the command's group has between SIGTERM and SIGKILL on timeout. Default: 5 s.
    public let grace: Duration

    /// Creates a handler; nothing runs until `start`.
    public init(argv: [String], timeout: Duration, exitCodes: ExitCodeMap = .standard,
                environment: [String: String] = [:], workingDirectory: String? = nil,
                grace: Duration = .seconds(5)) {
        self.argv = argv
        self.timeout = timeout
        self.exitCodes = exitCodes
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.grace = grace
    }

    /// Spawns the command and returns its run at once; poll the run until it reports.
    ///
    /// - Throws: `ConvergeError` `.invalidCommand` (empty argv, missing working directory),
    ///   `.fileSystem` (the changed-paths file cannot be written) or `.spawnFailed` (e.g. the
    ///   executable does not exist), naming the command.
    public func start(_ request: ConvergeRequest) throws(ConvergeError) -> any ConvergenceRun {
        guard let program = argv.first, !program.isEmpty else {
            throw ConvergeError(.invalidCommand, subject: "", "convergence command is empty")
        }
        if let workingDirectory {
            var info = stat()
            guard stat(workingDirectory, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
                throw ConvergeError(.invalidCommand, subject: workingDirectory,
                    "\(workingDirectory): working directory of \(program) does not exist or is not a folder")
            }
        }
        let pathsFile = try Self.writeChangedPaths(request.changedPaths)
        var variables = ChildProcess.currentEnvironment()
        variables.merge(environment) { $1 }
        variables.merge([
            "CHANGEBUS_STREAM": request.stream,
            "CHANGEBUS_ENVIRONMENT": request.environment,
            "CHANGEBUS_VERSION": String(request.version),
            "CHANGEBUS_REVISION": request.revision,
            "CHANGEBUS_EVENT_ID": request.eventID,
            "CHANGEBUS_COMPONENTS": request.components.joined(separator: ","),
            "CHANGEBUS_CHANGED_PATHS_FILE": pathsFile,
            "CHANGEBUS_DRY_RUN": request.dryRun ? "1" : "0",
        ]) { $1 }
        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(argv: argv, environment: variables.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" },
                                           workingDirectory: workingDirectory)
        } catch {
            unlink(pathsFile)
            throw ConvergeError(.spawnFailed, subject: error.command, systemError: error.systemError, error.message)
        }
        return CommandRun(child: child, command: program, timeout: timeout, grace: grace, exitCodes: exitCodes,
                          outputLimit: Self.outputTailLimit, changedPathsFile: pathsFile)
    }

    /// Writes one path per line to a new private file in `$TMPDIR` (default /tmp).
    private static func writeChangedPaths(_ paths: [String]) throws(ConvergeError) -> String {
        let folder = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        let path = (folder.hasSuffix("/") ? folder : folder + "/") + "changebus-changed-paths-" + Hex.encode(Random.bytes(8))
        // O_EXCL: a new file of ours, never one planted at the name; 0600: the paths are private.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .system(.fileSystem, errno, subject: path, "cannot create the changed-paths file") }
        defer { close(fd) }
        let bytes = Array(paths.map { $0 + "\n" }.joined().utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                let code = errno
                unlink(path)
                throw .system(.fileSystem, code, subject: path, "cannot write the changed-paths file")
            }
            written += count
        }
        return path
    }
}
