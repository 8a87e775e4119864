@testable import Agent
import AMQP
import ChangeBus
import Foundation
import TestSupport
import Testing

/// How the agent copes with an operator's or the broker's interventions.
@Suite(.timeLimit(.minutes(3)))
struct AgentRecoveryTests {
    @Test func deletedHostQueueMakesTheAgentReconnectAndRedeclare() throws {
        let base = try temporaryDirectory("cancel")
        let stream = uniqueName("s")
        let bus = try Bus(url: TestBroker.urlText, stream: stream, in: base)
        let agent = try AgentProcess(host: uniqueName("web"), in: base, brokerURL: TestBroker.urlText, trustedKey: bus.publicKeyPath,
                                     facts: ["role": "web"], subscribe: ["\(stream).prod.web"])
        try agent.start()
        // The broker cancels the consumer (basic.cancel): the agent must notice.
        try bus.channel.deleteQueue("changebus.host.\(agent.host)")
        try waitFor("the agent to reconnect", timeout: 20) { agent.log.components(separatedBy: "msg=connected").count >= 3 }
        #expect(agent.log.contains("cancelled consumer"))
        try bus.publish(bus.event(version: 1, components: ["web"], files: ["roles/web/q": "q\n"]))
        try bus.waitForResults("the change after the queue came back") { $0.count == 1 }
        #expect(bus.results.first?.outcome == .applied)
    }

    @Test func dryRunLeavesTheRealQueueAndTheHostAlone() throws {
        let base = try temporaryDirectory("dryrun")
        let stream = uniqueName("s")
        let bus = try Bus(url: TestBroker.urlText, stream: stream, in: base)
        let agent = try AgentProcess(host: uniqueName("web"), in: base, brokerURL: TestBroker.urlText, trustedKey: bus.publicKeyPath,
                                     facts: ["role": "web"], subscribe: ["\(stream).prod.web"])
        try agent.start()
        agent.stop()
        let dry = try AgentProcess(host: agent.host, in: base.appendingPathComponent("dry"), brokerURL: TestBroker.urlText,
                                   trustedKey: bus.publicKeyPath, facts: ["role": "web"], subscribe: ["\(stream).prod.web"])
        try dry.start(extraArguments: ["--dry-run"])
        try bus.publish(bus.event(version: 1, components: ["web"], files: ["roles/web/d": "d\n"]))
        try bus.waitForResults("the dry run's result") { $0.count == 1 }
        #expect(bus.results.first?.dryRun == true)
        #expect(bus.results.first?.outcome == .applied)
        #expect(bus.results.first?.reason.contains("would write") == true)
        #expect(!FileManager.default.fileExists(atPath: dry.root.appendingPathComponent("roles/web/d").path))
        dry.stop()
        // The real agent still finds the event in its queue.
        try agent.start()
        try bus.waitForResults("the real run's result") { $0.count == 2 }
        #expect(bus.results.last?.dryRun == false)
        #expect(FileManager.default.fileExists(atPath: agent.root.appendingPathComponent("roles/web/d").path))
    }

    @Test func factsCommandWarningsOnStandardErrorDoNotSpoilTheJSON() throws {
        let facts = try FactsGatherer.run(["/bin/sh", "-c", #"echo 'warning: slow disk' >&2; echo '{"os": {"family": "Debian"}, "cores": 2, "roles": ["web", "lb"]}'"#])
        #expect(facts["os.family"] == .string("Debian"))
        #expect(facts["cores"] == .number(2))
        #expect(facts["roles"] == .list([.string("web"), .string("lb")]))
        #expect(throws: FactsError.self) { try FactsGatherer.run(["/bin/sh", "-c", "echo not json"]) }
        #expect(throws: FactsError.self) { try FactsGatherer.run(["/bin/sh", "-c", "exit 3"]) }
    }
}
