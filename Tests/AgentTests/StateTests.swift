import Agent
import ChangeBus
import Foundation
import Glibc
import Testing

/// The agent's local state and its file: at least once, idempotent, across crashes.
@Suite struct StateTests {
    // MARK: - State transitions

    @Test func appliedVersionsOnlyRise() {
        let v5 = Fixture.event(version: 5, components: ["web", "db"])
        let v3 = Fixture.event(version: 3, components: ["web", "lb"])
        let state = Fixture.state(after: [(v5, .applied), (v3, .unchanged)])
        #expect(state.appliedVersion(stream: "app", environment: "prod", component: "web") == 5)
        #expect(state.appliedVersion(stream: "app", environment: "prod", component: "db") == 5)
        #expect(state.appliedVersion(stream: "app", environment: "prod", component: "lb") == 3)
        #expect(state.appliedVersion(stream: "app", environment: "stage", component: "web") == nil)
        #expect(state.applied["app/prod/web"]?.eventId == v5.id)
        #expect(state.applied["app/prod/web"]?.appliedAt == Fixture.date.addingTimeInterval(2))
        #expect(state.appliedList.map(\.component) == ["db", "lb", "web"])
        #expect(state.inProgress == nil)
        #expect(state.unconfirmed.isEmpty)
        #expect(state.reported.map(\.eventId) == [v5.id, v3.id])
    }

    @Test func failedAndTimeoutRecordNoVersion() {
        for outcome in [Outcome.failed, .timeout] {
            let event = Fixture.event(version: 2)
            var state = AgentState()
            state.beginConvergence(event.id)
            #expect(state.inProgress == event.id)
            state.finishConvergence(event, components: ["web"], result: Fixture.result(event, outcome))
            #expect(state.applied.isEmpty)
            #expect(state.inProgress == nil)
            #expect(state.unconfirmed.map(\.outcome) == [outcome])
        }
    }

    @Test func recordResultReplacesTheSameEventsResultAndClearsTheMark() {
        let event = Fixture.event(version: 2)
        var state = AgentState()
        state.beginConvergence(event.id)
        state.recordResult(Fixture.result(event, .timeout))
        #expect(state.inProgress == nil)
        let second = Fixture.result(event, .failed)
        state.recordResult(second)
        #expect(state.unconfirmed == [second])
        state.markReported(eventID: event.id, outcome: .failed)
        #expect(state.unconfirmed.isEmpty)
        #expect(state.outcome(of: event.id) == .failed)
        #expect(state.reported.last?.version == 2)
        // Confirmed twice (a resend): remembered once.
        state.markReported(eventID: event.id, outcome: .failed)
        #expect(state.reported.count == 1)
    }

    @Test func rejectedResultsAreNeverMatchedByEventID() throws {
        // A forged message may carry the id of a real event: its rejection must not make
        // the agent resend, ack or forget the real one.
        let event = Fixture.event(version: 2)
        var state = AgentState()
        state.beginConvergence(event.id)
        var forged = Fixture.result(event, .rejected)
        forged.reason = "signature does not verify"
        state.recordResult(forged)
        #expect(state.inProgress == event.id)
        #expect(state.unconfirmedResult(of: event.id) == nil)
        #expect(Decider.decide(event, host: try Fixture.host(), state: state, queued: [])
            == .converge(components: ["web"], missedVersions: [], retry: true))
        state.markReported(eventID: event.id, outcome: .rejected)
        #expect(state.unconfirmed.isEmpty)
        #expect(state.outcome(of: event.id) == nil)
        // A rejected result without an event id is confirmed the same way.
        var anonymous = forged
        anonymous.eventId = nil
        state.recordResult(anonymous)
        state.markReported(eventID: nil, outcome: .rejected)
        #expect(state.unconfirmed.isEmpty)
        #expect(state.reported.isEmpty)
    }

    @Test func reportedKeepsTheNewestTenThousand() {
        var state = AgentState()
        let ids = (0..<(AgentState.maxReported + 5)).map { _ in UUID() }
        for id in ids { state.markReported(eventID: id, outcome: .skipped) }
        #expect(state.reported.count == AgentState.maxReported)
        #expect(state.reported.first?.eventId == ids[5])
        #expect(state.outcome(of: ids[4]) == nil)
        #expect(state.outcome(of: ids[5]) == .skipped)
        #expect(state.outcome(of: ids.last!) == .skipped)
    }

    @Test func crashAtEveryStepEndsWithOneResult() throws {
        let host = try Fixture.host()
        let event = Fixture.event(version: 2)
        var state = AgentState()
        // 1. Delivered: converge.
        #expect(Decider.decide(event, host: host, state: state, queued: []) == .converge(components: ["web"], missedVersions: [], retry: false))
        state.beginConvergence(event.id)
        // 2. Killed mid-convergence, redelivered: converge again.
        #expect(Decider.decide(event, host: host, state: state, queued: []) == .converge(components: ["web"], missedVersions: [], retry: true))
        let result = Fixture.result(event, .applied)
        state.finishConvergence(event, components: ["web"], result: result)
        // 3. Killed before the confirm: resend the same result.
        #expect(Decider.decide(event, host: host, state: state, queued: []) == .resend(result))
        state.markReported(eventID: event.id, outcome: .applied)
        // 4. Killed before the ack: ack only.
        #expect(Decider.decide(event, host: host, state: state, queued: []) == .alreadyReported(.applied))
    }

    // MARK: - State file

    @Test func missingFileIsAFreshStateInANewFolder() throws {
        let folder = try TemporaryFolder()
        let store = StateStore(directory: folder.path + "/var/lib/changebus")
        #expect(try store.load() == AgentState())
        var info = stat()
        #expect(stat(folder.path + "/var/lib/changebus", &info) == 0)
        #expect(info.st_mode & 0o777 == 0o700)
    }

    @Test func stateRoundTrips() throws {
        let folder = try TemporaryFolder()
        let store = StateStore(directory: folder.path)
        let applied = Fixture.event(version: 4, components: ["web", "db"])
        let pending = Fixture.event(version: 5)
        var state = Fixture.state(after: [(applied, .applied)])
        state.recordResult(Fixture.result(pending, .skipped))
        state.beginConvergence(UUID())
        state.paused = true
        try store.save(state)
        let loaded = try store.load()
        #expect(loaded == state)
        #expect(loaded.reported.first?.at == state.reported.first?.at)
        let text = try String(contentsOfFile: store.path, encoding: .utf8)
        #expect(text.contains("\"in_progress\":"))
        #expect(text.contains("\"app/prod/web\":"))
        var info = stat()
        #expect(stat(store.path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
    }

    @Test func saveReplacesAtomicallyAndLeavesNoTemporaryFiles() throws {
        let folder = try TemporaryFolder()
        let store = StateStore(directory: folder.path)
        var state = AgentState()
        for version in 1...5 {
            state = Fixture.state(after: [(Fixture.event(version: version), .applied)], base: state)
            try store.save(state)
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["state.json"])
        }
        #expect(try store.load().appliedVersion(stream: "app", environment: "prod", component: "web") == 5)
    }

    @Test func saveIntoAMissingFolderNamesIt() throws {
        let folder = try TemporaryFolder()
        let store = StateStore(directory: folder.path + "/gone")
        #expect {
            try store.save(AgentState())
        } throws: { error in
            (error as? StateError)?.description.hasPrefix(folder.path + "/gone/.state.json.") == true
                && (error as? StateError)?.message == "cannot create: No such file or directory"
        }
    }

    @Test(arguments: ["", "{not json", "{\"applied\": 5}", "[]"])
    func corruptFileIsAnErrorNotAReset(content: String) throws {
        let folder = try TemporaryFolder()
        let store = StateStore(directory: folder.path)
        try Data(content.utf8).write(to: URL(fileURLWithPath: store.path))
        #expect {
            try store.load()
        } throws: { error in
            guard let error = error as? StateError else { return false }
            return error.path == store.path && error.message.hasPrefix("corrupt state file (")
        }
        // The file is left for a person to look at.
        #expect(try String(contentsOfFile: store.path, encoding: .utf8) == content)
    }

    @Test func olderFilesWithoutNewFieldsLoad() throws {
        let folder = try TemporaryFolder()
        let store = StateStore(directory: folder.path)
        try Data("{\"paused\": true}".utf8).write(to: URL(fileURLWithPath: store.path))
        var expected = AgentState()
        expected.paused = true
        #expect(try store.load() == expected)
    }
}

/// A folder under /tmp removed with its contents when the test ends.
private final class TemporaryFolder {
    let path: String

    init() throws {
        var template = Array("/tmp/changebus-state-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
        path = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
