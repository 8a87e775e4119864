import Testing

@testable import ChangeBus

/// One expression that must not parse, and where and why.
struct SelectorErrorCase: Sendable, CustomTestStringConvertible {
    let source: String
    let code: SelectorError.Code
    let column: Int
    /// A part of the message that names the problem.
    let says: String

    init(_ source: String, _ code: SelectorError.Code, column: Int, says: String) {
        self.source = source
        self.code = code
        self.column = column
        self.says = says
    }

    var testDescription: String { source.count > 60 ? String(source.prefix(60)) + "…" : source }
}

@Suite("Selector errors")
struct SelectorErrorTests {
    @Test(
        "every kind of error, with its column",
        arguments: [
            SelectorErrorCase(#"env == "prod" and (role"#, .unexpectedToken, column: 24, says: #"expected ")""#),
            SelectorErrorCase("env ==", .unexpectedToken, column: 7, says: "expected a value but found end of input"),
            SelectorErrorCase(#"env == "a" or"#, .unexpectedToken, column: 14, says: "expected a condition"),
            SelectorErrorCase(#"env == "a" env"#, .unexpectedToken, column: 12, says: #"found "env""#),
            SelectorErrorCase("a == 1 == 2", .unexpectedToken, column: 8, says: #"found "==""#),
            SelectorErrorCase(") or a", .unexpectedToken, column: 1, says: "expected a condition"),
            SelectorErrorCase("exists(1)", .unexpectedToken, column: 8, says: "expected a fact name"),
            SelectorErrorCase("exists(a", .unexpectedToken, column: 9, says: #"expected ")""#),
            SelectorErrorCase("x in [1 2]", .unexpectedToken, column: 9, says: #"expected "," or "]""#),
            SelectorErrorCase("x in [1,", .unexpectedToken, column: 9, says: "expected a value"),
            SelectorErrorCase(#"env = "x""#, .invalidCharacter, column: 5, says: #"write "==""#),
            SelectorErrorCase("!a", .invalidCharacter, column: 1, says: #""not""#),
            SelectorErrorCase("a && b", .invalidCharacter, column: 3, says: #"write "and""#),
            SelectorErrorCase("a || b", .invalidCharacter, column: 3, says: #"write "or""#),
            SelectorErrorCase("a == @", .invalidCharacter, column: 6, says: #""@""#),
            SelectorErrorCase(#"env == "prod"#, .unterminatedString, column: 8, says: "unterminated string"),
            SelectorErrorCase(#"env == "a\d""#, .invalidEscape, column: 10, says: #"write "\\d""#),
            SelectorErrorCase("version > 1.2.3", .invalidNumber, column: 11, says: #"quote a version: "1.2.3""#),
            SelectorErrorCase("8cores == 1", .invalidNumber, column: 2, says: "after the number 8"),
            SelectorErrorCase(#""x" and a"#, .invalidOperand, column: 1, says: "is not a condition"),
            SelectorErrorCase("a and 3", .invalidOperand, column: 7, says: "is not a condition"),
            SelectorErrorCase(#"role in "web""#, .invalidOperand, column: 9, says: "expected a list or a fact name"),
            SelectorErrorCase("hostname =~ role", .invalidOperand, column: 13, says: "expected a quoted pattern"),
            SelectorErrorCase("[1, [2]] in x", .invalidOperand, column: 5, says: "lists cannot be nested"),
            SelectorErrorCase("x in [a]", .invalidOperand, column: 7, says: "not fact names"),
            SelectorErrorCase(#"hostname =~ "(ab""#, .invalidPattern, column: 14, says: #"unclosed "(""#),
            SelectorErrorCase(#"hostname =~ "ab)""#, .invalidPattern, column: 16, says: #"unmatched ")""#),
            // The column counts source characters, so it sees through the string's escapes.
            SelectorErrorCase(#"hostname =~ "\\q""#, .invalidPattern, column: 14, says: #"unsupported escape"#),
            SelectorErrorCase(#"hostname =~ "a\\""#, .invalidPattern, column: 15, says: "lone"),
            SelectorErrorCase(#"hostname =~ "*a""#, .invalidPattern, column: 14, says: "nothing to repeat"),
            SelectorErrorCase(#"hostname =~ "é(""#, .invalidPattern, column: 15, says: #"unclosed "(""#),
        ])
    func errors(_ example: SelectorErrorCase) {
        #expect {
            try Selector(parsing: example.source)
        } throws: { error in
            guard let error = error as? SelectorError else { return false }
            #expect(error.code == example.code)
            #expect(error.column == example.column)
            #expect(error.message.contains(example.says), "message: \(error.message)")
            #expect(error.source == example.source)
            return true
        }
    }

    @Test("the description shows the source with a caret under the column")
    func caret() {
        let error = #expect(throws: SelectorError.self) {
            try Selector(parsing: #"env == "prod" and (role"#)
        }
        #expect(
            error?.description == """
                selector: expected ")" but found end of input at column 24
                  env == "prod" and (role
                                         ^
                """)

        let middle = #expect(throws: SelectorError.self) { try Selector(parsing: "a and 3 or b") }
        #expect(
            middle?.description == """
                selector: 3 is not a condition; compare it with ==, !=, <, <=, >, >=, =~ or in at column 7
                  a and 3 or b
                        ^
                """)
    }

    @Test("a long source is cut around the column so the caret stays readable")
    func longCaret() {
        let source = String(repeating: "a and ", count: 50) + "@ and b"
        let error = #expect(throws: SelectorError.self) { try Selector(parsing: source) }
        let lines = error?.description.split(separator: "\n", omittingEmptySubsequences: false) ?? []
        #expect(lines.count == 3)
        guard lines.count == 3 else { return }
        #expect(lines[0] == "selector: unexpected character \"@\" at column 301")
        #expect(lines[1].hasPrefix("  …"))
        #expect(lines[1].count <= 2 + 1 + 60 + 60)
        // The caret sits under the "@".
        let caret = lines[2].count - 1
        #expect(Array(lines[1])[caret] == "@")
        #expect(lines[2].last == "^")
    }

    @Test("newlines and tabs in the source keep the caret aligned")
    func multiline() {
        let error = #expect(throws: SelectorError.self) { try Selector(parsing: "a and\n\tb and @") }
        #expect(error?.column == 14)
        #expect(error?.description.hasSuffix("  a and  b and @\n" + String(repeating: " ", count: 15) + "^") == true)
    }

    // MARK: - Limits: errors, never a crash or a hang.

    @Test("deep parentheses are an error at the first one too deep")
    func deepParentheses() {
        // 2,000 fit in the length limit, so the depth limit is what stops them.
        let error = #expect(throws: SelectorError.self) {
            try Selector(parsing: String(repeating: "(", count: 2_000) + "a" + String(repeating: ")", count: 2_000))
        }
        #expect(error?.code == .limitExceeded)
        #expect(error?.column == Selector.maxDepth + 1)
        #expect(error?.message.contains("deeper than \(Selector.maxDepth)") == true)

        let tenThousand = #expect(throws: SelectorError.self) {
            try Selector(parsing: String(repeating: "(", count: 10_000) + "a" + String(repeating: ")", count: 10_000))
        }
        #expect(tenThousand?.code == .limitExceeded)
    }

    @Test("parentheses and not nested to the limit still parse")
    func depthAtLimit() throws {
        let depth = Selector.maxDepth
        let nested = String(repeating: "(", count: depth) + "a" + String(repeating: ")", count: depth)
        #expect(try Selector(parsing: nested).matches(web))
        let nots = String(repeating: "not ", count: depth) + "a"
        #expect(try Selector(parsing: nots).matches(web))  // an even number of nots
        let error = #expect(throws: SelectorError.self) {
            try Selector(parsing: String(repeating: "not ", count: 1_000) + "a")
        }
        #expect(error?.code == .limitExceeded)
        #expect(error?.column == depth * 4 + 1)
    }

    @Test("a long chain of and/or is not nesting")
    func longChain() throws {
        let chain = Array(repeating: "b", count: 600).joined(separator: " or ") + " or a"
        #expect(chain.count < Selector.maxSourceLength)
        #expect(try Selector(parsing: chain).matches(web))
    }

    @Test("a source over the length limit is refused at once")
    func tooLong() throws {
        let limit = Selector.maxSourceLength
        let atLimit = "a" + String(repeating: " ", count: limit - 1)
        #expect(try Selector(parsing: atLimit).matches(web))

        let huge = String(repeating: "a and ", count: 1_000_000)
        let error = #expect(throws: SelectorError.self) { try Selector(parsing: huge) }
        #expect(error?.code == .limitExceeded)
        #expect(error?.column == limit + 1)
        #expect(error?.message.contains("\(limit)") == true)
        // The rendering shows a window, not the megabytes.
        #expect((error?.description.count ?? .max) < 300)
    }

    @Test("a list over the length limit is refused at the first value too many")
    func longList() throws {
        let limit = Selector.maxListLength
        let full = "x in [" + Array(repeating: "1", count: limit).joined(separator: ",") + "]"
        #expect(try !Selector(parsing: full).matches(web))
        let over = "x in [" + Array(repeating: "1", count: limit + 1).joined(separator: ",") + "]"
        let error = #expect(throws: SelectorError.self) { try Selector(parsing: over) }
        #expect(error?.code == .limitExceeded)
        #expect(error?.column == 7 + limit * 2)
    }

    @Test("a pattern over the length limit is an error")
    func longPattern() {
        let pattern = String(repeating: "a", count: SelectorPattern.maxLength + 1)
        let error = #expect(throws: SelectorError.self) { try Selector(parsing: "h =~ \"\(pattern)\"") }
        #expect(error?.code == .invalidPattern)
        #expect(error?.message.contains("limit is \(SelectorPattern.maxLength)") == true)
    }
}

private let web: Facts = ["a": .bool(true), "b": .bool(false)]
