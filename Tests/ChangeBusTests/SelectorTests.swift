import Testing

@testable import ChangeBus

/// A web host with one fact of every kind the rules distinguish.
private let web: Facts = [
    "env": .string("prod"),
    "role": .string("web"),
    "roles": .list([.string("web"), .string("lb")]),
    "hostname": .string("web-1"),
    "os.family": .string("Debian"),
    "cores": .number(8),
    "ini_cores": .string("8"),
    "load": .number(0.75),
    "version": .string("1.10.2"),
    "kernel": .string("5.10.0"),
    "virtual": .string("true"),
    "physical": .bool(false),
    "a": .bool(true),
    "b": .bool(false),
    "c": .bool(false),
]

@Suite("Selector")
struct SelectorTests {
    @Test(
        "precedence: or < and < not",
        arguments: [
            // a = true, b = false, c = false
            ("a or b and c", true),  // a or (b and c); (a or b) and c would be false
            ("b and c or a", true),
            ("not a and b", false),  // (not a) and b; not (a and b) would be true
            ("not b and a", true),
            ("not (a and b)", true),
            ("(a or b) and c", false),
            ("not not a", true),
            ("a and not b and not c", true),
            ("b or c or a", true),
            ("true and false", false),
            ("false or true", true),
        ])
    func precedence(source: String, expected: Bool) throws {
        #expect(try Selector(parsing: source).matches(web) == expected)
    }

    @Test(
        "comparisons by type",
        arguments: [
            ("env == \"prod\"", true),
            ("env != \"prod\"", false),
            ("env == \"dev\"", false),
            ("\"prod\" == env", true),
            ("os.family == \"Debian\"", true),
            ("env < \"test\"", true),  // plain strings: Unicode order
            ("\"2024-01-31\" < \"2024-06-01\"", true),
            ("env < 5", false),  // no order between a word and a number
            ("cores == 8", true),
            ("cores != 8", false),
            ("cores > 4", true),
            ("cores >= 8", true),
            ("cores < 8", false),
            ("cores <= 8.0", true),
            ("load < 1", true),
            ("load > -1", true),
            ("cores == \"8\"", true),  // a number and the string spelling it
            ("ini_cores == 8", true),  // INI facts are strings
            ("ini_cores > 4", true),
            ("ini_cores < 10", true),  // as numbers, not as text ("8" > "10")
            ("physical == false", true),
            ("physical != true", true),
            ("virtual == true", true),  // the string "true"
            ("virtual", true),  // a fact alone: its truth
            ("physical", false),
            ("env", false),  // a string other than "true" is not true
            ("not physical", true),
            ("physical < true", false),  // booleans have no order
        ])
    func types(source: String, expected: Bool) throws {
        #expect(try Selector(parsing: source).matches(web) == expected)
    }

    @Test(
        "versions compare part by part",
        arguments: [
            ("version > \"1.9\"", true),
            ("version < \"1.9\"", false),
            ("version >= \"1.10.2\"", true),
            ("version <= \"1.10.2\"", true),
            ("version == \"1.10.2\"", true),
            ("version > \"1.10.10\"", false),
            ("\"1.9\" < \"1.9.0\"", true),  // more parts, all shared equal: greater
            ("\"1.09\" == 1.9", true),  // leading zeros do not count
            ("\"8.0\" == 8", false),
            ("kernel >= \"5.4\"", true),
            ("kernel < \"5.10.1\"", true),
            ("cores < \"10\"", true),  // a number against a version
            ("cores > \"7.9\"", true),
            ("load < \"1\"", true),  // 0.75 is the version 0.75
            ("1.5 < \"1.10\"", true),  // ... so 1.5 is the version 1.5, before 1.10
            ("\"123456789012345678901234567890\" > \"99\"", true),  // no overflow
        ])
    func versions(source: String, expected: Bool) throws {
        #expect(try Selector(parsing: source).matches(web) == expected)
    }

    @Test(
        "a missing fact makes a comparison false, != included",
        arguments: [
            ("nope == \"x\"", false),
            ("nope != \"x\"", false),
            ("not nope == \"x\"", true),
            ("not nope != \"x\"", true),
            ("nope < 3", false),
            ("nope >= 3", false),
            ("nope in [\"a\"]", false),
            ("\"a\" in nope", false),
            ("nope =~ \".*\"", false),
            ("nope == nope", false),
            ("nope", false),
            ("not nope", true),
            ("exists(nope)", false),
            ("not exists(nope)", true),
            ("exists(env)", true),
            ("exists(os.family)", true),
        ])
    func missingFacts(source: String, expected: Bool) throws {
        #expect(try Selector(parsing: source).matches(web) == expected)
    }

    @Test(
        "lists and in",
        arguments: [
            ("role in [\"web\", \"lb\"]", true),
            ("role in [\"db\"]", false),
            ("role in []", false),
            ("role in [\"db\", \"web\",]", true),  // a trailing comma is allowed
            ("\"lb\" in roles", true),
            ("\"db\" in roles", false),
            ("roles in [\"lb\", \"x\"]", true),  // a list fact: any element
            ("roles in [\"x\"]", false),
            ("roles == \"web\"", false),  // a list never equals one value
            ("roles != \"web\"", true),
            ("roles == [\"web\", \"lb\"]", true),
            ("roles == [\"lb\", \"web\"]", false),
            ("cores in [4, 8]", true),
            ("ini_cores in [8]", true),
            ("role in role", true),  // a single-valued fact is a one-element list
            ("roles =~ \"^l\"", true),  // a list matches when any element does
            ("roles =~ \"^d\"", false),
        ])
    func lists(source: String, expected: Bool) throws {
        #expect(try Selector(parsing: source).matches(web) == expected)
    }

    @Test(
        "patterns",
        arguments: [
            ("hostname =~ \"^web-[0-9]+$\"", true),
            ("hostname =~ \"^db\"", false),
            ("hostname =~ \"eb\"", true),  // anywhere unless anchored
            ("hostname =~ \"^web-\\\\d$\"", true),
            ("hostname =~ \"^(web|lb)-\"", true),
            ("cores =~ \"^8$\"", true),  // a number matches as its text
            ("physical =~ \"^false$\"", true),
            ("not hostname =~ \"^canary-\"", true),
        ])
    func patterns(source: String, expected: Bool) throws {
        #expect(try Selector(parsing: source).matches(web) == expected)
    }

    @Test("the issue's example over several hosts")
    func example() throws {
        let selector = try Selector(
            parsing: #"env == "prod" and (role in ["web", "lb"] or hostname =~ "^canary-") and not exists(maintenance)"#)
        #expect(selector.matches(web))
        #expect(selector.factNames == ["env", "role", "hostname", "maintenance"])

        var db = web
        db["role"] = .string("db")
        #expect(!selector.matches(db))
        db["hostname"] = .string("canary-db-1")
        #expect(selector.matches(db))

        var resting = web
        resting["maintenance"] = .bool(false)  // exists, whatever its value
        #expect(!selector.matches(resting))

        var staging = web
        staging["env"] = .string("staging")
        #expect(!selector.matches(staging))

        var unknown = web
        unknown["env"] = nil
        #expect(!selector.matches(unknown))
    }

    @Test("a blank selector matches every host", arguments: ["", "   ", "\n\t "])
    func blank(source: String) throws {
        let selector = try Selector(parsing: source)
        #expect(selector.matchesEverything)
        #expect(selector.matches([:]))
        #expect(selector.factNames.isEmpty)
        #expect(try !Selector(parsing: "a").matchesEverything)
    }

    @Test("evaluate reports the facts it looked at, stopping where the answer is known")
    func evaluation() throws {
        let selector = try Selector(parsing: "env == \"dev\" and cores > 4 or exists(maintenance) or role == \"web\"")
        let evaluation = selector.evaluate(web)
        #expect(evaluation.matched)
        // `cores` is never looked at: `env == "dev"` already made the `and` false.
        #expect(evaluation.facts == ["env": .string("prod"), "role": .string("web")])
        #expect(evaluation.missingFacts == ["maintenance"])
        #expect(selector.factNames == ["env", "cores", "maintenance", "role"])

        let short = try Selector(parsing: "role == \"web\" or nope == 1").evaluate(web)
        #expect(short.matched)
        #expect(short.facts == ["role": .string("web")])
        #expect(short.missingFacts.isEmpty)
    }

    @Test("selectors are equal when their sources are")
    func equality() throws {
        #expect(try Selector(parsing: "a == 1") == Selector(parsing: "a == 1"))
        #expect(try Selector(parsing: "a == 1") != Selector(parsing: "a==1"))
        #expect(try Set([Selector(parsing: "a"), Selector(parsing: "a")]).count == 1)
        #expect(try Selector(parsing: "a == 1").description == "a == 1")
    }

    @Test("string literals decode their escapes")
    func escapes() throws {
        let facts: Facts = ["s": .string("say \"hi\"\\\n\t")]
        #expect(try Selector(parsing: #"s == "say \"hi\"\\\n\t""#).matches(facts))
    }
}
