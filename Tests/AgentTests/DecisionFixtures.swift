import Agent
import ChangeBus
import Foundation

/// Realistic change events, hosts and results for the decision and state tests.
enum Fixture {
    static let date = Date(timeIntervalSince1970: 1_780_000_000)

    /// A change event of stream `app`, environment `prod`.
    static func event(
        version: Int, previousVersion: Int? = nil, stream: String = "app", environment: String = "prod",
        components: [String] = ["web"], target: String = "", paths: [String] = ["roles/web/nginx.conf"],
        id: UUID = UUID()
    ) -> ChangeEvent {
        ChangeEvent(
            id: id, stream: stream, environment: environment, version: version,
            previousVersion: previousVersion ?? (version > 1 ? version - 1 : nil),
            revision: String(repeating: "a", count: 39) + String(version % 10),
            previousRevision: version > 1 ? String(repeating: "b", count: 40) : nil,
            components: components, target: target,
            changes: paths.map { FileChange(path: $0, status: .modified, blob: String(repeating: "c", count: 40)) },
            author: .init(name: "Ada Ops", email: "ada@example.com"), message: "Change \(version)",
            committedAt: date, publishedAt: date, publisher: "git-1", forced: false)
    }

    /// A host subscribed to `patterns` with the given facts and watch globs.
    static func host(
        _ patterns: [String] = ["app.prod.*"], facts: Facts = ["env": .string("prod"), "role": .string("web")],
        watch: [String] = []
    ) throws -> HostProfile {
        HostProfile(
            hostID: "web-1", facts: facts, subscriptions: try patterns.map { try TopicPattern($0) },
            watch: try watch.map { try Glob($0) })
    }

    /// The result an agent would publish for `event`.
    static func result(_ event: ChangeEvent, _ outcome: Outcome, components: [String]? = nil) -> ChangeResult {
        ChangeResult(
            id: UUID(), eventId: event.id, stream: event.stream, environment: event.environment,
            version: event.version, host: "web-1", outcome: outcome, reason: "test",
            components: components ?? event.components, startedAt: date, finishedAt: date.addingTimeInterval(2),
            durationMs: 2000, dryRun: false, redelivered: false, agentVersion: "0.1.0")
    }

    /// State after converging and reporting `event` with `outcome`.
    static func state(after events: [(ChangeEvent, Outcome)], base: AgentState = AgentState()) -> AgentState {
        var state = base
        for (event, outcome) in events {
            state.beginConvergence(event.id)
            state.finishConvergence(event, components: event.components, result: result(event, outcome))
            state.markReported(eventID: event.id, outcome: outcome, at: date)
        }
        return state
    }
}
