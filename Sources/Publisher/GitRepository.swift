import FoundationEssentials
import Subprocess
#if canImport(Glibc)
import Glibc
#endif

/// Read access to a git repository through the `git` program, run as a child process
/// without a shell. Works on bare repositories and working trees.
///
/// `GIT_DIR`, `GIT_WORK_TREE` and the other variables that git sets for hooks are removed
/// from the child's environment, so `directory` alone says which repository is read.
public struct GitRepository: Sendable {
    /// The repository folder: a bare repository, a `.git` folder or a working tree.
    public let directory: String
    /// The `git` program. Default: the first `git` on `PATH`, else `/usr/bin/git`.
    public let git: String

    /// Reads the repository in `directory`.
    public init(directory: String, git: String? = nil) {
        self.directory = directory
        self.git = git ?? Self.findGit()
    }

    /// The repository a hook runs in: `GIT_DIR` (relative to the current folder) when git
    /// set it, else the current folder.
    public static func forHook(environment: [String: String] = ProcessInfo.processInfo.environment) -> GitRepository {
        let cwd = FileManager.default.currentDirectoryPath
        guard let gitDir = environment["GIT_DIR"], !gitDir.isEmpty else { return GitRepository(directory: cwd) }
        return GitRepository(directory: gitDir.hasPrefix("/") ? gitDir : cwd + "/" + gitDir)
    }

    /// The full id of the commit `revision` names (a branch, tag, abbreviation, `HEAD~2`).
    /// - Throws: `PublishError` `.invalidInput` when it names no commit.
    public func resolveCommit(_ revision: String) throws(PublishError) -> String {
        guard !revision.hasPrefix("-") else { throw PublishError(.invalidInput, "revision \"\(revision)\" must not start with -") }
        let result = try run(["rev-parse", "--verify", "--quiet", "\(revision)^{commit}"], okStatuses: [0, 1])
        let id = String(decoding: result.output, as: UTF8.self).trimmingWhitespace
        guard result.status == 0, !id.isEmpty else {
            throw PublishError(.invalidInput, "\"\(revision)\" names no commit in \(directory)")
        }
        return id
    }

    /// What changed from `old` to `new`, with renames detected.
    /// - Throws: `PublishError` `.git`.
    public func diff(from old: String, to new: String) throws(PublishError) -> [DiffEntry] {
        try DiffEntry.parseRaw(run(["diff", "--raw", "-z", "--no-abbrev", "-M", "--no-ext-diff", "--no-textconv", old, new, "--"]).output)
    }

    /// Every file, symlink and submodule at `revision`, with sizes.
    /// - Throws: `PublishError` `.git`.
    public func tree(at revision: String) throws(PublishError) -> [TreeEntry] {
        try TreeEntry.parseTree(run(["ls-tree", "-r", "-l", "-z", "--full-tree", revision]).output)
    }

    /// Author, date and message of `commit`.
    /// - Throws: `PublishError` `.git`.
    public func commitInfo(_ commit: String) throws(PublishError) -> CommitInfo {
        let output = try run(["log", "-1", "--no-show-signature", "--format=%H%x00%an%x00%ae%x00%ct%x00%B", commit, "--"]).output
        let fields = output.split(separator: 0, maxSplits: 4, omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        guard fields.count == 5, let seconds = TimeInterval(fields[3]) else {
            throw PublishError(.git, "unexpected git log output for \(commit)")
        }
        let message = String(fields[4].reversed().drop(while: \.isWhitespace).reversed())
        return CommitInfo(id: fields[0], authorName: fields[1], authorEmail: fields[2],
                          committedAt: Date(timeIntervalSince1970: seconds), message: message)
    }

    /// Whether `ancestor` is an ancestor of (or equal to) `commit`: false for a force push.
    /// - Throws: `PublishError` `.git`, e.g. when `ancestor` is not in the repository.
    public func isAncestor(_ ancestor: String, of commit: String) throws(PublishError) -> Bool {
        try run(["merge-base", "--is-ancestor", ancestor, commit], okStatuses: [0, 1]).status == 0
    }

    /// The contents of the blobs `ids`, read with one `git cat-file --batch`.
    /// - Throws: `PublishError` `.git` when one is missing or the output is malformed.
    public func blobs(_ ids: [String]) throws(PublishError) -> [String: [UInt8]] {
        guard !ids.isEmpty else { return [:] }
        let input = Data(ids.map { $0 + "\n" }.joined().utf8)
        let output = try run(["cat-file", "--batch"], input: input).output
        var contents: [String: [UInt8]] = [:]
        var index = 0
        while index < output.count {
            guard let newline = output[index...].firstIndex(of: 10) else {
                throw PublishError(.git, "git cat-file --batch output ends without a header")
            }
            let header = String(decoding: output[index..<newline], as: UTF8.self).split(separator: " ")
            guard header.count == 3, let size = Int(header[2]), newline + 1 + size < output.count + 1 else {
                throw PublishError(.git, "git cat-file --batch: \"\(header.joined(separator: " "))\" (object missing?)")
            }
            let start = newline + 1
            contents[String(header[0])] = Array(output[start..<start + size])
            index = start + size + 1
        }
        return contents
    }

    /// The repository's git folder, absolute (`.git` of a working tree, the repository
    /// itself when bare).
    /// - Throws: `PublishError` `.git` when `directory` is not a repository.
    public func gitDirectory() throws(PublishError) -> String {
        let output = try run(["rev-parse", "--absolute-git-dir"]).output
        return String(decoding: output, as: UTF8.self).trimmingWhitespace
    }

    // MARK: - Running git

    /// Variables that point git at another repository; hooks get them from git.
    static let repositoryVariables = [
        "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX", "GIT_COMMON_DIR",
        "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_QUARANTINE_PATH", "GIT_NAMESPACE",
    ]

    /// Runs `git -C directory ARGS`; returns the exit status and standard output.
    ///
    /// No shell (`ChildProcess`). Standard input comes from a temporary file (or
    /// /dev/null) and standard error goes to one, so only standard output is a pipe: a
    /// large output on one stream can never block git while this thread reads another.
    /// - Throws: `PublishError` `.git` when git cannot start or exits with a status not in
    ///   `okStatuses`, quoting its standard error.
    func run(_ arguments: [String], input: Data? = nil, okStatuses: Set<Int32> = [0]) throws(PublishError) -> (status: Int32, output: [UInt8]) {
        var environment = ChildProcess.currentEnvironment()
        for name in Self.repositoryVariables { environment[name] = nil }
        environment["GIT_TERMINAL_PROMPT"] = "0"
        environment["LC_ALL"] = "C"
        let errorFile = try Self.scratchFile(contents: nil)
        defer { close(errorFile) }
        let inputFile = try input.map { (data: Data) throws(PublishError) -> Int32 in try Self.scratchFile(contents: data) }
        defer { if let inputFile { close(inputFile) } }
        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(
                argv: [git, "-C", directory] + arguments, environment: environment.map { "\($0.key)=\($0.value)" },
                input: inputFile.map { .file($0) } ?? .null, errors: .file(errorFile))
        } catch {
            throw PublishError(.git, "cannot run \(git): \(error)")
        }
        defer { close(child.output) }
        // The pipe comes non-blocking (for the agent's polling); here we read to its end.
        _ = fcntl(child.output, F_SETFL, fcntl(child.output, F_GETFL) & ~O_NONBLOCK)
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(child.output, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            output += buffer[..<count]
        }
        let status: Int32
        switch child.reapBlocking() {
        case .exited(let code): status = Int32(code)
        case .signaled(let signal): status = 128 + signal
        case .lost(let code):
            // SIGCHLD ignored by whoever started us: git's status is lost, and an empty
            // output must not pass for an empty diff.
            throw PublishError(.git, "cannot learn how git \(arguments.prefix(2).joined(separator: " ")) ended: \(String(cString: strerror(code)))")
        }
        guard okStatuses.contains(status) else {
            let text = String(decoding: Self.readAll(errorFile), as: UTF8.self).trimmingWhitespace
            throw PublishError(.git, "git \(arguments.prefix(2).joined(separator: " ")) in \(directory) failed (exit \(status)): \(text.prefix(500))")
        }
        return (status, output)
    }

    /// An unlinked temporary file, rewound, holding `contents`.
    private static func scratchFile(contents: Data?) throws(PublishError) -> Int32 {
        var template = Array("/tmp/changebus-git-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw PublishError(.git, "cannot create a temporary file in /tmp: \(String(cString: strerror(errno)))") }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        if let contents {
            var rest = contents[...]
            while !rest.isEmpty {
                let written = rest.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { close(fd); throw PublishError(.git, "cannot write git's input: \(String(cString: strerror(errno)))") }
                rest = rest.dropFirst(written)
            }
            lseek(fd, 0, SEEK_SET)
        }
        return fd
    }

    private static func readAll(_ fd: Int32) -> [UInt8] {
        lseek(fd, 0, SEEK_SET)
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 65_536 {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            bytes += buffer[..<count]
        }
        return bytes
    }

    static func findGit() -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") where !folder.isEmpty {
            let candidate = "\(folder)/git"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return "/usr/bin/git"
    }
}
