import AMQP
import ChangeBus
import Foundation
import TestSupport
import Testing

/// Real agents (the `changebus agent` binary) against the real broker.
@Suite(.timeLimit(.minutes(4)))
struct AgentIntegrationTests {
    @Test func rightHostsApplyAndTheOthersReportSkipped() throws {
        let base = try temporaryDirectory("three")
        let stream = uniqueName("s")
        let bus = try Bus(url: TestBroker.urlText, stream: stream, in: base)
        let subscribe = ["\(stream).prod.*"]
        let web1 = try AgentProcess(host: uniqueName("web"), in: base, brokerURL: TestBroker.urlText, trustedKey: bus.publicKeyPath,
                                    facts: ["env": "prod", "role": "web"], subscribe: subscribe)
        let web2 = try AgentProcess(host: uniqueName("web"), in: base, brokerURL: TestBroker.urlText, trustedKey: bus.publicKeyPath,
                                    facts: ["env": "prod", "role": "web"], subscribe: subscribe)
        let db = try AgentProcess(host: uniqueName("db"), in: base, brokerURL: TestBroker.urlText, trustedKey: bus.publicKeyPath,
                                  facts: ["env": "prod", "role": "db"], subscribe: subscribe, watch: ["roles/db/**"])
        for agent in [web1, web2, db] { try agent.start() }

        try bus.publish(bus.event(version: 1, components: ["web"], files: ["roles/web/nginx.conf": "server {}\n"],
                                  target: #"role in ["web", "lb"]"#))
        try bus.waitForResults("three results") { $0.count >= 3 }
        for web in [web1, web2] {
            #expect(bus.results(host: web.host).map(\.outcome) == [.applied])
            let file = web.root.appendingPathComponent("roles/web/nginx.conf").path
            #expect((try? String(contentsOfFile: file, encoding: .utf8)) == "server {}\n")
        }
        let skipped = try #require(bus.results(host: db.host).first)
        #expect(skipped.outcome == .skipped)
        #expect(skipped.reason.contains("does not match"))
        #expect(skipped.factsDigest?.count == 64)
        #expect(!FileManager.default.fileExists(atPath: db.root.appendingPathComponent("roles/web/nginx.conf").path))

        // An event only the watch list of db takes: web hosts do not match the target.
        try bus.publish(bus.event(version: 2, components: ["db"], files: ["roles/db/pg.conf": "max_connections = 100\n"],
                                  target: #"role == "db""#))
        try bus.waitForResults("three more results") { $0.count >= 6 }
        #expect(bus.results(host: db.host).last?.outcome == .applied)
        #expect(bus.results(host: web1.host).last?.outcome == .skipped)
    }

    @Test func theSameEventTwiceConvergesOnce() throws {
        let base = try temporaryDirectory("twice")
        let stream = uniqueName("s")
        let bus = try Bus(url: TestBroker.urlText, stream: stream, in: base)
        let agent = try AgentProcess(host: uniqueName("web"), in: base, brokerURL: TestBroker.urlText, trustedKey: bus.publicKeyPath,
                                     facts: ["role": "web"], subscribe: ["\(stream).prod.web"])
        try agent.start()
        let event = bus.event(version: 1, components: ["web"], files: ["roles/web/a": "a\n"])
        let body = try bus.publish(event)
        try bus.waitForResults("the first result") { $0.count == 1 }
        // The very same signed bytes again: acked, not converged, not reported again.
        try bus.publish(body: body, routingKey: "\(stream).prod.web", signature: bus.signer.sign(body: body))
        try waitFor("the agent to see the duplicate", timeout: 10) { agent.log.contains("duplicate event acked") }
        try bus.drain(for: .seconds(1))
        #expect(bus.results.count == 1)
        #expect(bus.results.first?.outcome == .applied)
        #expect(agent.log.components(separatedBy: "msg=converging").count == 2)
    }

    @Test func killedMidConvergenceIsAppliedAndReportedOnceAfterRestart() throws {
        let base = try temporaryDirectory("kill9")
        let stream = uniqueName("s")
        let bus = try Bus(url: TestBroker.urlText, stream: stream, in: base)
        let marker = base.appendingPathComponent("runs").path
        let agent = try AgentProcess(
            host: uniqueName("web"), in: base, brokerURL: TestBroker.urlText, trustedKey: bus.publicKeyPath,
            facts: ["role": "web"], subscribe: ["\(stream).prod.web"],
            converge: ["handler = command", "command = /bin/sh -c 'echo start >> \(marker); sleep 5; echo done >> \(marker)'", "timeout = 60s"])
        try agent.start()
        let event = bus.event(version: 1, components: ["web"])
        try bus.publish(event)
        try waitFor("the convergence to start", timeout: 20) { agent.log.contains("msg=converging") }
        Thread.sleep(forTimeInterval: 1)
        agent.crash()
        #expect(bus.results.isEmpty)
        try agent.start()
        try bus.waitForResults("the result after restart", timeout: 40) { !$0.isEmpty }
        try bus.drain(for: .seconds(1))
        #expect(bus.results.count == 1)
        let result = try #require(bus.results.first)
        #expect(result.outcome == .applied)
        #expect(result.eventId == event.id)
        #expect(result.redelivered)
        let runs = (try? String(contentsOfFile: marker, encoding: .utf8)) ?? ""
        #expect(runs.components(separatedBy: "start").count - 1 == 2, "converged again after the crash")
        #expect(runs.contains("done"))
    }

    @Test func forgedAndMalformedEventsAreRejectedAndDeadLettered() throws {
        let base = try temporaryDirectory("reject")
        let stream = uniqueName("s")
        let bus = try Bus(url: TestBroker.urlText, stream: stream, in: base)
        let agent = try AgentProcess(host: uniqueName("web"), in: base, brokerURL: TestBroker.urlText, trustedKey: bus.publicKeyPath,
                                     facts: ["role": "web"], subscribe: ["\(stream).prod.web"])
        try agent.start()
        let dead = try bus.channel.declareQueue(uniqueName("dead-tap"), durable: false, exclusive: true).name
        try bus.channel.bindQueue(dead, exchange: Topology.deadExchange, routingKey: "")

        let event = bus.event(version: 1, components: ["web"], files: ["roles/web/x": "x\n"])
        var body = try MessageCoding.encode(event)
        let signature = bus.signer.sign(body: body)
        body[body.count - 2] ^= 0x01  // one byte changed after signing
        try bus.publish(body: body, routingKey: "\(stream).prod.web", signature: signature)
        let garbage = Data("{\"schema\": \"changebus.change/v1\", \"id\": ".utf8)
        try bus.publish(body: garbage, routingKey: "\(stream).prod.web", signature: bus.signer.sign(body: garbage))
        try bus.waitForResults("two rejected results") { $0.filter { $0.outcome == .rejected }.count >= 2 }
        let reasons = bus.results.map(\.reason)
        #expect(reasons.contains { $0.contains("does not verify") })
        #expect(reasons.contains { !$0.contains("does not verify") })

        var deadBodies: [Data] = []
        try waitFor("two dead letters", timeout: 10) {
            while let message = try bus.channel.get(queue: dead) {
                deadBodies.append(message.body)
                try bus.channel.ack(message.deliveryTag)
            }
            return deadBodies.count >= 2
        }
        #expect(deadBodies.contains(garbage))
        #expect(agent.isRunning)
        try bus.publish(event)
        try bus.waitForResults("the real event applied") { $0.contains { $0.outcome == .applied } }
    }

    @Test func fiftyQueuedVersionsConvergeOnceToTheNewest() throws {
        let base = try temporaryDirectory("fifty")
        let stream = uniqueName("s")
        let bus = try Bus(url: TestBroker.urlText, stream: stream, in: base)
        let agent = try AgentProcess(host: uniqueName("web"), in: base, brokerURL: TestBroker.urlText, trustedKey: bus.publicKeyPath,
                                     facts: ["role": "web"], subscribe: ["\(stream).prod.*"])
        try agent.start()
        agent.stop()
        for version in 1...50 {
            try bus.publish(bus.event(version: version, components: ["web"], files: ["roles/web/v": "\(version)\n"]))
        }
        // A then B, also queued while stopped: different components, both converge.
        try bus.publish(bus.event(version: 51, components: ["app"], files: ["roles/app/a": "a\n"]))
        try bus.publish(bus.event(version: 52, components: ["api"], files: ["roles/api/b": "b\n"]))
        try agent.start()
        try bus.waitForResults("52 results", timeout: 60) { $0.count >= 52 }
        let applied = bus.results.filter { $0.outcome == .applied }.compactMap(\.version).sorted()
        #expect(applied == [50, 51, 52])
        #expect(bus.results.filter { $0.outcome == .superseded }.count == 49)
        #expect((try? String(contentsOf: agent.root.appendingPathComponent("roles/web/v"), encoding: .utf8)) == "50\n")
        #expect(FileManager.default.fileExists(atPath: agent.root.appendingPathComponent("roles/app/a").path))
        #expect(FileManager.default.fileExists(atPath: agent.root.appendingPathComponent("roles/api/b").path))
    }

    @Test func pausedAgentAppliesAfterResume() throws {
        let base = try temporaryDirectory("pause")
        let stream = uniqueName("s")
        let bus = try Bus(url: TestBroker.urlText, stream: stream, in: base)
        let agent = try AgentProcess(host: uniqueName("web"), in: base, brokerURL: TestBroker.urlText, trustedKey: bus.publicKeyPath,
                                     facts: ["role": "web"], subscribe: ["\(stream).prod.web"])
        try agent.start()
        try bus.control(.pause, host: agent.host)
        try waitFor("the pause", timeout: 10) { agent.log.contains("command=pause") }
        try bus.publish(bus.event(version: 1, components: ["web"], files: ["roles/web/p": "p\n"]))
        try bus.drain(for: .seconds(2))
        #expect(bus.results.isEmpty, "a paused agent must leave changes queued")
        // Paused survives a restart.
        agent.stop()
        try agent.start()
        try bus.drain(for: .seconds(2))
        #expect(bus.results.isEmpty)
        try bus.control(.resume, host: agent.host)
        try bus.waitForResults("the change after resume") { $0.count == 1 }
        #expect(bus.results.first?.outcome == .applied)
    }

    @Test func heartbeatsHoldThroughALongConvergence() throws {
        let base = try temporaryDirectory("heartbeat")
        let stream = uniqueName("s")
        let bus = try Bus(url: TestBroker.urlText, stream: stream, in: base)
        let agent = try AgentProcess(
            host: uniqueName("web"), in: base, brokerURL: TestBroker.urlText + "?heartbeat=1", trustedKey: bus.publicKeyPath,
            facts: ["role": "web"], subscribe: ["\(stream).prod.web"],
            converge: ["handler = command", "command = /bin/sleep 5", "timeout = 60s"])
        try agent.start()
        try bus.publish(bus.event(version: 1, components: ["web"]))
        try bus.waitForResults("the result of a 5 s convergence with 1 s heartbeats", timeout: 30) { !$0.isEmpty }
        #expect(bus.results.first?.outcome == .applied)
        #expect(bus.results.first.map { $0.durationMs >= 4500 } == true)
        #expect(!agent.log.contains("connection lost"), "the connection must survive: \(agent.log)")
    }
}
