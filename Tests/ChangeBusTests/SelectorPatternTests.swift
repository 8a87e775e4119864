import Testing

@testable import ChangeBus

@Suite("Selector patterns (=~)")
struct SelectorPatternTests {
    @Test(
        "matching",
        arguments: [
            ("abc", "xabcx", true),  // anywhere unless anchored
            ("^abc$", "abc", true),
            ("^abc$", "abcd", false),
            ("^abc", "xabc", false),
            ("a.c", "abc", true),
            ("a.c", "a\nc", false),  // . is not a newline
            ("[a-c]+", "xbx", true),
            ("^[^0-9]+$", "abc", true),
            ("^[^0-9]+$", "ab1", false),
            ("^a|b$", "xb", true),
            ("^(ab)*$", "ababab", true),
            ("^(ab)*$", "aba", false),
            ("^(?:web|lb)-\\d+$", "lb-12", true),
            ("^(?:web|lb)-\\d+$", "db-12", false),
            ("^a{2}$", "aa", true),
            ("^a{2}$", "aaa", false),
            ("^a{2,}$", "aaaa", true),
            ("^a{2,}$", "a", false),
            ("^a{2,3}$", "aaa", true),
            ("^a{2,3}$", "aaaa", false),
            ("^a{0,1}b", "b", true),
            ("colou?r", "color", true),
            ("^a+$", "", false),
            ("^\\d+\\.\\d+$", "1.10", true),
            ("^\\d+\\.\\d+$", "1x10", false),
            ("\\s", "a b", true),
            ("^\\S+$", "a b", false),
            ("^\\w+$", "web_1", true),
            ("^\\W", "-x", true),
            ("^\\D", "1", false),
            ("^[\\d-]+$", "1-2", true),
            ("^[]a]+$", "]a", true),  // ] first is itself
            ("^[a-]+$", "a-", true),  // - last is itself
            ("^[\\]]$", "]", true),
            ("a*?b", "aab", true),  // lazy: the same answer
            ("^$", "", true),
            ("", "anything", true),
            ("^(a*)*$", "aaa", true),  // a loop that can match nothing terminates
            ("^(a|)+$", "aa", true),
            ("é", "café", true),
            ("^caf.$", "café", true),
            ("\\$", "$5", true),
            ("^\\[x\\]$", "[x]", true),
            ("^a\\tb$", "a\tb", true),
            ("a}", "a}", true),
        ])
    func matching(pattern: String, subject: String, expected: Bool) throws {
        #expect(try SelectorPattern(pattern).matches(subject) == expected)
    }

    @Test(
        "patterns that make backtracking engines hang answer at once",
        .timeLimit(.minutes(1)),
        arguments: [
            ("(a+)+$", String(repeating: "a", count: 30) + "!", false),
            ("^(a|a)*$", String(repeating: "a", count: 30) + "!", false),
            ("^(a|aa)+$", String(repeating: "a", count: 4_000) + "!", false),
            ("(x+x+)+y", String(repeating: "x", count: 4_000), false),
            ("^(a?){25}a{25}$", String(repeating: "a", count: 25), true),
        ])
    func hostile(pattern: String, subject: String, expected: Bool) throws {
        let compiled = try SelectorPattern(pattern)
        let clock = ContinuousClock()
        let elapsed = clock.measure { #expect(compiled.matches(subject) == expected) }
        #expect(elapsed < .seconds(10))
    }

    @Test("the largest program against the longest subject stays bounded", .timeLimit(.minutes(1)))
    func worstCase() throws {
        // 900 optional dots: about 1,800 states alive at every one of 4,096 positions.
        let compiled = try SelectorPattern("^(.?){900}$")
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            #expect(!compiled.matches(String(repeating: "a", count: SelectorPattern.maxSubjectLength)))
        }
        #expect(elapsed < .seconds(30))
    }

    @Test("a subject longer than the limit never matches")
    func longSubject() throws {
        let compiled = try SelectorPattern("a")
        #expect(compiled.matches(String(repeating: "a", count: SelectorPattern.maxSubjectLength)))
        #expect(!compiled.matches(String(repeating: "a", count: SelectorPattern.maxSubjectLength + 1)))
    }

    @Test(
        "errors point at the offending character",
        arguments: [
            ("(ab", 0, "unclosed \"(\""),
            ("ab)", 2, "unmatched \")\""),
            ("*a", 0, "nothing to repeat"),
            ("a**", 2, "nothing to repeat"),
            ("^*", 1, "nothing to repeat"),
            ("a{", 2, "expected a repetition"),
            ("a{2", 1, "expected a repetition"),
            ("a{x}", 2, "expected a repetition"),
            ("a{3,2}", 1, "counts down"),
            ("a{1001}", 2, "above 1000"),
            ("[abc", 0, "unclosed \"[\""),
            ("[z-a]", 2, "invalid range"),
            ("[a-\\d]", 2, "invalid range"),
            ("a\\", 1, "lone"),
            ("\\b", 0, "unsupported escape"),
            ("\\1", 0, "unsupported escape"),
            ("(?=a)", 0, "only (?: ) groups"),
            ("[[:alpha:]]", 1, "POSIX"),
            ("[\\D]", 1, "not supported inside"),
            ("(a{100}){100}", 0, "too large"),
            (String(repeating: "(", count: 33) + "a" + String(repeating: ")", count: 33), 32, "nested deeper"),
            (String(repeating: "a", count: 257), 256, "limit is 256"),
        ])
    func errors(pattern: String, offset: Int, says: String) {
        #expect {
            try SelectorPattern(pattern)
        } throws: { error in
            guard let failure = error as? SelectorPattern.Failure else { return false }
            #expect(failure.offset == offset)
            #expect(failure.message.contains(says), "message: \(failure.message)")
            return true
        }
    }
}
