import ChangeBus
import Foundation
import Publisher
import Testing

@Suite struct PublisherConfigTests {
    static func parse(_ text: String, path: String = "/etc/changebus/publisher.ini") throws -> PublisherConfig {
        try PublisherConfig(file: INIFile(text: text, path: path))
    }

    /// The error a config gives, or a failure when it parses.
    static func error(_ text: String) throws -> ConfigError {
        do {
            _ = try parse(text)
        } catch let error as ConfigError {
            return error
        }
        throw TestFailure("expected a ConfigError for:\n\(text)")
    }

    struct TestFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    @Test func readsEveryKeyAndResolvesRelativePaths() throws {
        let config = try Self.parse("""
            [broker]
            url = amqp://u:p@rabbit-1:5672/
            url = amqps://u:p@rabbit-2:5671/prod?verify=verify_none
            confirm_timeout = 3s
            [publisher]
            key = keys/changebus.key
            state = /var/lib/cb
            stream = app
            host = build-1
            inline_files = no
            max_inline_bytes = 2048
            default_component = misc
            [branches]
            refs/heads/production = prod
            refs/heads/staging = staging
            [routes]
            roles/web/** = web
            common/** = common
            """)
        #expect(config.brokerURLs.map(\.host) == ["rabbit-1", "rabbit-2"])
        #expect(config.brokerURLs[1].tls && config.brokerURLs[1].vhost == "prod")
        #expect(config.confirmTimeout == .seconds(3))
        #expect(config.keyPath == "/etc/changebus/keys/changebus.key")
        #expect(config.statePath == "/var/lib/cb")
        #expect(config.stream == "app")
        #expect(config.host == "build-1")
        #expect(config.inlineFiles == false)
        #expect(config.maxInlineBytes == 2048)
        #expect(config.branches.environment(for: "refs/heads/production") == "prod")
        #expect(config.branches.environment(for: "refs/heads/main") == nil)
        #expect(config.branches.onlyEnvironment == nil)
        #expect(config.routes.component(for: "roles/web/nginx.conf") == "web")
        #expect(config.routes.component(for: "README") == "misc")
    }

    @Test func defaults() throws {
        let config = try Self.parse("[publisher]\n")
        #expect(config.brokerURLs.map(\.description) == ["amqp://guest@127.0.0.1:5672/"])
        #expect(config.confirmTimeout == .seconds(10))
        #expect(config.keyPath == "/etc/changebus/changebus.key")
        #expect(config.statePath == "/var/lib/changebus/publisher")
        #expect(config.stream == "config")
        #expect(!config.host.isEmpty)
        #expect(config.inlineFiles)
        #expect(config.maxInlineBytes == 1_048_576)
        #expect(config.routes.defaultComponent == nil)
        #expect(config.routes.routes.isEmpty && config.branches.environments.isEmpty)
    }

    @Test func badRouteGlobNamesFileLineAndKey() throws {
        let error = try Self.error("[routes]\nroles/web/** = web\nroles//db = db\n")
        #expect(error.file == "/etc/changebus/publisher.ini")
        #expect(error.line == 3)
        #expect(error.section == "routes")
        #expect(error.key == "roles//db")
        #expect(error.description.hasPrefix("/etc/changebus/publisher.ini:3: [routes] roles//db: bad path glob"))
        #expect(error.message.contains("two slashes"))
    }

    @Test func badComponentName() throws {
        let error = try Self.error("[routes]\nroles/** = Web.Servers\n")
        #expect(error.line == 2 && error.key == "roles/**")
        #expect(error.message.contains("\"Web.Servers\" is not a valid name"))
    }

    @Test func badBranchMapLines() throws {
        let short = try Self.error("[branches]\nrefs/heads/main = prod\nproduction = prod\n")
        #expect(short.line == 3 && short.section == "branches" && short.key == "production")
        #expect(short.message.contains("refs/heads/production"))

        let env = try Self.error("[branches]\nrefs/heads/main = Prod!\n")
        #expect(env.line == 2 && env.key == "refs/heads/main")
        #expect(env.message.contains("environment \"Prod!\""))

        let twice = try Self.error("[branches]\nrefs/heads/main = prod\nrefs/heads/main = staging\n")
        #expect(twice.line == 3 && twice.message.contains("first on line 2"))
    }

    @Test func unknownKeysAndSectionsAreRefused() throws {
        let key = try Self.error("[publisher]\nstream = app\nkeyy = /k\n")
        #expect(key.line == 3 && key.section == "publisher" && key.key == "keyy")
        #expect(key.description == "/etc/changebus/publisher.ini:3: [publisher] keyy: unknown key; did you mean \"key\"?")

        let section = try Self.error("[route]\na/** = a\n")
        #expect(section.line == 1 && section.message.contains("did you mean [routes]?"))
    }

    @Test func badValues() throws {
        let url = try Self.error("[broker]\nurl = http://rabbit\n")
        #expect(url.line == 2 && url.key == "url" && url.message.contains("amqp://"))
        let stream = try Self.error("[publisher]\nstream = a.b\n")
        #expect(stream.line == 2 && stream.key == "stream")
        let timeout = try Self.error("[broker]\nconfirm_timeout = soon\n")
        #expect(timeout.line == 2 && timeout.key == "confirm_timeout")
        let component = try Self.error("[publisher]\ndefault_component = Misc\n")
        #expect(component.line == 2 && component.key == "default_component")
    }
}
