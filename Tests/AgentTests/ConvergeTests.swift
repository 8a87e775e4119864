import Agent
import Crypto
import Foundation
import Glibc
import Testing

/// The convergence handlers against real files in temporary folders and real child processes.
@Suite struct ConvergeTests {
    // MARK: - Files handler

    @Test func writesFilesWithModeAndContent() throws {
        let folder = try TemporaryFolder()
        let root = folder.path + "/root"  // missing: the handler creates it
        let report = try finish(FilesHandler(root: root).start(request(files: [
            desired("etc/app/app.conf", "port = 80\n", mode: 0o640),
            desired("bin/run", "#!/bin/sh\n", mode: 0o755),
        ])))
        #expect(report.outcome == .applied)
        #expect(report.detail == "wrote 2 files (etc/app/app.conf, bin/run)")
        #expect(try folder.read("root/etc/app/app.conf") == "port = 80\n")
        #expect(try folder.mode("root/etc/app/app.conf") == 0o640)
        #expect(try folder.read("root/bin/run") == "#!/bin/sh\n")
        #expect(try folder.mode("root/bin/run") == 0o755)
        // No temporary file is left beside the written ones.
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/etc/app") == ["app.conf"])
    }

    @Test func secondRunIsUnchanged() throws {
        let folder = try TemporaryFolder()
        let handler = FilesHandler(root: folder.path)
        let event = request(files: [desired("a.txt", "one\n"), desired("b/c.txt", "two\n")])
        #expect(try finish(handler.start(event)).outcome == .applied)
        let before = try folder.inode("a.txt")
        let second = try finish(handler.start(event))
        #expect(second == ConvergeReport(outcome: .unchanged, detail: "nothing to change"))
        #expect(try folder.inode("a.txt") == before)  // not even rewritten
    }

    @Test func changedContentOrModeIsRewritten() throws {
        let folder = try TemporaryFolder()
        let handler = FilesHandler(root: folder.path)
        _ = try finish(handler.start(request(files: [desired("a.txt", "one\n"), desired("b.txt", "two\n")])))
        let content = try finish(handler.start(request(files: [desired("a.txt", "ONE\n"), desired("b.txt", "two\n")])))
        #expect(content.outcome == .applied)
        #expect(content.detail == "wrote 1 file (a.txt)")
        #expect(try folder.read("a.txt") == "ONE\n")
        let mode = try finish(handler.start(request(files: [desired("a.txt", "ONE\n"), desired("b.txt", "two\n", mode: 0o600)])))
        #expect(mode.detail == "wrote 1 file (b.txt)")
        #expect(try folder.mode("b.txt") == 0o600)
    }

    @Test func deletedPathsAreRemoved() throws {
        let folder = try TemporaryFolder()
        let handler = FilesHandler(root: folder.path)
        _ = try finish(handler.start(request(files: [desired("a/old.conf", "x"), desired("keep.conf", "y")])))
        let event = request(files: [desired("keep.conf", "y")], deleted: ["a/old.conf", "never/there.conf", "missing.conf"])
        let report = try finish(handler.start(event))
        #expect(report == ConvergeReport(outcome: .applied, detail: "removed 1 file (a/old.conf)"))
        #expect(!folder.exists("a/old.conf"))
        #expect(try folder.read("keep.conf") == "y")
        #expect(try finish(handler.start(event)).outcome == .unchanged)
    }

    @Test(arguments: ["../x", "/etc/x", "a/../../x", "a//x", "./x", "a/", ""])
    func pathOutsideTheRootIsRejected(path: String) throws {
        let folder = try TemporaryFolder()
        let handler = FilesHandler(root: folder.path + "/root")
        for event in [request(files: [desired("ok.txt", "fine"), desired(path, "evil")]),
                      request(files: [desired("ok.txt", "fine")], deleted: [path])] {
            let error = try #require(throws: ConvergeError.self) { try handler.start(event) }
            #expect(error.code == .invalidPath)
            #expect(error.subject == path)
            #expect(error.message.hasPrefix(path.debugDescription))
        }
        // Rejected before anything was written, root included.
        #expect(!folder.exists("root"))
        #expect(!folder.exists("x"))
    }

    @Test func symbolicLinkFolderPointingOutIsNotFollowed() throws {
        let folder = try TemporaryFolder()
        try folder.makeFolder("outside")
        try folder.makeFolder("root")
        try folder.write("outside/victim", "keep")
        try folder.link("root/link", to: folder.path + "/outside")
        let handler = FilesHandler(root: folder.path + "/root")
        for event in [request(files: [desired("link/x", "evil")]), request(files: [desired("link/victim", "evil")]),
                      request(deleted: ["link/victim"])] {
            let error = try #require(throws: ConvergeError.self) { try handler.start(event) }
            #expect(error.code == .invalidPath)
            #expect(error.message.contains("root/link: is a symbolic link or not a folder"))
        }
        #expect(!folder.exists("outside/x"))
        #expect(try folder.read("outside/victim") == "keep")
    }

    @Test func symbolicLinkFileIsReplacedNotWrittenThrough() throws {
        let folder = try TemporaryFolder()
        try folder.makeFolder("root")
        try folder.write("victim", "keep")
        try folder.link("root/app.conf", to: folder.path + "/victim")
        let report = try finish(FilesHandler(root: folder.path + "/root").start(request(files: [desired("app.conf", "new")])))
        #expect(report.outcome == .applied)
        #expect(try folder.read("victim") == "keep")
        #expect(try folder.read("root/app.conf") == "new")
        #expect(try folder.type("root/app.conf") == S_IFREG)  // the link itself was replaced
    }

    @Test func digestMismatchWritesNothing() throws {
        let folder = try TemporaryFolder()
        var bad = desired("b.txt", "what the event says")
        bad.content = Array("something else".utf8)
        let error = try #require(throws: ConvergeError.self) {
            try FilesHandler(root: folder.path).start(request(files: [desired("a.txt", "fine"), bad]))
        }
        #expect(error.code == .digestMismatch)
        #expect(error.message.hasPrefix("\"b.txt\": content has SHA-256 \(SHA256.hexDigest(Array("something else".utf8)))"))
        #expect(!folder.exists("a.txt"))
        #expect(!folder.exists("b.txt"))
        #expect(ConvergeReport(failure: error).outcome == .failed)
    }

    @Test func modeOutOfRangeIsRejected() throws {
        let folder = try TemporaryFolder()
        let error = try #require(throws: ConvergeError.self) {
            try FilesHandler(root: folder.path).start(request(files: [desired("a", "x", mode: 0o4755)]))
        }
        #expect(error.code == .invalidMode)
        #expect(error.message == "\"a\": mode 4755 is outside 0000...0777")
    }

    @Test func dryRunChangesNothing() throws {
        let folder = try TemporaryFolder()
        let handler = FilesHandler(root: folder.path + "/root")
        var event = request(files: [desired("a.txt", "one")])
        event.dryRun = true
        let first = try finish(handler.start(event))
        #expect(first == ConvergeReport(outcome: .applied, detail: "would write 1 file (a.txt)"))
        #expect(!folder.exists("root"))

        _ = try finish(handler.start(request(files: [desired("a.txt", "one"), desired("old.txt", "x")])))
        event = request(files: [desired("a.txt", "two")], deleted: ["old.txt"])
        event.dryRun = true
        let second = try finish(handler.start(event))
        #expect(second == ConvergeReport(outcome: .applied, detail: "would write 1 file (a.txt), would remove 1 file (old.txt)"))
        #expect(try folder.read("root/a.txt") == "one")
        #expect(folder.exists("root/old.txt"))

        event = request(files: [desired("a.txt", "one")])
        event.dryRun = true
        #expect(try finish(handler.start(event)).outcome == .unchanged)
    }

    // MARK: - Command handler

    @Test func eventReachesTheCommandOnlyThroughItsEnvironment() async throws {
        let script = """
            echo "stream=$CHANGEBUS_STREAM env=$CHANGEBUS_ENVIRONMENT version=$CHANGEBUS_VERSION"
            echo "revision=$CHANGEBUS_REVISION event=$CHANGEBUS_EVENT_ID components=$CHANGEBUS_COMPONENTS"
            echo "dry=$CHANGEBUS_DRY_RUN extra=$EXTRA args=$# path=${PATH:+set}"
            echo "paths-file=$CHANGEBUS_CHANGED_PATHS_FILE"
            cat "$CHANGEBUS_CHANGED_PATHS_FILE"
            read line; echo "stdin=$?"
            """
        let handler = CommandHandler(argv: ["/bin/sh", "-c", script], timeout: .seconds(10), environment: ["EXTRA": "x y"])
        var event = request(changedPaths: ["web/nginx.conf", "web/site a.conf"])
        event.dryRun = true
        let report = try await finish(handler.start(event))
        #expect(report.outcome == .applied)
        #expect(report.exitCode == 0)
        #expect(report.detail == "exit code 0")
        let lines = report.outputTail.split(separator: "\n").map(String.init)
        #expect(lines.count == 7)
        guard lines.count == 7 else { return }
        #expect(lines[0] == "stream=config env=prod version=7")
        #expect(lines[1] == "revision=abc123 event=ev-1 components=nginx,php")
        #expect(lines[2] == "dry=1 extra=x y args=0 path=set")
        #expect(lines[4...5] == ["web/nginx.conf", "web/site a.conf"])
        #expect(lines[6] == "stdin=1")  // stdin is /dev/null: read hits end of file
        // The changed-paths file is gone after the run.
        let pathsFile = String(lines[3].dropFirst("paths-file=".count))
        #expect(pathsFile.contains("changebus-changed-paths-"))
        #expect(access(pathsFile, F_OK) != 0)
    }

    @Test func childStartsWithDefaultSignalsAndAnEmptyMask() async throws {
        // The agent ignores SIGTERM (to handle it through Dispatch), and ignored signals
        // survive exec: the child must not inherit that, nor this thread's signal mask.
        // SIGUSR2 and SIGUSR1 stand in for it here, changed only around the synchronous start.
        let handler = CommandHandler(argv: ["grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status"], timeout: .seconds(10))
        let previous = signal(SIGUSR2, SIG_IGN)
        var block = sigset_t()
        sigemptyset(&block)
        sigaddset(&block, SIGUSR1)
        var oldMask = sigset_t()
        pthread_sigmask(SIG_BLOCK, &block, &oldMask)
        let run = Result { try handler.start(request()) }
        pthread_sigmask(SIG_SETMASK, &oldMask, nil)
        signal(SIGUSR2, previous)
        let report = try await finish(run.get())
        // Hex masks, bit N-1 for signal N. glibc's posix_spawn itself leaves its two
        // internal real-time signals (32, 33) ignored; only signals 1...31 are ours to check.
        let masks = Dictionary(uniqueKeysWithValues: report.outputTail.split(separator: "\n").map { line in
            let parts = line.split(separator: "\t")
            return (String(parts[0]), UInt64(parts[1], radix: 16) ?? .max)
        })
        #expect(masks["SigBlk:"].map { $0 & 0x7fff_ffff } == 0)
        #expect(masks["SigIgn:"].map { $0 & 0x7fff_ffff } == 0)
    }

    @Test func runsInTheWorkingDirectory() async throws {
        let folder = try TemporaryFolder()
        let report = try await finish(CommandHandler(argv: ["pwd"], timeout: .seconds(10), workingDirectory: folder.path).start(request()))
        #expect(report.outputTail == folder.path + "\n")
        let error = try #require(throws: ConvergeError.self) {
            try CommandHandler(argv: ["pwd"], timeout: .seconds(10), workingDirectory: folder.path + "/missing").start(request())
        }
        #expect(error.code == .invalidCommand)
        #expect(error.message.hasPrefix(folder.path + "/missing: working directory"))
    }

    @Test(arguments: [(0, ConvergeOutcome.unchanged), (2, .applied), (4, .failed), (6, .failed), (1, .failed)])
    func puppetExitCodes(code: Int, outcome: ConvergeOutcome) async throws {
        let report = try await finish(exiting(code, map: .puppet))
        #expect(report.outcome == outcome)
        #expect(report.exitCode == code)
        #expect(report.detail == "exit code \(code)")
    }

    @Test func standardAndCustomExitCodes() async throws {
        #expect(try await finish(exiting(0, map: .standard)).outcome == .applied)
        #expect(try await finish(exiting(1, map: .standard)).outcome == .failed)
        let custom = try ExitCodeMap(parsing: " 0=unchanged, 3=applied,*=timeout ")
        #expect(try await finish(exiting(3, map: custom)).outcome == .applied)
        #expect(try await finish(exiting(0, map: custom)).outcome == .unchanged)
        #expect(try await finish(exiting(5, map: custom)).outcome == .timeout)
    }

    @Test func exitCodeMapParsing() throws {
        #expect(try ExitCodeMap(parsing: "puppet") == .puppet)
        #expect(try ExitCodeMap(parsing: "standard") == .standard)
        #expect(ExitCodeMap.puppet.description == "0=unchanged,2=applied,4=failed,6=failed,*=failed")
        #expect(try ExitCodeMap(parsing: ExitCodeMap.puppet.description) == .puppet)
        #expect(try ExitCodeMap(parsing: "2=applied") == ExitCodeMap([2: .applied], otherwise: .failed))
        let bad: [(String, String)] = [
            ("0=done", #""0=done": unknown outcome "done""#),
            ("0=applied,x=failed", #""x=failed": exit code must be 0...255 or *"#),
            ("256=failed", #""256=failed": exit code must be 0...255"#),
            ("0=applied,0=failed", #""0=failed": exit code 0 given twice"#),
            ("*=failed,*=applied", #""*=applied": "*" given twice"#),
            ("0=applied,,1=failed", #""": expected CODE=OUTCOME"#),
            ("0=aborted", #"unknown outcome "aborted""#),
            ("", "exit code map is empty"),
        ]
        for (text, expected) in bad {
            let error = try #require(throws: ConvergeError.self) { try ExitCodeMap(parsing: text) }
            #expect(error.code == .invalidExitCodeMap)
            #expect(error.message.contains(expected), "\(error.message)")
        }
    }

    @Test func deathBySignalIsFailed() async throws {
        let report = try await finish(CommandHandler(argv: ["/bin/sh", "-c", "kill -9 $$"], timeout: .seconds(10)).start(request()))
        #expect(report == ConvergeReport(outcome: .failed, exitCode: nil, outputTail: "", detail: "killed by signal 9"))
    }

    @Test func outputTailIsBounded() async throws {
        let script = "head -c 1000000 /dev/zero | tr '\\0' x; echo; echo LAST-LINE"
        let report = try await finish(CommandHandler(argv: ["/bin/sh", "-c", script], timeout: .seconds(20)).start(request()))
        #expect(report.outcome == .applied)
        #expect(report.outputTail.utf8.count <= 4096)
        #expect(report.outputTail.utf8.count > 4000)
        #expect(report.outputTail.hasSuffix("xxx\nLAST-LINE\n"))
    }

    @Test func outputTailStaysValidUTF8WhenCutMidCharacter() async throws {
        // 4095 bytes of "é" (2 bytes each) then a newline: the 4 KB cut falls inside a character.
        let script = "i=0; while [ $i -lt 3000 ]; do printf 'é'; i=$((i+1)); done; echo"
        let report = try await finish(CommandHandler(argv: ["/bin/sh", "-c", script], timeout: .seconds(20)).start(request()))
        #expect(!report.outputTail.contains("\u{FFFD}"))
        #expect(report.outputTail.hasPrefix("é"))
        #expect(report.outputTail.utf8.count == 4095)
    }

    @Test func timeoutKillsTheWholeProcessGroup() async throws {
        // The background sleep is a grandchild of the agent: it must die with the group.
        let script = #"echo "group $$"; sleep 1000 & echo "child $!"; wait"#
        let clock = ContinuousClock()
        let begin = clock.now
        let run = try CommandHandler(argv: ["/bin/sh", "-c", script], timeout: .milliseconds(500), grace: .seconds(3)).start(request())
        let report = try await finish(run)
        let elapsed = clock.now - begin
        #expect(report.outcome == .timeout)
        #expect(report.detail == "timed out after 0.5 s; killed by signal 15")
        #expect(elapsed >= .milliseconds(500))
        #expect(elapsed < .milliseconds(2500))  // sh and sleep die on SIGTERM: no wait for the 3 s grace
        let group = try #require(number(after: "group ", in: report.outputTail))
        let child = try #require(number(after: "child ", in: report.outputTail))
        #expect(liveMembers(ofGroup: group).isEmpty)
        #expect(!isAlive(child))
    }

    @Test func timeoutSendsKillAfterTheGrace() async throws {
        // Ignored SIGTERM is inherited by the sleep, so only SIGKILL stops this group.
        let script = #"trap "" TERM; echo "group $$"; sleep 1000 & echo "child $!"; wait"#
        let clock = ContinuousClock()
        let begin = clock.now
        let run = try CommandHandler(argv: ["/bin/sh", "-c", script], timeout: .milliseconds(300), grace: .seconds(1)).start(request())
        let report = try await finish(run)
        let elapsed = clock.now - begin
        #expect(report.outcome == .timeout)
        #expect(report.detail == "timed out after 0.3 s; killed by signal 9")
        #expect(elapsed >= .milliseconds(1300))
        #expect(elapsed < .milliseconds(2300))  // timeout + grace + 1 s
        let group = try #require(number(after: "group ", in: report.outputTail))
        let child = try #require(number(after: "child ", in: report.outputTail))
        #expect(liveMembers(ofGroup: group).isEmpty)
        #expect(!isAlive(child))
    }

    @Test func abortStopsTheCommand() async throws {
        let run = try CommandHandler(argv: ["/bin/sh", "-c", #"echo "group $$"; sleep 1000 & wait"#], timeout: .seconds(60)).start(request())
        try await Task.sleep(for: .milliseconds(200))
        #expect(run.poll() == nil)
        let clock = ContinuousClock()
        let begin = clock.now
        run.abort(grace: .seconds(2))
        let report = try await finish(run)
        #expect(clock.now - begin < .seconds(1))
        #expect(report.outcome == .aborted)
        #expect(report.detail == "aborted; killed by signal 15")
        #expect(run.poll() == report)  // a finished run keeps its report
        let group = try #require(number(after: "group ", in: report.outputTail))
        #expect(liveMembers(ofGroup: group).isEmpty)
    }

    @Test func droppingARunningRunKillsIt() async throws {
        let folder = try TemporaryFolder()
        let pidFile = folder.path + "/pid"
        var run: (any ConvergenceRun)? = try CommandHandler(
            argv: ["/bin/sh", "-c", "echo $$ > \"$0\"; exec sleep 1000", pidFile], timeout: .seconds(60)).start(request())
        var pid: pid_t?
        for _ in 0..<250 where pid == nil {
            try await Task.sleep(for: .milliseconds(20))
            pid = (try? folder.read("pid")).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        let leader = try #require(pid)
        #expect(run?.poll() == nil)
        run = nil
        #expect(kill(leader, 0) != 0 && errno == ESRCH)  // killed and reaped
    }

    @Test func missingExecutableIsAClearError() throws {
        for program in ["/nonexistent/changebus-converge", "changebus-no-such-command"] {
            let error = try #require(throws: ConvergeError.self) {
                try CommandHandler(argv: [program, "apply"], timeout: .seconds(5)).start(request())
            }
            #expect(error.code == .spawnFailed)
            #expect(error.systemError == ENOENT)
            #expect(error.message == "\(program) apply: cannot start: No such file or directory")
        }
        let empty = try #require(throws: ConvergeError.self) { try CommandHandler(argv: [], timeout: .seconds(5)).start(request()) }
        #expect(empty.code == .invalidCommand)
    }

    // MARK: - Helpers

    private func request(files: [DesiredFile] = [], deleted: [String] = [], changedPaths: [String] = []) -> ConvergeRequest {
        ConvergeRequest(stream: "config", environment: "prod", version: 7, revision: "abc123", eventID: "ev-1",
                        components: ["nginx", "php"], changedPaths: changedPaths, files: files, deleted: deleted)
    }

    private func desired(_ path: String, _ text: String, mode: Int = 0o644) -> DesiredFile {
        let content = Array(text.utf8)
        return DesiredFile(path: path, mode: mode, content: content, sha256: SHA256.hexDigest(content))
    }

    private func exiting(_ code: Int, map: ExitCodeMap) throws -> any ConvergenceRun {
        try CommandHandler(argv: ["/bin/sh", "-c", "exit \(code)"], timeout: .seconds(10), exitCodes: map).start(request())
    }

    /// The report of a run that finished inside `start`.
    private func finish(_ run: any ConvergenceRun) throws -> ConvergeReport {
        try #require(run.poll())
    }

    /// Polls like the agent does, with short sleeps, until the run reports.
    private func finish(_ run: any ConvergenceRun, limit: Duration = .seconds(30)) async throws -> ConvergeReport {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while clock.now < deadline {
            if let report = run.poll() { return report }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("the run did not report within \(limit)")
    }

    private func number(after prefix: String, in text: String) -> pid_t? {
        text.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { pid_t($0.dropFirst(prefix.count)) }
    }

    /// Members of a process group that are not zombies, from /proc (PID 1 may be slow to reap
    /// orphaned zombies, and `kill(-group, 0)` still counts those).
    private func liveMembers(ofGroup group: pid_t) -> [pid_t] {
        if kill(-group, 0) != 0 && errno == ESRCH { return [] }
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap { pid_t($0) } ?? []
        return pids.filter { pid in
            guard let (state, pgrp) = stat(of: pid) else { return false }
            return pgrp == group && state != "Z" && state != "X"
        }
    }

    private func isAlive(_ pid: pid_t) -> Bool {
        guard let (state, _) = stat(of: pid) else { return false }
        return state != "Z" && state != "X"
    }

    private func stat(of pid: pid_t) -> (Character, pid_t)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let end = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: end)...].split(separator: " ")
        guard fields.count > 2, let state = fields[0].first, let group = pid_t(fields[2]) else { return nil }
        return (state, group)
    }
}

private struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A fresh folder under the system's temporary folder, removed when the value goes away.
private final class TemporaryFolder {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "converge-tests-XXXXXX").utf8CString)
        guard mkdtemp(&template) != nil else { throw TestFailure("mkdtemp failed: errno \(errno)") }
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func read(_ name: String) throws -> String {
        try String(contentsOfFile: path + "/" + name, encoding: .utf8)
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: path + "/" + name, atomically: false, encoding: .utf8)
    }

    func exists(_ name: String) -> Bool {
        var info = Glibc.stat()
        return lstat(path + "/" + name, &info) == 0
    }

    func mode(_ name: String) throws -> Int {
        var info = Glibc.stat()
        guard lstat(path + "/" + name, &info) == 0 else { throw TestFailure("\(name): lstat failed") }
        return Int(info.st_mode & 0o7777)
    }

    func type(_ name: String) throws -> mode_t {
        var info = Glibc.stat()
        guard lstat(path + "/" + name, &info) == 0 else { throw TestFailure("\(name): lstat failed") }
        return info.st_mode & S_IFMT
    }

    func inode(_ name: String) throws -> UInt {
        var info = Glibc.stat()
        guard lstat(path + "/" + name, &info) == 0 else { throw TestFailure("\(name): lstat failed") }
        return UInt(info.st_ino)
    }

    func makeFolder(_ name: String) throws {
        try FileManager.default.createDirectory(atPath: path + "/" + name, withIntermediateDirectories: true)
    }

    func link(_ name: String, to target: String) throws {
        try FileManager.default.createSymbolicLink(atPath: path + "/" + name, withDestinationPath: target)
    }
}
