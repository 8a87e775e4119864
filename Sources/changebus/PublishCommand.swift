import ChangeBus
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import Publisher

let publishCommand = Command(
    name: "publish",
    summary: "Publish a signed change event for one revision of a git repository.",
    usage: "changebus publish --config FILE [--repo DIR] [--stream S] --revision REV [--previous REV0] [--target EXPR] [--env E] [--json]",
    options: [
        ("--config FILE", "The publisher config (INI)."),
        ("--repo DIR", "The repository, bare or a working tree (default: the current folder)."),
        ("--stream S", "The stream (default: [publisher] stream of the config)."),
        ("--revision REV", "The commit to publish."),
        ("--previous REV0", "The commit the changes are relative to; without it every file is added."),
        ("--target EXPR", "Selector over host facts, e.g. 'role in [\"web\"]' (default: every host)."),
        ("--env E", "The environment; default: the only one in [branches], required when there are several."),
        ("--json", "Print the outcome as JSON."),
    ],
    valued: ["config", "repo", "stream", "revision", "previous", "target", "env"], boolean: ["json"],
    notes: """
        Takes the next version of <stream>.<env> under the state folder's lock, signs the
        event, writes it to the outbox, then sends the outbox oldest first with publisher
        confirms. An event nobody is bound to is accepted by the broker with a warning.

        EXIT CODES: 0 published (or nothing to publish), 1 failure (an event the broker did
        not confirm stays in the outbox: see 'changebus outbox'), 64 usage error.
        """
) { args in
    let configPath = try args.required("config", command: "publish")
    let revision = try args.required("revision", command: "publish")
    let config = try PublisherConfig.load(path: configPath)
    let environment: String
    if let env = args.value("env") {
        environment = env
    } else if let only = config.branches.onlyEnvironment {
        environment = only
    } else {
        let known = Set(config.branches.environments.values).sorted().joined(separator: ", ")
        throw Arguments.UsageError(description: "changebus publish: --env is required"
            + (known.isEmpty ? " ([branches] of \(configPath) maps no ref)" : " ([branches] of \(configPath) has several: \(known))"))
    }
    let request = PublishRequest(
        stream: args.value("stream") ?? config.stream, environment: environment, revision: revision,
        previousRevision: args.value("previous"), target: args.value("target") ?? "")
    let repository = GitRepository(directory: args.value("repo") ?? FileManager.default.currentDirectoryPath)
    let outcome = try Publisher(config: config).publish(request, repository: repository)
    return PublisherOutput.report(outcome, config: config, json: args.has("json"), prefix: "changebus publish")
}
