import Agent
import ChangeBus
import Testing

@Suite struct AgentConfigTests {
    static let good = """
        [agent]
        host = web-1
        state = /var/lib/changebus/agent
        [broker]
        url = amqp://guest:guest@127.0.0.1:5673/
        url = amqp://guest:guest@127.0.0.2:5673/
        queue_type = quorum
        [facts]
        env = prod
        roles = [web, lb]
        command = facter --json "--external-dir=/etc/facts d"
        [subscribe]
        key = config.prod.web
        key = config.*.common
        [watch]
        path = roles/web/**
        [converge]
        handler = command
        command = /usr/bin/puppet apply --detailed-exitcodes 'site dir/site.pp'
        exit_codes = puppet
        timeout = 10m
        [trust]
        key = publisher.pub
        """

    @Test func readsEverySection() throws {
        let config = try AgentConfig(ini: try INIFile(text: Self.good, path: "/etc/changebus/agent.ini"))
        #expect(config.hostID == "web-1")
        #expect(config.brokerURLs.count == 2)
        #expect(config.queueType == "quorum")
        #expect(config.staticFacts["roles"] == .list([.string("web"), .string("lb")]))
        #expect(config.factsCommand == ["facter", "--json", "--external-dir=/etc/facts d"])
        #expect(config.subscriptions.map(\.pattern) == ["config.prod.web", "config.*.common"])
        #expect(config.handler == .command(argv: ["/usr/bin/puppet", "apply", "--detailed-exitcodes", "site dir/site.pp"], exitCodes: .puppet))
        #expect(config.convergeTimeout == .seconds(600))
        #expect(config.trustedKeyFiles == ["/etc/changebus/publisher.pub"])
        #expect(config.prefetch == 64)
    }

    @Test(arguments: [
        ("queue_type = quorum", "queue_type = fast", "agent.ini:7: [broker] queue_type"),
        ("host = web-1", "host = Web.1", "[agent] host"),
        ("key = config.prod.web", "key = config..web", "agent.ini:13: [subscribe] key"),
        ("exit_codes = puppet", "exit_codes = 0=great", "[converge] exit_codes"),
        ("handler = command", "handler = ansible", "[converge] handler"),
        ("[watch]", "[wtach]", "wtach"),
    ])
    func errorsNameFileLineAndKey(original: String, replacement: String, expected: String) {
        let text = Self.good.replacingOccurrences(of: original, with: replacement)
        #expect {
            try AgentConfig(ini: try INIFile(text: text, path: "/etc/changebus/agent.ini"))
        } throws: { error in
            "\(error)".contains(expected)
        }
    }
}
