import Agent
import ChangeBus
import Crypto
import Foundation
import Testing

/// The pure decision: topic patterns, verification and every path of `Decider.decide`.
@Suite struct DecisionTests {
    // MARK: - Topic patterns

    @Test(arguments: [
        ("app.prod.web", "app.prod.web", true),
        ("app.prod.web", "app.prod.db", false),
        ("app.prod.web", "app.prod", false),
        ("app.*.web", "app.stage.web", true),
        ("app.*.web", "app.web", false),  // * is exactly one word
        ("app.*.web", "app.a.b.web", false),
        ("app.prod.*", "app.prod.web", true),
        ("app.prod.*", "app.prod", false),
        ("app.prod.*", "app.prod.web.extra", false),
        ("#", "app.prod.web", true),
        ("#", "", true),
        ("*", "", false),
        ("#.web", "app.prod.web", true),  // # at the start
        ("#.web", "web", true),
        ("#.web", "app.prod.db", false),
        ("app.#.web", "app.web", true),  // # in the middle: zero words
        ("app.#.web", "app.prod.eu.web", true),
        ("app.#.web", "app.prod.db", false),
        ("app.#", "app", true),  // # at the end
        ("app.#", "app.prod.web", true),
        ("app.#", "other.prod.web", false),
        ("#.#", "a.b", true),
        ("*.#.*", "a", false),
        ("*.#.*", "a.b", true),
        // Empty words in routing keys, split as RabbitMQ splits them.
        ("app.*.web", "app..web", true),
        ("app.#", "app.", true),
        ("app.prod", "app.prod.", false),
        ("#.web", ".web", true),
    ])
    func topicPatternMatching(pattern: String, key: String, expected: Bool) throws {
        #expect(try TopicPattern(pattern).matches(key) == expected, "\(pattern) vs \(key)")
    }

    @Test(arguments: ["", "app..web", ".app", "app.", "App.prod", "app.pr*d", "app.#x", "app.prod web"])
    func badTopicPatternsNameThePattern(pattern: String) {
        #expect(throws: TopicPatternError.self) { try TopicPattern(pattern) }
        do {
            _ = try TopicPattern(pattern)
        } catch {
            #expect(error.pattern == pattern)
            #expect(error.description.hasPrefix("topic pattern \"\(pattern)\": "))
        }
    }

    // MARK: - Verifier

    struct Signed {
        let signer = MessageSigner(key: SigningKey.generate())
        var verifier: Verifier { Verifier(trust: TrustStore(keys: [signer.verifyingKey]), maxMessageBytes: 64 * 1024) }

        func message(_ body: Data) -> IncomingMessage {
            let headers = signer.sign(body: body)
            return IncomingMessage(body: body, keyID: headers.keyID.rawValue, signature: headers.signature, routingKey: "app.prod.web")
        }
    }

    func invalidReason(_ verification: Verification) -> (String, ChangeEvent.Peek)? {
        guard case .invalid(let reason, let peek) = verification else { return nil }
        return (reason, peek)
    }

    @Test func verifierAcceptsASignedValidEvent() throws {
        let signed = Signed()
        let event = Fixture.event(version: 3)
        guard case .valid(let decoded) = signed.verifier.verify(signed.message(try MessageCoding.encode(event))) else {
            Issue.record("expected valid")
            return
        }
        #expect(decoded == event)
    }

    @Test func verifierRefusesOversizedBodiesWithoutParsingThem() throws {
        let signed = Signed()
        var event = Fixture.event(version: 3)
        event.message = String(repeating: "x", count: 70_000)
        let body = try MessageCoding.encode(event)
        let (reason, peek) = try #require(invalidReason(signed.verifier.verify(signed.message(body))))
        #expect(reason == "message of \(body.count) bytes exceeds the limit of 65536")
        #expect(peek == ChangeEvent.Peek())
    }

    @Test func verifierRefusesMissingSignatures() throws {
        let event = Fixture.event(version: 3)
        let body = try MessageCoding.encode(event)
        let (reason, peek) = try #require(invalidReason(Signed().verifier.verify(IncomingMessage(body: body))))
        #expect(reason == "unsigned message: missing header x-changebus-key-id and x-changebus-signature")
        // What could be read goes into the rejected result.
        #expect(peek == ChangeEvent.Peek(id: event.id, stream: "app", environment: "prod", version: 3, components: ["web"]))
    }

    @Test func verifierRefusesAlteredBodies() throws {
        let signed = Signed()
        var message = signed.message(try MessageCoding.encode(Fixture.event(version: 3)))
        message.body = try MessageCoding.encode(Fixture.event(version: 4))
        let (reason, _) = try #require(invalidReason(signed.verifier.verify(message)))
        #expect(reason == "signature by key \(signed.signer.keyID) does not verify: the body was altered or was not signed by that key")
    }

    @Test func verifierRefusesUnknownKeys() throws {
        let stranger = Signed()
        let message = stranger.message(try MessageCoding.encode(Fixture.event(version: 3)))
        let (reason, _) = try #require(invalidReason(Signed().verifier.verify(message)))
        #expect(reason == "signed with unknown key id '\(stranger.signer.keyID)': no trusted public key has that id")
    }

    @Test func verifierRefusesMalformedJSONEvenWhenSigned() throws {
        let signed = Signed()
        let (reason, peek) = try #require(invalidReason(signed.verifier.verify(signed.message(Data("{\"id\": ".utf8)))))
        #expect(reason == "change event: not valid JSON")
        #expect(peek == ChangeEvent.Peek())
    }

    @Test func verifierRefusesTheWrongSchema() throws {
        let signed = Signed()
        let result = Fixture.result(Fixture.event(version: 3), .applied)
        let (reason, _) = try #require(invalidReason(signed.verifier.verify(signed.message(try MessageCoding.encode(result)))))
        #expect(reason == "change event: field \"schema\": \"changebus.result/v1\" is not a change event schema (expected changebus.change/v1)")
    }

    @Test func verifierRefusesInvalidFields() throws {
        let signed = Signed()
        let body = try MessageCoding.encode(Fixture.event(version: 3))
        let edited = Data(String(decoding: body, as: UTF8.self).replacingOccurrences(of: "\"version\":3", with: "\"version\":\"3\"").utf8)
        let (reason, _) = try #require(invalidReason(signed.verifier.verify(signed.message(edited))))
        #expect(reason == "change event: field \"version\": expected an integer, found a string")
    }

    // MARK: - Decide: ids seen before

    @Test func reportedEventIsAckedOnly() throws {
        let event = Fixture.event(version: 3)
        let state = Fixture.state(after: [(event, .applied)])
        #expect(Decider.decide(event, host: try Fixture.host(), state: state, queued: []) == .alreadyReported(.applied))
    }

    @Test func failedEventCountsAsReported() throws {
        let event = Fixture.event(version: 3)
        var state = AgentState()
        state.beginConvergence(event.id)
        state.finishConvergence(event, components: ["web"], result: Fixture.result(event, .failed))
        state.markReported(eventID: event.id, outcome: .failed)
        #expect(state.appliedVersion(stream: "app", environment: "prod", component: "web") == nil)
        #expect(Decider.decide(event, host: try Fixture.host(), state: state, queued: []) == .alreadyReported(.failed))
        // A newer event converges again.
        let newer = Fixture.event(version: 4)
        #expect(Decider.decide(newer, host: try Fixture.host(), state: state, queued: [])
            == .converge(components: ["web"], missedVersions: [], retry: false))
    }

    @Test func unconfirmedResultIsResent() throws {
        let event = Fixture.event(version: 3)
        var state = AgentState()
        state.beginConvergence(event.id)
        let result = Fixture.result(event, .applied)
        state.finishConvergence(event, components: ["web"], result: result)
        // Crashed before the broker confirmed the result.
        #expect(Decider.decide(event, host: try Fixture.host(), state: state, queued: []) == .resend(result))
        state.markReported(eventID: event.id, outcome: .applied)
        #expect(Decider.decide(event, host: try Fixture.host(), state: state, queued: []) == .alreadyReported(.applied))
    }

    @Test func diedWhileConvergingRetries() throws {
        let event = Fixture.event(version: 3)
        var state = AgentState()
        state.beginConvergence(event.id)
        #expect(Decider.decide(event, host: try Fixture.host(), state: state, queued: [])
            == .converge(components: ["web"], missedVersions: [], retry: true))
        // Another event is not a retry.
        #expect(Decider.decide(Fixture.event(version: 4), host: try Fixture.host(), state: state, queued: [])
            == .converge(components: ["web"], missedVersions: [], retry: false))
    }

    // MARK: - Decide: subscriptions and versions

    @Test func eventForOtherComponentsIsSkipped() throws {
        // Reached the queue as a CC of a component this host does not subscribe to.
        let event = Fixture.event(version: 3, components: ["db", "cache"])
        let decision = Decider.decide(event, host: try Fixture.host(["app.prod.web", "app.stage.*"]), state: AgentState(), queued: [])
        #expect(decision == .report(
            outcome: .skipped, reason: "no subscribed component: no subscription matches app.prod.db, app.prod.cache",
            components: ["db", "cache"], factsDigest: nil))
    }

    @Test func onlySubscribedComponentsConverge() throws {
        let event = Fixture.event(version: 3, components: ["db", "web", "lb"])
        let decision = Decider.decide(event, host: try Fixture.host(["app.prod.web", "#.lb"]), state: AgentState(), queued: [])
        #expect(decision == .converge(components: ["web", "lb"], missedVersions: [], retry: false))
    }

    @Test func eventAtOrBelowAppliedVersionsIsStale() throws {
        let applied = Fixture.state(after: [
            (Fixture.event(version: 5, components: ["web"]), .applied),
            (Fixture.event(version: 7, components: ["lb"]), .unchanged),
        ])
        let event = Fixture.event(version: 5, components: ["web", "lb", "db"])
        let decision = Decider.decide(event, host: try Fixture.host(["app.prod.web", "app.prod.lb"]), state: applied, queued: [])
        #expect(decision == .report(
            outcome: .stale, reason: "already applied: web at version 5, lb at version 7 (this event is version 5)",
            components: ["web", "lb"], factsDigest: nil))
        // One taken component behind: not stale, converge all taken ones.
        let withDB = Decider.decide(event, host: try Fixture.host(["app.prod.*"]), state: applied, queued: [])
        #expect(withDB == .converge(components: ["web", "lb", "db"], missedVersions: [], retry: false))
    }

    // MARK: - Decide: superseded

    @Test func fiftyQueuedVersionsConvergeOnlyTheNewest() throws {
        let host = try Fixture.host()
        let events = (1...50).map { Fixture.event(version: $0, components: ["web", "db"]) }
        var state = AgentState()
        var converged: [Int] = []
        for (index, event) in events.enumerated() {
            let queued = Array(events[(index + 1)...])
            switch Decider.decide(event, host: host, state: state, queued: queued) {
            case .report(.superseded, let reason, let components, nil):
                #expect(reason == "superseded by version 50 (event \(events[49].id)), already delivered")
                #expect(components == ["web", "db"])
                state.recordResult(Fixture.result(event, .superseded))
                state.markReported(eventID: event.id, outcome: .superseded)
            case .converge(let components, let missed, false):
                converged.append(event.version)
                #expect(components == ["web", "db"])
                // The superseded ones were reported, so none was missed.
                #expect(missed == [])
                state = Fixture.state(after: [(event, .applied)], base: state)
            case let other:
                Issue.record("version \(event.version): unexpected \(other)")
            }
        }
        #expect(converged == [50])
        #expect(state.appliedVersion(stream: "app", environment: "prod", component: "web") == 50)
    }

    @Test func componentsAThenBBothConverge() throws {
        let host = try Fixture.host()
        let a = Fixture.event(version: 1, components: ["a"])
        let b = Fixture.event(version: 2, components: ["b"])
        #expect(Decider.decide(a, host: host, state: AgentState(), queued: [b]) == .converge(components: ["a"], missedVersions: [], retry: false))
        let afterA = Fixture.state(after: [(a, .applied)])
        #expect(Decider.decide(b, host: host, state: afterA, queued: []) == .converge(components: ["b"], missedVersions: [], retry: false))
    }

    @Test func supersededOnlyByANewerEventOfTheSameStreamThatThisHostConverges() throws {
        let host = try Fixture.host(facts: ["role": .string("web")], watch: ["roles/web/**"])
        let event = Fixture.event(version: 3, components: ["web"])
        let converge = Decision.converge(components: ["web"], missedVersions: [], retry: false)
        let notSuperseding = [
            Fixture.event(version: 2, components: ["web"]),  // older
            Fixture.event(version: 4, environment: "stage", components: ["web"]),
            Fixture.event(version: 4, stream: "infra", components: ["web"]),
            Fixture.event(version: 4, components: ["db"]),  // does not cover web
            Fixture.event(version: 4, components: ["web"], target: "role == \"db\""),  // this host skips it
            Fixture.event(version: 4, components: ["web"], paths: ["roles/db/my.cnf"]),  // no watched path
            Fixture.event(version: 4, components: ["web"], target: "role =="),  // rejected
        ]
        for newer in notSuperseding {
            #expect(Decider.decide(event, host: host, state: AgentState(), queued: [newer]) == converge, "\(newer.stream).\(newer.environment) v\(newer.version) \(newer.components)")
        }
        let newest = Fixture.event(version: 5, components: ["web", "db"], target: "role == \"web\"")
        let decision = Decider.decide(event, host: host, state: AgentState(), queued: notSuperseding + [newest, Fixture.event(version: 4)])
        #expect(decision == .report(
            outcome: .superseded, reason: "superseded by version 5 (event \(newest.id)), already delivered",
            components: ["web"], factsDigest: nil))
        // The event itself in the queued list does not supersede it.
        #expect(Decider.decide(event, host: host, state: AgentState(), queued: [event]) == converge)
    }

    // MARK: - Decide: target and watch

    @Test func unmatchedTargetIsSkippedWithTheFactsEvaluated() throws {
        let host = try Fixture.host(facts: ["env": .string("prod"), "role": .string("db"), "cpus": .number(8)])
        let event = Fixture.event(version: 3, target: "env == \"prod\" and role == \"web\" and exists(rack)")
        let decision = Decider.decide(event, host: host, state: AgentState(), queued: [])
        #expect(decision == .report(
            outcome: .skipped,
            reason: "target \"env == \"prod\" and role == \"web\" and exists(rack)\" does not match (facts: env=prod, role=db)",
            components: ["web"],
            factsDigest: Decider.factsDigest(["env": .string("prod"), "role": .string("db")])))
        let missing = Decider.decide(Fixture.event(version: 3, target: "exists(rack) or role == \"web\""), host: host, state: AgentState(), queued: [])
        guard case .report(.skipped, let reason, _, _) = missing else {
            Issue.record("expected skipped, got \(missing)")
            return
        }
        #expect(reason.hasSuffix("does not match (facts: role=db; missing: rack)"))
    }

    @Test func matchedOrEmptyTargetConverges() throws {
        let host = try Fixture.host()
        for target in ["", "  ", "env == \"prod\" and role in [\"web\", \"lb\"]"] {
            #expect(Decider.decide(Fixture.event(version: 1, target: target), host: host, state: AgentState(), queued: [])
                == .converge(components: ["web"], missedVersions: [], retry: false), "target \(target)")
        }
    }

    @Test func unparsableTargetIsRejected() throws {
        let event = Fixture.event(version: 3, target: "role == ")
        let decision = Decider.decide(event, host: try Fixture.host(), state: AgentState(), queued: [])
        guard case .report(.rejected, let reason, let components, nil) = decision else {
            Issue.record("expected rejected, got \(decision)")
            return
        }
        #expect(reason.hasPrefix("target does not parse: "))
        #expect(reason.count > "target does not parse: ".count)
        #expect(components == ["web"])
    }

    @Test func unwatchedChangesAreSkipped() throws {
        let host = try Fixture.host(watch: ["roles/web/**", "**/*.conf"])
        let event = Fixture.event(version: 3, paths: ["roles/db/my.cnf", "README.md"])
        #expect(Decider.decide(event, host: host, state: AgentState(), queued: []) == .report(
            outcome: .skipped, reason: "no watched path changed (watch: roles/web/**, **/*.conf)",
            components: ["web"], factsDigest: nil))
        let watched = Fixture.event(version: 3, paths: ["README.md", "lb/haproxy.conf"])
        #expect(Decider.decide(watched, host: host, state: AgentState(), queued: [])
            == .converge(components: ["web"], missedVersions: [], retry: false))
        // A rename out of a watched folder concerns the host too.
        var renamed = Fixture.event(version: 3, paths: [])
        renamed.changes = [FileChange(path: "old/site", status: .renamed, oldPath: "roles/web/site", blob: String(repeating: "d", count: 40))]
        #expect(Decider.decide(renamed, host: host, state: AgentState(), queued: [])
            == .converge(components: ["web"], missedVersions: [], retry: false))
    }

    // MARK: - Decide: version jumps

    @Test func versionJumpReportsTheMissedVersions() throws {
        let host = try Fixture.host()
        let state = Fixture.state(after: [(Fixture.event(version: 4), .applied)])
        #expect(Decider.decide(Fixture.event(version: 7, previousVersion: 6), host: host, state: state, queued: [])
            == .converge(components: ["web"], missedVersions: [5, 6], retry: false))
        // No jump: the previous version is the applied one.
        #expect(Decider.decide(Fixture.event(version: 5, previousVersion: 4), host: host, state: state, queued: [])
            == .converge(components: ["web"], missedVersions: [], retry: false))
        // Nothing applied yet: nothing to compare with.
        #expect(Decider.decide(Fixture.event(version: 7, previousVersion: 6), host: host, state: AgentState(), queued: [])
            == .converge(components: ["web"], missedVersions: [], retry: false))
    }

    @Test func versionsReportedOtherwiseAreNotMissed() throws {
        let host = try Fixture.host()
        var state = Fixture.state(after: [(Fixture.event(version: 4), .applied)])
        let skipped = Fixture.event(version: 5, target: "role == \"db\"")
        state.recordResult(Fixture.result(skipped, .skipped))
        state.markReported(eventID: skipped.id, outcome: .skipped)
        let superseded = Fixture.event(version: 7)
        state.recordResult(Fixture.result(superseded, .superseded))  // not yet confirmed: still known
        #expect(Decider.decide(Fixture.event(version: 9, previousVersion: 8), host: host, state: state, queued: [])
            == .converge(components: ["web"], missedVersions: [6, 8], retry: false))
    }

    @Test func missedVersionsAreCapped() throws {
        let state = Fixture.state(after: [(Fixture.event(version: 1), .applied)])
        let decision = Decider.decide(Fixture.event(version: 5_000, previousVersion: 4_999), host: try Fixture.host(), state: state, queued: [])
        guard case .converge(_, let missed, _) = decision else {
            Issue.record("expected converge, got \(decision)")
            return
        }
        #expect(missed.count == Decider.maxMissedVersions)
        #expect(missed.first == 2)
        #expect(missed.last == 1_001)
    }

    @Test func factsDigestIsCanonical() {
        let a: Facts = ["role": .string("web"), "env": .string("prod"), "cpus": .number(8), "tags": .list([.string("x"), .bool(true)])]
        var b: Facts = [:]
        for key in ["tags", "cpus", "env", "role"] { b[key] = a[key] }
        #expect(Decider.factsDigest(a) == Decider.factsDigest(b))
        #expect(Decider.factsDigest(a).count == 64)
        #expect(Decider.factsDigest(a) != Decider.factsDigest(["role": .string("web")]))
        // SHA-256 of `{}`.
        #expect(Decider.factsDigest([:]) == "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")
    }
}
