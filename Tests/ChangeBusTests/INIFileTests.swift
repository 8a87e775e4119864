import FoundationEssentials
import Testing

@testable import ChangeBus

private let agentINI = """
    # changebus agent
    ; both comment styles

    [agent]
    host_id = web-1
    state = /var/lib/changebus
    description =

    [broker]
      urls = amqp://a:5672/%2f?heartbeat=10 , amqp://b:5672
    urls = amqp://c:5672
    prefetch = 10
    queue_type = quorum
    confirm_timeout = 500ms
    heartbeat = 30
    tls = yes

    [route]
    roles/web/** = web
    common/** = common
    roles/web/** = web-extra
    refs/heads/production = prod
    a = b # not a comment
    """

@Suite("INI files")
struct INIFileTests {
    @Test("sections, ordered entries, lines and trimming")
    func structure() throws {
        let ini = try INIFile(text: agentINI, path: "agent.ini")
        #expect(ini.path == "agent.ini")
        #expect(ini.sections.map(\.name) == ["agent", "broker", "route"])
        #expect(ini.sections.map(\.line) == [4, 9, 18])

        let agent = try #require(ini.section("agent"))
        #expect(agent.entries == [
            INIFile.Entry(key: "host_id", value: "web-1", line: 5),
            INIFile.Entry(key: "state", value: "/var/lib/changebus", line: 6),
            INIFile.Entry(key: "description", value: "", line: 7),
        ])

        let route = try #require(ini.section("route"))
        #expect(route.entries.map(\.key) == ["roles/web/**", "common/**", "roles/web/**", "refs/heads/production", "a"])
        #expect(route.values("roles/web/**").map(\.value) == ["web", "web-extra"])
        #expect(route.values("roles/web/**").map(\.line) == [19, 21])
        #expect(route.value("roles/web/**")?.value == "web-extra")  // the later line
        #expect(route.value("refs/heads/production") == INIFile.Entry(key: "refs/heads/production", value: "prod", line: 22))
        #expect(route.value("a")?.value == "b # not a comment")
        #expect(route.value("nope") == nil)
        #expect(ini.section("nope") == nil)
    }

    @Test("CRLF line ends, a byte order mark and tabs")
    func lineEnds() throws {
        let ini = try INIFile(text: "\u{FEFF}[a]\r\n\tk\t=\tv \r\n\r\nx=1=2\r\n", path: "x.ini")
        #expect(ini.section("a")?.entries == [
            INIFile.Entry(key: "k", value: "v", line: 2),
            INIFile.Entry(key: "x", value: "1=2", line: 4),  // the first = splits
        ])
    }

    @Test("an empty file has no sections")
    func empty() throws {
        #expect(try INIFile(text: "", path: "e.ini").sections.isEmpty)
        #expect(try INIFile(text: "# only\n\n; comments\n", path: "e.ini").sections.isEmpty)
        #expect(try INIFile(text: "[empty]\n", path: "e.ini").section("empty")?.entries == [])
    }

    @Test(
        "syntax errors name the line",
        arguments: [
            ("key = value\n[a]", 1, "agent.ini:1: key: entry outside a section: put it under a [section] header"),
            ("[a]\nk = 1\n\njust words", 4, "agent.ini:4: [a]: expected \"key = value\", got \"just words\""),
            ("[a]\n[b]\n[a]", 3, "agent.ini:3: [a]: duplicate section: it already starts on line 1"),
            ("[broker\nk = v", 1, "agent.ini:1: unterminated section header: expected \"]\""),
            ("[a]\n[b] x", 2, "agent.ini:2: unexpected text after \"]\": \"x\""),
            ("[ ]", 1, "agent.ini:1: empty section name"),
            ("[a]\n = v", 2, "agent.ini:2: [a]: empty key before \"=\""),
        ])
    func syntaxErrors(text: String, line: Int, description: String) {
        let error = #expect(throws: ConfigError.self) { try INIFile(text: text, path: "agent.ini") }
        #expect(error?.file == "agent.ini")
        #expect(error?.line == line)
        #expect(error?.description == description)
    }

    @Test("strings")
    func strings() throws {
        let ini = try INIFile(text: agentINI, path: "agent.ini")
        #expect(try ini.string("host_id", in: "agent") == "web-1")
        #expect(try ini.string("description", in: "agent") == "")
        #expect(try ini.string("nope", in: "agent") == nil)
        #expect(try ini.string("nope", in: "nosection") == nil)
        #expect(try ini.string("nope", in: "agent", default: "d") == "d")
        #expect(try ini.string("host_id", in: "agent", default: "d") == "web-1")
        #expect(try ini.requiredString("host_id", in: "agent") == "web-1")

        let missing = #expect(throws: ConfigError.self) { try ini.requiredString("key_file", in: "agent") }
        #expect(missing?.description == "agent.ini:4: [agent] key_file: missing; this key is required")
        let noSection = #expect(throws: ConfigError.self) { try ini.requiredString("key_file", in: "trust") }
        #expect(noSection?.description == "agent.ini: [trust] key_file: missing; this key is required")
        let empty = #expect(throws: ConfigError.self) { try ini.requiredString("description", in: "agent") }
        #expect(empty?.description == "agent.ini:7: [agent] description: empty; this key needs a value")
    }

    @Test("a repeated key is an error for single values, on its second line")
    func repeated() throws {
        let ini = try INIFile(text: agentINI, path: "agent.ini")
        let error = #expect(throws: ConfigError.self) { try ini.string("urls", in: "broker") }
        #expect(error?.description == "agent.ini:11: [broker] urls: given more than once (first on line 10)")
    }

    @Test(
        "integers",
        arguments: [
            ("10", 10 as Int?, nil as String?),
            ("1", 1, nil),
            ("65535", 65535, nil),
            ("+7", 7, nil),
            ("0", nil, "expected an integer from 1 to 65535, got \"0\""),
            ("65536", nil, "expected an integer from 1 to 65535, got \"65536\""),
            ("x", nil, "expected an integer from 1 to 65535, got \"x\""),
            ("", nil, "expected an integer from 1 to 65535, got \"\""),
            ("1.5", nil, "expected an integer from 1 to 65535, got \"1.5\""),
            ("99999999999999999999999", nil, "expected an integer from 1 to 65535, got \"99999999999999999999999\""),
        ])
    func integers(value: String, expected: Int?, message: String?) throws {
        let ini = try INIFile(text: "[broker]\nprefetch = \(value)\n", path: "agent.ini")
        if let message {
            let error = #expect(throws: ConfigError.self) { try ini.int("prefetch", in: "broker", range: 1...65535) }
            #expect(error?.description == "agent.ini:2: [broker] prefetch: " + message)
            #expect(error?.key == "prefetch")
            #expect(error?.section == "broker")
        } else {
            #expect(try ini.int("prefetch", in: "broker", range: 1...65535) == expected)
            #expect(try ini.int("prefetch", in: "broker", range: 1...65535, default: 3) == expected)
        }
        #expect(try ini.int("absent", in: "broker", range: 1...9) == nil)
        #expect(try ini.int("absent", in: "broker", range: 1...9, default: 3) == 3)
    }

    @Test(
        "booleans",
        arguments: [
            ("true", true as Bool?), ("yes", true), ("on", true), ("1", true), ("TRUE", true), ("Yes", true),
            ("false", false), ("no", false), ("off", false), ("0", false), ("Off", false),
            ("maybe", nil), ("", nil), ("2", nil),
        ])
    func booleans(value: String, expected: Bool?) throws {
        let ini = try INIFile(text: "[broker]\n\ntls = \(value)\n", path: "agent.ini")
        if let expected {
            #expect(try ini.bool("tls", in: "broker") == expected)
            #expect(try ini.bool("tls", in: "broker", default: !expected) == expected)
        } else {
            let error = #expect(throws: ConfigError.self) { try ini.bool("tls", in: "broker") }
            #expect(
                error?.description
                    == "agent.ini:3: [broker] tls: expected true or false (or yes/no, on/off, 1/0), got \"\(value)\"")
        }
        #expect(try ini.bool("absent", in: "broker", default: true))
    }

    @Test(
        "durations",
        arguments: [
            ("30s", Duration.seconds(30) as Duration?), ("5m", .seconds(300)), ("500ms", .milliseconds(500)),
            ("2h", .seconds(7_200)), ("30", .seconds(30)), ("0", .zero),
            ("", nil), ("s", nil), ("1.5s", nil), ("-1s", nil), ("10 s", nil), ("10d", nil), ("1000000000000000s", nil),
        ])
    func durations(value: String, expected: Duration?) throws {
        let ini = try INIFile(text: "[agent]\nheartbeat = \(value)", path: "agent.ini")
        if let expected {
            #expect(try ini.duration("heartbeat", in: "agent") == expected)
            #expect(try ini.duration("heartbeat", in: "agent", default: .seconds(99)) == expected)
        } else {
            let error = #expect(throws: ConfigError.self) { try ini.duration("heartbeat", in: "agent") }
            #expect(error?.line == 2)
            #expect(error?.message.hasPrefix("expected a duration like 500ms, 30s, 5m or 2h") == true)
            #expect(error?.message.hasSuffix("got \"\(value)\"") == true)
        }
        #expect(try ini.duration("absent", in: "agent", default: .seconds(5)) == .seconds(5))
    }

    @Test("lists split on commas and join repeated keys")
    func lists() throws {
        let ini = try INIFile(text: agentINI, path: "agent.ini")
        #expect(ini.list("urls", in: "broker") == ["amqp://a:5672/%2f?heartbeat=10", "amqp://b:5672", "amqp://c:5672"])
        #expect(ini.list("description", in: "agent") == [])
        #expect(ini.list("absent", in: "agent") == [])
        let sparse = try INIFile(text: "[s]\nk = a,, b ,\n", path: "x.ini")
        #expect(sparse.list("k", in: "s") == ["a", "b"])
    }

    @Test("unknown sections and keys are reported with their line and a suggestion")
    func unknownNames() throws {
        let ini = try INIFile(text: "[agent]\nhost_id = a\n\n[brokr]\nprefech = 1\n", path: "agent.ini")
        let sectionError = #expect(throws: ConfigError.self) {
            try ini.checkSections(allowed: ["agent", "broker", "facts"])
        }
        #expect(sectionError?.description == "agent.ini:4: [brokr]: unknown section; did you mean [broker]?")
        #expect(throws: Never.self) { try ini.checkSections(allowed: ["agent", "brokr"]) }

        let keyError = #expect(throws: ConfigError.self) {
            try ini.checkKeys(in: "brokr", allowed: ["urls", "prefetch"])
        }
        #expect(keyError?.description == "agent.ini:5: [brokr] prefech: unknown key; did you mean \"prefetch\"?")

        let farError = #expect(throws: ConfigError.self) { try ini.checkKeys(in: "agent", allowed: ["state", "id"]) }
        #expect(farError?.description == "agent.ini:2: [agent] host_id: unknown key; expected one of \"id\", \"state\"")

        #expect(throws: Never.self) { try ini.checkKeys(in: "agent", allowed: ["host_id"]) }
        #expect(throws: Never.self) { try ini.checkKeys(in: "absent", allowed: []) }
        #expect(ini.section("brokr")?.unknownKeys(allowed: ["urls"]).map(\.line) == [5])
    }

    @Test("callers can raise errors about an entry or a key")
    func callerErrors() throws {
        let ini = try INIFile(text: agentINI, path: "agent.ini")
        let entry = try #require(ini.section("route")?.values("roles/web/**").last)
        #expect(
            ini.error("bad component", at: entry, in: "route").description
                == "agent.ini:21: [route] roles/web/**: bad component")
        #expect(ini.error("bad", key: "prefetch", in: "broker").line == 12)
        #expect(ini.error("bad", key: nil, in: "broker").description == "agent.ini:9: [broker]: bad")
        #expect(ini.error("bad", key: "x", in: "absent").description == "agent.ini: [absent] x: bad")
    }

    @Test("reading from a file")
    func file() throws {
        let path = "/tmp/changebus-ini-test-\(UInt64.random(in: 0...UInt64.max)).ini"
        try Data("[a]\nk = v\n".utf8).write(to: URL(filePath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let ini = try INIFile(path: path)
        #expect(ini.path == path)
        #expect(ini.section("a")?.value("k")?.value == "v")

        let missing = #expect(throws: ConfigError.self) { try INIFile(path: path + ".absent") }
        #expect(missing?.description == "\(path).absent: cannot read the file: no such file")
        let folder = #expect(throws: ConfigError.self) { try INIFile(path: "/tmp") }
        #expect(folder?.description == "/tmp: cannot read the file: it is a folder")

        try Data([0x5B, 0x61, 0x5D, 0x0A, 0xFF, 0xFE]).write(to: URL(filePath: path))
        let binary = #expect(throws: ConfigError.self) { try INIFile(path: path) }
        #expect(binary?.description == "\(path): not UTF-8 text")
    }

    @Test("error descriptions leave out what they do not know")
    func descriptions() {
        #expect(ConfigError(file: "f", message: "m").description == "f: m")
        #expect(ConfigError(file: "f", line: 3, message: "m").description == "f:3: m")
        #expect(ConfigError(file: "f", line: 3, section: "s", message: "m").description == "f:3: [s]: m")
        #expect(ConfigError(file: "f", line: 3, section: "s", key: "k", message: "m").description == "f:3: [s] k: m")
        #expect(ConfigError(file: "f", key: "k", message: "m").description == "f: k: m")
    }

    @Test("edit distance for suggestions")
    func editDistance() {
        #expect(INIFile.editDistance("prefech", "prefetch") == 1)
        #expect(INIFile.editDistance("", "abc") == 3)
        #expect(INIFile.editDistance("kitten", "sitting") == 3)
        #expect(INIFile.editDistance("same", "same") == 0)
    }
}
