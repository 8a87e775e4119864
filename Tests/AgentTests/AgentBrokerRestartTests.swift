import AMQP
import ChangeBus
import Foundation
import TestSupport
import Testing

/// A broker restart in the middle of a rollout, on a broker node of this test's own.
@Suite(.timeLimit(.minutes(4)))
struct AgentBrokerRestartTests {
    @Test func brokerRestartDuringARolloutLosesNothing() throws {
        let broker = PrivateBroker(port: 5720, name: "agent-restart-test")
        try broker.control("start")
        defer { try? broker.control("stop") }
        let url = try broker.url()
        let base = try temporaryDirectory("restart")
        let stream = uniqueName("s")
        let resultsQueue = "test.results.\(stream)"
        var bus = try Bus(url: url, stream: stream, in: base, durableResults: resultsQueue)
        let agent = try AgentProcess(
            host: uniqueName("web"), in: base, brokerURL: url, trustedKey: bus.publicKeyPath,
            facts: ["role": "web"], subscribe: ["\(stream).prod.*"],
            converge: ["handler = command", "command = /bin/sleep 1", "timeout = 60s"])
        try agent.start()
        let events = (1...6).map { bus.event(version: $0, components: ["c\($0)"]) }
        for event in events { try bus.publish(event) }
        try bus.waitForResults("the first result") { !$0.isEmpty }
        var collected = bus.results

        try broker.control("restart")
        bus = try Bus(url: url, stream: stream, in: base, durableResults: resultsQueue)
        try bus.waitForResults("every event's result after the restart", timeout: 90) { results in
            let done = Set((collected + results).filter { $0.outcome == .applied }.compactMap(\.eventId))
            return events.allSatisfy { done.contains($0.id) }
        }
        collected += bus.results
        #expect(agent.isRunning)
        #expect(agent.log.contains("broker connection lost"), "the restart must have cut the agent's connection")
        #expect(Set(collected.compactMap(\.eventId)) == Set(events.map(\.id)))
        #expect(collected.allSatisfy { $0.outcome == .applied })
    }
}
