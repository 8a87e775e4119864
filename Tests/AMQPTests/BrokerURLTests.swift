import AMQP
import Testing

@Suite struct BrokerURLTests {
    @Test func parsesEveryPart() throws {
        let url = try BrokerURL("amqps://agent%40web:p%3Ass@broker.example:5999/prod%2Fhosts?heartbeat=5&connection_timeout=3&frame_max=65536&cacertfile=/etc/ca.pem&certfile=/c.pem&keyfile=/k.pem&verify=verify_none")
        #expect(url.tls)
        #expect(url.user == "agent@web")
        #expect(url.password == "p:ss")
        #expect(url.host == "broker.example")
        #expect(url.port == 5999)
        #expect(url.vhost == "prod/hosts")
        #expect(url.heartbeat == 5)
        #expect(url.connectionTimeout == 3)
        #expect(url.frameMax == 65536)
        #expect(url.caCertFile == "/etc/ca.pem")
        #expect(url.certFile == "/c.pem" && url.keyFile == "/k.pem")
        #expect(!url.verifyPeer)
    }

    @Test func defaults() throws {
        let url = try BrokerURL("amqp://localhost")
        #expect(url.port == 5672 && url.vhost == "/" && url.user == "guest" && url.heartbeat == 30)
        #expect(try BrokerURL("amqps://h/").port == 5671)
        #expect(try BrokerURL("amqp://u:p@[::1]:5673/%2F").host == "::1")
        #expect(try BrokerURL("amqp://u:p@[::1]:5673/%2F").vhost == "/")
    }

    @Test func descriptionNeverShowsThePassword() throws {
        let url = try BrokerURL("amqp://alice:s3cret@h:5673/v")
        #expect(!url.description.contains("s3cret"))
        #expect(url.description == "amqp://alice@h:5673/v")
    }

    @Test(arguments: [
        ("http://h/", "scheme"),
        ("amqp://h:99999/", "port \"99999\""),
        ("amqp://h:abc/", "port \"abc\""),
        ("amqp://u:p%zz@h/", "password"),
        ("amqp://h/?heartbeat=x", "heartbeat=x"),
        ("amqp://h/?bogus=1", "unknown option \"bogus\""),
        ("amqp://h/?cacertfile=/ca.pem", "amqps"),
        ("amqps://h/?certfile=/c.pem", "certfile and keyfile"),
        ("amqps://h/?verify=maybe", "verify=maybe"),
    ])
    func errorsNameTheBadPart(text: String, fragment: String) {
        #expect {
            try BrokerURL(text)
        } throws: { error in
            guard let error = error as? AMQPError else { return false }
            return error.code == .invalidURL && error.message.contains(fragment)
        }
    }

    @Test func errorsHideThePassword() {
        do {
            _ = try BrokerURL("amqp://bob:topsecret@h:bad/")
            Issue.record("expected an error")
        } catch {
            #expect(!error.description.contains("topsecret"))
            #expect(error.description.contains("bob:***@"))
        }
    }
}

@Suite struct BackoffTests {
    @Test func growsAndCaps() {
        let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(2), multiplier: 2, jitter: 0)
        #expect(backoff.delay(attempt: 0, random: 0.5) == .milliseconds(100))
        #expect(backoff.delay(attempt: 3, random: 0.5) == .milliseconds(800))
        #expect(backoff.delay(attempt: 30, random: 0.5) == .seconds(2))
    }

    @Test func jitterSpreadsBothWays() {
        let backoff = Backoff(initial: .seconds(1), maximum: .seconds(10), multiplier: 2, jitter: 0.2)
        #expect(backoff.delay(attempt: 0, random: 0) == .milliseconds(800))
        #expect(backoff.delay(attempt: 0, random: 1) == .milliseconds(1200))
    }
}
