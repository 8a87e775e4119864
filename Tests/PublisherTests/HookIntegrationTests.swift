import AMQP
import ChangeBus
import Foundation
import TestSupport
import Testing

/// Real git pushes into a bare repository whose post-receive hook runs the built
/// `changebus git-hook`, against the shared test broker (one private node for the outage).
@Suite(.serialized, .timeLimit(.minutes(5)))
struct HookIntegrationTests {
    @Test func threePushesGiveThreeSignedEventsWithVersionsOneTwoThree() throws {
        let fixture = try GitFixture(brokerURL: TestBroker.urlText)
        let queue = try EventQueue(url: try TestBroker.url, stream: fixture.stream)
        defer { queue.delete() }

        try fixture.write("roles/web/index.html", "<h1>hello</h1>\n")
        try fixture.write("common/base.conf", "base = 1\n")
        try fixture.write("docs/README", "not routed\n")
        try fixture.commit("First rollout")
        let first = try fixture.push()
        #expect(first.contains("published \(fixture.stream).prod v1"))
        #expect(first.contains("docs/README"), "the unrouted path is named in a warning")

        try fixture.write("roles/web/index.html", "<h1>hello again</h1>\n")
        try fixture.commit("Web only\n\nChangebus-Target: role in [\"web\"]")
        _ = try fixture.push()

        try fixture.git(["mv", "common/base.conf", "common/main.conf"])
        try fixture.commit("Rename the common config")
        _ = try fixture.push()

        let events = try queue.drain()
        try #require(events.count == 3, "one event per push")
        #expect(events.map(\.event.version) == [1, 2, 3])
        #expect(events.map(\.event.previousVersion) == [nil, 1, 2])

        let (delivery1, event1) = events[0]
        #expect(event1.stream == fixture.stream && event1.environment == "prod")
        #expect(event1.components == ["web", "common"])
        #expect(event1.previousRevision == nil)
        #expect(Set(event1.changedPaths) == ["roles/web/index.html", "common/base.conf"])
        #expect(event1.changes.allSatisfy { $0.status == .added && $0.blob != nil })
        #expect(event1.files?.map(\.path).sorted() == ["common/base.conf", "roles/web/index.html"])
        #expect(event1.files?.first { $0.path == "common/base.conf" }?.bytes == Data("base = 1\n".utf8))
        #expect(event1.author == ChangeEvent.Author(name: "Test Author", email: "author@example.com"))
        #expect(event1.message == "First rollout")
        #expect(event1.publisher == "test-publisher")
        #expect(!event1.forced && event1.target == "")
        #expect(delivery1.routingKey == "\(fixture.stream).prod.web")
        #expect(delivery1.properties.headers["CC"] == .array([.string("\(fixture.stream).prod.common")]))
        #expect(delivery1.properties.messageID == event1.id.uuidString.lowercased())
        #expect(delivery1.properties.contentType == "application/json")
        #expect(delivery1.properties.type == "changebus.change")
        #expect(delivery1.properties.persistent)
        #expect(event1.revision == (try fixture.revParse("HEAD~2")))

        let event2 = events[1].event
        #expect(event2.components == ["web"])
        #expect(event2.changes == [FileChange(path: "roles/web/index.html", status: .modified, blob: event2.changes.first?.blob)])
        #expect(event2.files?.map(\.path) == ["roles/web/index.html"])
        #expect(event2.target == "role in [\"web\"]")
        #expect(event2.previousRevision == event1.revision)
        #expect(events[1].delivery.properties.headers["CC"] == nil)

        let event3 = events[2].event
        #expect(event3.components == ["common"])
        #expect(event3.changes.map(\.status) == [.renamed])
        #expect(event3.changes.first?.oldPath == "common/base.conf")
        #expect(event3.deleted == ["common/base.conf"])
        #expect(event3.files?.map(\.path) == ["common/main.conf"])

        // The signature verifies over the exact body, and not after one byte changed.
        let trust = try TrustStore.load(publicKeyPaths: [fixture.pubPath])
        for (delivery, _) in events {
            let keyID = delivery.properties.headers[SignatureHeaders.keyIDHeader]?.stringValue
            let signature = delivery.properties.headers[SignatureHeaders.signatureHeader]?.stringValue
            #expect(throws: Never.self) { try trust.verify(body: delivery.body, keyID: keyID, signature: signature).get() }
            var tampered = delivery.body
            tampered[tampered.startIndex + 10] ^= 0x01
            guard case .failure(.invalidSignature) = trust.verify(body: tampered, keyID: keyID, signature: signature) else {
                Issue.record("a changed body must fail verification")
                continue
            }
        }
        #expect(try fixture.changebus(["outbox", "list", "--config", fixture.configPath]).output.contains("outbox empty"))
    }

    @Test func creationDeletionForcePushIgnoredRefsAndSeveralRefsInOnePush() throws {
        let fixture = try GitFixture(
            brokerURL: TestBroker.urlText, branches: "refs/heads/main = prod\nrefs/heads/staging = staging")
        let queue = try EventQueue(url: try TestBroker.url, stream: fixture.stream)
        defer { queue.delete() }

        try fixture.write("roles/web/a.conf", "a\n")
        try fixture.commit("one")
        _ = try fixture.push()
        let created = try queue.drain()
        #expect(created.map(\.event.environment) == ["prod"])
        #expect(created.first?.event.previousRevision == nil)
        #expect(created.first?.event.forced == false)

        let ignored = try fixture.push(["origin", "main:feature"])
        #expect(ignored.contains("refs/heads/feature is not in [branches]"))
        #expect(try queue.drain().isEmpty)

        // Two refs in one push: one event each.
        try fixture.write("roles/web/a.conf", "a2\n")
        try fixture.commit("two")
        _ = try fixture.push(["origin", "main", "main:staging"])
        let both = try queue.drain()
        #expect(both.map { "\($0.event.environment) v\($0.event.version)" }.sorted() == ["prod v2", "staging v1"])
        #expect(both.first { $0.event.environment == "staging" }?.event.previousRevision == nil)

        let deleted = try fixture.push(["origin", ":staging"])
        #expect(deleted.contains("branch staging deleted: nothing published"))
        #expect(try queue.drain().isEmpty)

        let before = try fixture.revParse("HEAD")
        try fixture.write("common/x", "x\n")
        try fixture.git(["add", "-A"])
        try fixture.git(["commit", "-q", "--amend", "-m", "two, amended"])
        _ = try fixture.push(["--force", "origin", "main"])
        let forced = try queue.drain()
        try #require(forced.count == 1)
        #expect(forced[0].event.forced)
        #expect(forced[0].event.version == 3)
        #expect(forced[0].event.previousRevision == before)
        #expect(forced[0].event.components == ["common"])
        #expect(forced[0].event.changes.map(\.path) == ["common/x"])
    }

    @Test func publishByHand() throws {
        let fixture = try GitFixture(
            brokerURL: TestBroker.urlText, branches: "refs/heads/main = prod\nrefs/heads/staging = staging")
        try fixture.git(["config", "user.email", "root"])
        try fixture.write("roles/web/a.conf", "a\n")
        try fixture.commit("one")
        try fixture.write("docs/readme", "r\n")
        try fixture.commit("docs only")
        let queue = try EventQueue(url: try TestBroker.url, stream: fixture.stream)
        defer { queue.delete() }

        let noEnv = try fixture.changebus(["publish", "--config", fixture.configPath, "--repo", fixture.clone, "--revision", "HEAD"])
        #expect(noEnv.status == 64)
        #expect(noEnv.output.contains("--env is required") && noEnv.output.contains("prod, staging"))

        let nothing = try fixture.changebus([
            "publish", "--config", fixture.configPath, "--repo", fixture.clone, "--revision", "HEAD", "--previous", "HEAD~1", "--env", "prod",
        ])
        #expect(nothing.status == 0)
        #expect(nothing.output.contains("nothing to publish"))

        let badTarget = try fixture.changebus([
            "publish", "--config", fixture.configPath, "--repo", fixture.clone, "--revision", "HEAD", "--env", "prod",
            "--target", "role in [",
        ])
        #expect(badTarget.status == 1)
        #expect(badTarget.output.contains("bad target selector") && badTarget.output.contains("^"))

        let published = try fixture.changebus([
            "publish", "--config", fixture.configPath, "--repo", fixture.clone, "--revision", "HEAD", "--env", "prod",
            "--target", "env == \"prod\"", "--json",
        ])
        #expect(published.status == 0)
        // stderr is mixed in (the warning about docs/readme): the JSON is the line that is an object.
        let line = try #require(published.output.split(separator: "\n").first { $0.hasPrefix("{") })
        #expect(published.output.contains("warning: 1 changed path(s) match no route"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(json["version"] as? Int == 1)
        #expect(json["delivered"] as? Bool == true)
        #expect(json["components"] as? [String] == ["web"])

        let events = try queue.drain()
        #expect(events.count == 1)
        #expect(events.first?.event.author.email == "root@invalid")
        #expect(events.first?.event.target == "env == \"prod\"")
        #expect(events.first?.event.previousRevision == nil)
    }

    @Test func eventOverMaxInlineBytesIsRefusedWithoutTakingAVersion() throws {
        let fixture = try GitFixture(brokerURL: TestBroker.urlText, extra: "max_inline_bytes = 8")
        try fixture.write("roles/web/big.conf", "0123456789\n")
        try fixture.commit("too big")
        let refused = try fixture.changebus(["publish", "--config", fixture.configPath, "--repo", fixture.clone, "--revision", "HEAD"])
        #expect(refused.status == 1)
        #expect(refused.output.contains("hold 11 bytes, more than max_inline_bytes = 8"))
        #expect(!FileManager.default.fileExists(atPath: fixture.root + "/state/versions/\(fixture.stream).prod"))
        #expect(try fixture.changebus(["outbox", "list", "--config", fixture.configPath]).output.contains("outbox empty"))
    }

    @Test func badRouteOrBranchMapGivesAClearConfigError() throws {
        let fixture = try GitFixture(brokerURL: TestBroker.urlText)
        try fixture.writeConfig("[publisher]\nstream = x\n[routes]\nroles/web/** = web\nroles//db = db\n")
        let route = try fixture.changebus(["install-hook", "--repo", fixture.bare, "--config", fixture.configPath, "--force"])
        #expect(route.status == 1)
        #expect(route.output.contains("\(fixture.configPath):5: [routes] roles//db: bad path glob"))

        try fixture.writeConfig("[branches]\nproduction = prod\n")
        let branch = try fixture.changebus(["outbox", "list", "--config", fixture.configPath])
        #expect(branch.status == 1)
        #expect(branch.output.contains("\(fixture.configPath):2: [branches] production: expected a full ref name such as refs/heads/production"))
    }

    @Test func installHookRefusesToReplaceAHook() throws {
        let fixture = try GitFixture(brokerURL: TestBroker.urlText)
        let again = try fixture.changebus(["install-hook", "--repo", fixture.bare, "--config", fixture.configPath])
        #expect(again.status == 1)
        #expect(again.output.contains("already exists") && again.output.contains("--force"))
        let forced = try fixture.changebus(["install-hook", "--repo", fixture.bare, "--config", fixture.configPath, "--force"])
        #expect(forced.status == 0)
        let hook = fixture.bare + "/hooks/post-receive"
        let mode = try FileManager.default.attributesOfItem(atPath: hook)[.posixPermissions] as? Int
        #expect(mode == 0o755)
        let script = try String(contentsOfFile: hook, encoding: .utf8)
        #expect(script.contains("git-hook --config '\(fixture.configPath)'"))
    }

    /// Stops a broker node of its own: pushes still succeed, their events wait in the
    /// outbox, and a flush after the restart delivers them in version order.
    @Test func brokerDownKeepsEventsInTheOutboxUntilFlushed() throws {
        let broker = PrivateBroker(port: 5710, name: "publisher-outbox-test")
        try broker.control("start")
        defer { try? broker.control("stop") }
        let url = try broker.url()
        let fixture = try GitFixture(brokerURL: url)
        var queue: EventQueue? = try EventQueue(url: try BrokerURL(url), stream: fixture.stream, durable: true)

        try fixture.write("roles/web/a.conf", "1\n")
        try fixture.commit("one")
        #expect(try fixture.push().contains("published \(fixture.stream).prod v1"))
        queue?.connection.close()
        queue = nil

        try broker.control("stop")
        for n in 2...3 {
            try fixture.write("roles/web/a.conf", "\(n)\n")
            try fixture.commit("change \(n)")
            let output = try fixture.push()
            #expect(output.contains("the push itself succeeded"))
            #expect(output.contains("outbox flush --config \(fixture.configPath)"))
            #expect(output.contains("\(fixture.stream).prod.\(String(format: "%012d", n)).json"))
        }
        let list = try fixture.changebus(["outbox", "list", "--config", fixture.configPath, "--json"])
        #expect(list.status == 0)
        let items = try #require(try JSONSerialization.jsonObject(with: Data(list.output.utf8)) as? [[String: Any]])
        #expect(items.compactMap { $0["version"] as? Int } == [2, 3])
        let failedFlush = try fixture.changebus(["outbox", "flush", "--config", fixture.configPath])
        #expect(failedFlush.status == 1)

        try broker.control("start")
        let flush = try fixture.changebus(["outbox", "flush", "--config", fixture.configPath])
        #expect(flush.status == 0, "\(flush.output)")
        #expect(flush.output.contains("sent \(fixture.stream).prod v2, \(fixture.stream).prod v3"))
        #expect(try fixture.changebus(["outbox", "list", "--config", fixture.configPath]).output.contains("outbox empty"))

        let after = try EventQueue(url: try BrokerURL(url), stream: fixture.stream, durable: true)
        defer { after.delete() }
        let events = try after.drain()
        #expect(events.map(\.event.version) == [1, 2, 3])
        #expect(events.last?.event.files?.first?.bytes == Data("3\n".utf8))
    }
}
