import ChangeBus
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import Publisher

let gitHookCommand = Command(
    name: "git-hook",
    summary: "Run as a post-receive hook: publish one change event per pushed branch.",
    usage: "changebus git-hook --config FILE [--stream S] < post-receive lines",
    options: [
        ("--config FILE", "The publisher config (INI)."),
        ("--stream S", "The stream (default: [publisher] stream of the config)."),
    ],
    valued: ["config", "stream"], boolean: [],
    notes: """
        Reads '<old> <new> <ref>' lines from standard input, as git gives a post-receive hook,
        in the repository git runs the hook in (GIT_DIR, or the current folder). Per ref:
          - not in [branches]: ignored (says so);
          - deleted: nothing published (says so);
          - created: every file of the new commit is 'added', previous_revision is null;
          - not a fast-forward: the event says forced: true.
        The target selector comes from a 'Changebus-Target: EXPR' trailer in the newest
        commit's message. Install it with 'changebus install-hook'.

        EXIT CODES: 0 every event delivered, 1 an event waits in the outbox or could not be
        built (the push itself has succeeded either way), 64 usage error.
        """
) { args in
    let configPath = try args.required("config", command: "git-hook")
    let config = try PublisherConfig.load(path: configPath)
    let stream = args.value("stream") ?? config.stream
    let lines = try HookLine.parseAll(String(decoding: readStandardInput(), as: UTF8.self))
    let repository = GitRepository.forHook()
    let publisher = Publisher(config: config)
    let prefix = "changebus"
    var failures: [String] = []
    var waiting = false
    for line in lines {
        guard let environment = config.branches.environment(for: line.ref) else {
            print("\(prefix): \(line.ref) is not in [branches] of \(configPath): ignored")
            continue
        }
        if line.isDeletion {
            print("\(prefix): branch \(line.shortName) deleted: nothing published")
            continue
        }
        do {
            let forced = line.isCreation ? false : try !repository.isAncestor(line.old, of: line.new)
            let target = try repository.commitInfo(line.new).targetTrailer ?? ""
            let request = PublishRequest(
                stream: stream, environment: environment, revision: line.new,
                previousRevision: line.isCreation ? nil : line.old, target: target, forced: forced)
            let outcome = try publisher.publish(request, repository: repository)
            if outcome.event == nil {
                for warning in outcome.warnings { printError("\(prefix): warning: \(warning)") }
                print("\(prefix): \(line.shortName): nothing to publish: no changed path belongs to a component")
                continue
            }
            if PublisherOutput.report(outcome, config: config, json: false, prefix: prefix) != ExitCode.success {
                waiting = true
            }
        } catch {
            failures.append(line.ref)
            printError("\(prefix): \(line.ref): nothing published: \(error)")
        }
    }
    guard waiting || !failures.isEmpty else { return ExitCode.success }
    printError("\(prefix): the push itself succeeded; only the change event(s) above are not on the bus yet.")
    if !failures.isEmpty {
        printError("\(prefix): after fixing the cause, publish by hand: changebus publish --config \(PublisherOutput.absolute(configPath)) --repo <repo> --revision <new> --previous <old> --env <env>")
    }
    return ExitCode.failure
}
