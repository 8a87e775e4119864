import Foundation
import Testing

@testable import ChangeBus

/// Realistic messages, with millisecond-exact dates so that they survive a round trip.
enum MessageFixtures {
    static func date(_ text: String) -> Date {
        guard let date = MessageCoding.parseTimestamp(text) else { fatalError("bad fixture date \(text)") }
        return date
    }

    static let nginx = Data("server {\n    listen 80;\n    root /srv/www;\n}\n".utf8)

    static let event = ChangeEvent(
        id: UUID(uuidString: "5d2f8a3e-7c41-4b9a-8e6f-1a2b3c4d5e6f")!,
        stream: "app", environment: "prod", version: 8, previousVersion: 7,
        revision: "3b18e512dba79e4c8300dd08aeb37f8e728b8dad",
        previousRevision: "9fceb02d0ae598e95dc970b74767f19372d61af8",
        components: ["web", "common"],
        target: #"role in ["web", "lb"] and not hostname =~ "^canary-""#,
        changes: [
            FileChange(path: "roles/web/nginx.conf", status: .modified, blob: "d988f4e4f227b9e44ac72bc86ce54ba3ffa8823f"),
            FileChange(path: "roles/web/site/index.html", status: .renamed, oldPath: "roles/web/index.html", blob: "6e7c1e6ac83f364ec51e595dbac9d81eb4d19590"),
            FileChange(path: "common/motd.old", status: .deleted),
        ],
        files: [
            InlineFile(
                path: "roles/web/nginx.conf", component: "web", mode: 0o644, content: nginx.base64EncodedString(),
                sha256: "7a3b1f6a3f0c1a7f3e1f1f0e7d2c3b4a5968778695a4b3c2d1e0f9e8d7c6b5a4", size: nginx.count),
            InlineFile(
                path: "roles/web/reload.sh", component: "web", mode: 0o755,
                content: Data("#!/bin/sh\nnginx -s reload\n".utf8).base64EncodedString(),
                sha256: "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0", size: 26),
        ],
        deleted: ["common/motd.old", "roles/web/index.html"],
        author: .init(name: "Bob Ops", email: "bob@example.com"),
        message: "web: move index, reload script\n\nAlso replace the motd.",
        committedAt: date("2026-12-05T07:00:00Z"), publishedAt: date("2026-12-05T07:00:04.500Z"),
        publisher: "git.example.com", forced: true)

    static let result = ChangeResult(
        id: UUID(uuidString: "7e4b2c90-1d3f-4a5e-b6c7-8d9e0f1a2b3c")!, eventId: event.id,
        messageId: event.id.uuidString, stream: "app", environment: "prod", version: 8, host: "web-1",
        outcome: .applied, reason: "2 files written", components: ["web", "common"], missedVersions: [6],
        startedAt: date("2026-12-05T07:00:04.612Z"), finishedAt: date("2026-12-05T07:00:04.731Z"),
        durationMs: 119, exitCode: 2, outputTail: "Notice: Applied catalog in 0.12 seconds\n",
        dryRun: false, redelivered: true, agentVersion: "0.1.0")

    static let presence = Presence(
        id: UUID(uuidString: "2f1e0d9c-8b7a-4695-a4b3-c2d1e0f9a8b7")!, host: "web-1", status: .heartbeat,
        at: date("2026-12-05T07:00:30.001Z"), agentVersion: "0.1.0",
        facts: ["env": .string("prod"), "role": .string("web"), "cpus": .number(4), "load": .number(0.25),
                "virtual": .bool(true), "roles": .list([.string("web"), .string("lb")]), "os.family": .string("Debian")],
        factsDigest: "4f9c2d6b8a1e3f5c7d9b0a2c4e6f8a1b3d5f7a9c1e3b5d7f9a2c4e6b8d0f1a3c",
        bindings: ["app.prod.web", "app.prod.common", "infra.*.web", "ops.#"], queue: "changebus.host.web-1",
        paused: false,
        applied: [AppliedVersion(
            stream: "app", environment: "prod", component: "web", version: 7,
            eventId: UUID(uuidString: "0b9e6f1c-3f2a-4c7e-9d1b-5a8e2f4c6d10")!, appliedAt: date("2026-12-04T19:47:31.002Z"))],
        inProgress: event.id)

    static let control = ControlMessage(
        id: UUID(uuidString: "6c7d8e9f-0a1b-4c2d-8e3f-4a5b6c7d8e9f")!, command: .pause, target: "web-2",
        issuedAt: date("2026-12-05T10:15:00.250Z"), issuedBy: "alice@ops-1", reason: "disk replacement")

    static let auditBody = Data(#"{"schema":"changebus.control/v1"}"#.utf8)

    static let audit = AuditRecord(
        seq: 2, recordedAt: date("2026-12-06T10:00:01.020Z"), exchange: "changebus.control", routingKey: "web-2",
        messageId: "6c7d8e9f-0a1b-4c2d-8e3f-4a5b6c7d8e9f",
        headers: [
            "x-changebus-key-id": .string("3f2a4c7e9d1b5a8e"), "x-retries": .int(3), "x-urgent": .bool(false),
            "x-ratio": .double(0.25), "x-token": .bytes(Data([0, 1, 0xFE])),
            "x-death": .array([.table(["count": .int(1), "queue": .string("changebus.host.db-1")])]),
        ],
        body: auditBody.base64EncodedString(),
        bodySha256: "9b2d7e1f4c6a8b0d2e4f6a8c0b2d4f6e8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b",
        prevHash: "2b1700e0fbf8f44aba4e882a49e4bd2f20f652725577f83b8cd93afe85192609",
        hash: "c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2")
}

/// Runs `scripts/check-schemas` and returns its exit status and combined output.
enum SchemaChecker {
    static let repoRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let outputURL = FileManager.default.temporaryDirectory.appendingPathComponent("check-schemas-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outputURL) }
        // A file rather than a pipe: nothing can block on a full pipe buffer.
        let output = try FileHandle(forWritingTo: outputURL)
        defer { try? output.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", repoRoot.appendingPathComponent("scripts/check-schemas").path] + arguments
        process.currentDirectoryURL = repoRoot
        process.standardOutput = output
        process.standardError = output
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        let text = (try? String(contentsOf: outputURL, encoding: .utf8)) ?? ""
        if status == 127 {
            Issue.record("python3 was not found on PATH: install python3 and the jsonschema package (scripts/deps)")
        }
        return (status, text)
    }
}

@Suite("Messages")
struct MessagesTests {
    // MARK: - Round trips

    func roundTrip<M: BusMessage>(_ message: M) throws {
        let data = try MessageCoding.encode(message)
        let decoded = try MessageCoding.decode(M.self, from: data)
        #expect(decoded == message)
        // Encoding is deterministic: the same message gives the same bytes.
        #expect(try MessageCoding.encode(decoded) == data)
    }

    @Test func changeEventRoundTrips() throws {
        try roundTrip(MessageFixtures.event)
        var first = MessageFixtures.event
        first.version = 1
        first.previousVersion = nil
        first.previousRevision = nil
        first.files = nil
        first.deleted = nil
        try roundTrip(first)
    }

    @Test func changeResultRoundTrips() throws {
        try roundTrip(MessageFixtures.result)
        let rejected = ChangeResult(
            id: UUID(), eventId: nil, stream: nil, environment: nil, version: nil, host: "db-1", outcome: .rejected,
            reason: "change event: not valid JSON", components: [],
            startedAt: MessageFixtures.date("2026-12-05T07:01:00Z"), finishedAt: MessageFixtures.date("2026-12-05T07:01:00Z"),
            durationMs: 0, dryRun: false, redelivered: false, agentVersion: "0.1.0")
        try roundTrip(rejected)
        for outcome in Outcome.allCases {
            var result = MessageFixtures.result
            result.outcome = outcome
            try roundTrip(result)
        }
    }

    @Test func presenceRoundTrips() throws {
        try roundTrip(MessageFixtures.presence)
        for status in Presence.Status.allCases {
            var presence = MessageFixtures.presence
            presence.status = status
            presence.inProgress = nil
            try roundTrip(presence)
        }
    }

    @Test func controlMessageRoundTrips() throws {
        try roundTrip(MessageFixtures.control)
        for command in ControlMessage.Command.allCases {
            var control = MessageFixtures.control
            control.command = command
            control.target = ControlMessage.allHosts
            control.reason = nil
            try roundTrip(control)
        }
    }

    @Test func auditRecordRoundTripsEveryHeaderKind() throws {
        try roundTrip(MessageFixtures.audit)
        let data = try MessageCoding.encode(MessageFixtures.audit)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""x-token":{"$bytes":"AAH+"}"#))
        #expect(MessageFixtures.audit.bodyBytes == MessageFixtures.auditBody)
        var first = MessageFixtures.audit
        first.seq = 1
        first.prevHash = nil
        try roundTrip(first)
    }

    // MARK: - The coder

    @Test func encodingIsCompactSortedAndWritesMillisecondUTCDates() throws {
        let text = String(decoding: try MessageCoding.encode(MessageFixtures.control), as: UTF8.self)
        #expect(text == #"{"command":"pause","id":"6C7D8E9F-0A1B-4C2D-8E3F-4A5B6C7D8E9F","issued_at":"2026-12-05T10:15:00.250Z","issued_by":"alice@ops-1","reason":"disk replacement","schema":"changebus.control/v1","target":"web-2"}"#)
        let event = String(decoding: try MessageCoding.encode(MessageFixtures.event), as: UTF8.self)
        #expect(event.contains(#""path":"roles/web/nginx.conf""#), "slashes are not escaped")
        #expect(event.contains(#""published_at":"2026-12-05T07:00:04.500Z""#))
        #expect(event.contains(#""previous_version":7"#))
    }

    @Test func timestampsRoundToTheMillisecondInUTC() {
        #expect(MessageCoding.timestamp(Date(timeIntervalSince1970: 1_796_413_650.123)) == "2026-12-04T19:47:30.123Z")
        #expect(MessageCoding.timestamp(Date(timeIntervalSince1970: 1_796_413_650.9996)) == "2026-12-04T19:47:31.000Z")
        #expect(MessageCoding.timestamp(Date(timeIntervalSince1970: -0.25)) == "1969-12-31T23:59:59.750Z")
        #expect(MessageCoding.timestamp(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
    }

    @Test(arguments: [
        ("2026-12-05T10:15:00.250Z", "2026-12-05T10:15:00.250Z"),
        ("2026-12-05T10:15:00Z", "2026-12-05T10:15:00.000Z"),
        ("2026-12-05T10:15:00.5Z", "2026-12-05T10:15:00.500Z"),
        ("2026-12-05T10:15:00.123456Z", "2026-12-05T10:15:00.123Z"),
        ("2026-12-05T11:15:00+01:00", "2026-12-05T10:15:00.000Z"),
        ("2026-12-05T06:45:00.100-03:30", "2026-12-05T10:15:00.100Z"),
        ("2024-02-29T23:59:59.999Z", "2024-02-29T23:59:59.999Z"),
    ])
    func decodesDatesWithOrWithoutFractionalSeconds(input: String, normalized: String) throws {
        let json = #"{"command":"pause","id":"6c7d8e9f-0a1b-4c2d-8e3f-4a5b6c7d8e9f","issued_at":"\#(input)","issued_by":"alice","schema":"changebus.control/v1","target":"all"}"#
        let control = try MessageCoding.decode(ControlMessage.self, from: Data(json.utf8))
        #expect(MessageCoding.timestamp(control.issuedAt) == normalized)
        #expect(control.reason == nil)
    }

    @Test(arguments: [
        "2026-12-05 10:15:00Z", "2026-12-05T10:15Z", "yesterday", "2026-12-04T25:61:00Z", "2026-02-30T10:00:00Z",
        "2026-12-05T10:15:00", "2026-12-05T10:15:00+1:00", "",
    ])
    func rejectsMalformedDates(input: String) {
        #expect(MessageCoding.parseTimestamp(input) == nil)
    }

    // MARK: - Errors name the field

    /// `MessageFixtures.event` as a JSON object, changed by `edit`, decoded as a change event.
    func decodeEdited(_ edit: (inout [String: Any]) -> Void) throws -> MessageError? {
        var object = try #require(JSONSerialization.jsonObject(with: MessageCoding.encode(MessageFixtures.event)) as? [String: Any])
        edit(&object)
        let data = try JSONSerialization.data(withJSONObject: object)
        do {
            _ = try MessageCoding.decode(ChangeEvent.self, from: data)
            return nil
        } catch {
            return error
        }
    }

    @Test func decodeErrorsNameTheFieldAndWhatWasWrong() throws {
        let versionString = try #require(try decodeEdited { $0["version"] = "8" })
        #expect(versionString.description == #"change event: field "version": expected an integer, found a string"#)

        let fraction = try #require(try decodeEdited { $0["version"] = 8.5 })
        #expect(fraction.field == "version")
        #expect(fraction.reason.hasPrefix("expected an integer"))

        let missing = try #require(try decodeEdited { $0["message"] = nil })
        #expect(missing.description == #"change event: field "message": missing required field"#)

        let null = try #require(try decodeEdited { $0["message"] = NSNull() })
        #expect(null.description == #"change event: field "message": expected a string, found null"#)

        let status = try #require(try decodeEdited {
            var changes = $0["changes"] as! [[String: Any]]
            changes[2]["status"] = "moved"
            $0["changes"] = changes
        })
        #expect(status.field == "changes[2].status")
        #expect(status.reason == #"expected one of "added", "modified", "deleted", "renamed", found "moved""#)

        let date = try #require(try decodeEdited { $0["committed_at"] = "2026-12-05 07:00" })
        #expect(date.field == "committed_at")
        #expect(date.reason.contains("RFC 3339"))

        let uuid = try #require(try decodeEdited { $0["id"] = "not-a-uuid" })
        #expect(uuid.field == "id")
        #expect(uuid.reason.hasPrefix("expected a UUID"))

        let components = try #require(try decodeEdited { $0["components"] = ["web", 7] })
        #expect(components.description == #"change event: field "components[1]": expected a string, found an integer"#)

        let unknown = try #require(try decodeEdited { $0["priority"] = 1 })
        #expect(unknown.description == #"change event: field "priority": unknown field"#)

        let nestedUnknown = try #require(try decodeEdited {
            var files = $0["files"] as! [[String: Any]]
            files[1]["owner"] = "root"
            $0["files"] = files
        })
        #expect(nestedUnknown.field == "files[1].owner")

        // An explicit null for an optional field is not an unknown field.
        #expect(try decodeEdited { $0["previous_revision"] = NSNull(); $0["previous_version"] = NSNull() } == nil)

        let dotted = try #require(try decodeEdited { $0["stream"] = "app.v2" })
        #expect(dotted.field == "stream")
        #expect(dotted.reason.contains("no dots"))

        let kind = try #require(try decodeEdited { $0["kind"] = "switch" })
        #expect(kind.field == "kind")
    }

    @Test func decodeErrorsInOtherMessagesNameTheirKind() throws {
        var result = try #require(try JSONSerialization.jsonObject(with: MessageCoding.encode(MessageFixtures.result)) as? [String: Any])
        result["outcome"] = "exploded"
        let outcome = try #require(throws: MessageError.self) {
            try MessageCoding.decode(ChangeResult.self, from: JSONSerialization.data(withJSONObject: result))
        }
        #expect(outcome.description.hasPrefix(#"change result: field "outcome": expected one of "applied""#))

        var presence = try #require(try JSONSerialization.jsonObject(with: MessageCoding.encode(MessageFixtures.presence)) as? [String: Any])
        var facts = presence["facts"] as! [String: Any]
        facts["os.family"] = ["name": "Debian"]
        presence["facts"] = facts
        let fact = try #require(throws: MessageError.self) {
            try MessageCoding.decode(Presence.self, from: JSONSerialization.data(withJSONObject: presence))
        }
        #expect(fact.kind == "presence")
        #expect(fact.field == #"facts["os.family"]"#)
    }

    @Test func rejectsUnknownSchemasAndNonObjects() throws {
        var object = try #require(try JSONSerialization.jsonObject(with: MessageCoding.encode(MessageFixtures.control)) as? [String: Any])
        func decode() throws(MessageError) {
            _ = try MessageCoding.decode(ControlMessage.self, from: try! JSONSerialization.data(withJSONObject: object))
        }
        object["schema"] = "changebus.control/v2"
        // A newer version may add fields: the schema is reported, not the fields.
        object["new_field"] = true
        let newer = try #require(throws: MessageError.self) { try decode() }
        #expect(newer.description == #"control message: field "schema": unsupported schema version "changebus.control/v2" (this build reads up to changebus.control/v1)"#)

        object["schema"] = "changebus.result/v1"
        let other = try #require(throws: MessageError.self) { try decode() }
        #expect(other.reason == #""changebus.result/v1" is not a control message schema (expected changebus.control/v1)"#)

        object["schema"] = nil
        let missing = try #require(throws: MessageError.self) { try decode() }
        #expect(missing.field == "schema")

        let notJSON = try #require(throws: MessageError.self) { try MessageCoding.decode(ChangeEvent.self, from: Data("{\"schema\":".utf8)) }
        #expect(notJSON.description == "change event: not valid JSON")
        let array = try #require(throws: MessageError.self) { try MessageCoding.decode(ChangeEvent.self, from: Data("[1]".utf8)) }
        #expect(array.description == "change event: expected a JSON object, found an array")

        #expect(ChangeEvent.readableSchemaIDs == ["changebus.change/v1"])
        #expect(ChangeEvent.schemaID == "changebus.change/v\(ChangeEvent.maxSchemaVersion)")
    }

    // MARK: - Validation beyond types

    @Test func encodingValidatesFirst() throws {
        var event = MessageFixtures.event
        event.version = 0
        event.previousVersion = nil
        let zero = try #require(throws: MessageError.self) { try MessageCoding.encode(event) }
        #expect(zero.description == #"change event: field "version": expected an integer >= 1, found 0"#)

        event = MessageFixtures.event
        event.previousVersion = 8
        #expect(throws: MessageError.self) { try MessageCoding.encode(event) }

        event = MessageFixtures.event
        event.files![1].component = "db"
        let component = try #require(throws: MessageError.self) { try MessageCoding.encode(event) }
        #expect(component.field == "files[1].component")

        event = MessageFixtures.event
        event.deleted = ["roles/web/reload.sh"]
        let both = try #require(throws: MessageError.self) { try MessageCoding.encode(event) }
        #expect(both.field == "deleted[0]")

        event = MessageFixtures.event
        event.files![0].path = "../etc/passwd"
        let escape = try #require(throws: MessageError.self) { try MessageCoding.encode(event) }
        #expect(escape.field == "files[0].path")

        event = MessageFixtures.event
        event.changes[1].oldPath = nil
        let rename = try #require(throws: MessageError.self) { try MessageCoding.encode(event) }
        #expect(rename.description == #"change event: field "changes[1].old_path": required when status is "renamed""#)

        var presence = MessageFixtures.presence
        presence.facts["load"] = .number(.nan)
        let nan = try #require(throws: MessageError.self) { try MessageCoding.encode(presence) }
        #expect(nan.kind == "presence")

        var audit = MessageFixtures.audit
        audit.prevHash = nil
        let chain = try #require(throws: MessageError.self) { try MessageCoding.encode(audit) }
        #expect(chain.field == "prev_hash")
    }

    @Test func changedPathsListPathsAndOldPathsOnce() {
        var event = MessageFixtures.event
        event.changes.append(FileChange(path: "roles/web/index.html", status: .added, blob: "6e7c1e6ac83f364ec51e595dbac9d81eb4d19590"))
        #expect(event.changedPaths == [
            "roles/web/nginx.conf", "roles/web/site/index.html", "roles/web/index.html", "common/motd.old",
        ])
    }

    @Test func peekReadsWhatAMalformedEventStillHas() {
        let body = Data(#"{"id":"5d2f8a3e-7c41-4b9a-8e6f-1a2b3c4d5e6f","stream":"App.Bad","environment":"prod","version":"8","components":["web","web","Bad.One"]}"#.utf8)
        #expect(ChangeEvent.peek(body) == ChangeEvent.Peek(
            id: MessageFixtures.event.id, stream: nil, environment: "prod", version: nil, components: ["web"]))
        #expect(ChangeEvent.peek(Data("garbage".utf8)) == ChangeEvent.Peek())
    }

    // MARK: - Swift and the schemas agree

    /// Decodes `data` as the message type that the schema `name` describes.
    func decode(schema name: String, _ data: Data) throws(MessageError) {
        switch name {
        case "change": _ = try MessageCoding.decode(ChangeEvent.self, from: data)
        case "result": _ = try MessageCoding.decode(ChangeResult.self, from: data)
        case "presence": _ = try MessageCoding.decode(Presence.self, from: data)
        case "control": _ = try MessageCoding.decode(ControlMessage.self, from: data)
        case "audit-record": _ = try MessageCoding.decode(AuditRecord.self, from: data)
        default: throw MessageError(kind: name, field: nil, reason: "no Swift type for schema \(name)")
        }
    }

    @Test func swiftAcceptsTheValidExamplesAndRejectsTheInvalidOnes() throws {
        let schemas = SchemaChecker.repoRoot.appendingPathComponent("schemas")
        var counts = (valid: 0, invalid: 0)
        for name in ["change", "result", "presence", "control", "audit-record"] {
            let folder = schemas.appendingPathComponent("examples/\(name)")
            let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            for file in files {
                let data = try Data(contentsOf: folder.appendingPathComponent(file))
                if file.hasPrefix("valid-") {
                    do { try decode(schema: name, data) } catch { Issue.record("\(name)/\(file) should decode: \(error)") }
                    counts.valid += 1
                } else if file.hasPrefix("invalid-") {
                    #expect(throws: MessageError.self, "\(name)/\(file) should be rejected") { try decode(schema: name, data) }
                    counts.invalid += 1
                }
            }
            // The examples inside the schema itself.
            let schemaData = try Data(contentsOf: schemas.appendingPathComponent("\(name).schema.json"))
            let schema = try #require(JSONSerialization.jsonObject(with: schemaData) as? [String: Any])
            let examples = try #require(schema["examples"] as? [Any], "\(name).schema.json has examples")
            for example in examples {
                do { try decode(schema: name, try JSONSerialization.data(withJSONObject: example)) } catch {
                    Issue.record("\(name).schema.json example should decode: \(error)")
                }
            }
        }
        #expect(counts.valid >= 10)
        #expect(counts.invalid >= 25)
    }

    @Test func encodedMessagesValidateAgainstTheSchemas() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("changebus-messages-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        func write(_ name: String, _ data: Data) throws -> String {
            let url = folder.appendingPathComponent("\(name).json")
            try data.write(to: url)
            return url.path
        }
        let arguments = [
            "change=" + (try write("change", MessageCoding.encode(MessageFixtures.event))),
            "result=" + (try write("result", MessageCoding.encode(MessageFixtures.result))),
            "presence=" + (try write("presence", MessageCoding.encode(MessageFixtures.presence))),
            "control=" + (try write("control", MessageCoding.encode(MessageFixtures.control))),
            "audit-record=" + (try write("audit", MessageCoding.encode(MessageFixtures.audit))),
        ]
        let good = try await SchemaChecker.run(arguments)
        #expect(good.status == 0, "check-schemas failed:\n\(good.output)")
        #expect(good.output.contains("ok \(folder.path)/result.json (result)"), "\(good.output)")

        // The same result with an outcome no schema allows must fail, naming the field.
        let encoded = String(decoding: try MessageCoding.encode(MessageFixtures.result), as: UTF8.self)
        let broken = encoded.replacingOccurrences(of: #""outcome":"applied""#, with: #""outcome":"exploded""#)
        #expect(broken != encoded)
        let bad = try await SchemaChecker.run(["result=" + (try write("broken-result", Data(broken.utf8)))])
        #expect(bad.status == 1, "check-schemas should reject outcome \"exploded\":\n\(bad.output)")
        #expect(bad.output.contains("outcome: 'exploded' is not one of"), "\(bad.output)")
    }
}
