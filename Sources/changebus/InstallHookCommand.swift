import ChangeBus
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import Publisher

let installHookCommand = Command(
    name: "install-hook",
    summary: "Install the post-receive hook that runs 'changebus git-hook' in a repository.",
    usage: "changebus install-hook --repo BARE.git --config FILE [--force]",
    options: [
        ("--repo DIR", "The repository that receives pushes (usually bare)."),
        ("--config FILE", "The publisher config the hook uses; checked before installing."),
        ("--force", "Replace an existing post-receive hook."),
    ],
    valued: ["repo", "config"], boolean: ["force"],
    notes: """
        Writes <git dir>/hooks/post-receive (mode 0755), which execs this changebus binary
        by its absolute path with 'git-hook --config <absolute config path>'. Run it again
        after moving the binary or the config.
        """
) { args in
    let repo = try args.required("repo", command: "install-hook")
    let configPath = PublisherOutput.absolute(try args.required("config", command: "install-hook"))
    _ = try PublisherConfig.load(path: configPath)
    let gitDirectory = try GitRepository(directory: repo).gitDirectory()
    let hooks = gitDirectory + "/hooks"
    let hook = hooks + "/post-receive"
    if FileManager.default.fileExists(atPath: hook) && !args.has("force") {
        printError("changebus install-hook: \(hook) already exists; refusing to replace it (use --force, or call 'changebus git-hook --config \(configPath)' from your own hook)")
        return ExitCode.failure
    }
    guard let resolved = realpath("/proc/self/exe", nil) else {
        printError("changebus install-hook: cannot find the path of the running binary: \(String(cString: strerror(errno)))")
        return ExitCode.failure
    }
    let binary = String(cString: resolved)
    free(resolved)
    func quoted(_ text: String) -> String { "'" + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'" }
    let script = """
        #!/bin/sh
        # Installed by 'changebus install-hook': one signed change event per pushed branch.
        exec \(quoted(binary)) git-hook --config \(quoted(configPath))

        """
    try FileManager.default.createDirectory(atPath: hooks, withIntermediateDirectories: true)
    let temporary = hooks + "/.post-receive.changebus.\(ProcessInfo.processInfo.processIdentifier)"
    try Data(script.utf8).write(to: URL(fileURLWithPath: temporary))
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: temporary)
    guard rename(temporary, hook) == 0 else {
        try? FileManager.default.removeItem(atPath: temporary)
        printError("changebus install-hook: cannot write \(hook): \(String(cString: strerror(errno)))")
        return ExitCode.failure
    }
    print("installed \(hook): runs \(binary) git-hook --config \(configPath)")
    return ExitCode.success
}
