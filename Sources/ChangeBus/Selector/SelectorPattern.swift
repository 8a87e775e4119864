/// A regular expression for the selector's `=~`, matched in time linear in the subject.
///
/// Swift's `Regex` backtracks: on this machine `try Regex("(a+)+$")` against 24 `a`s and a
/// `!` ran for over ten minutes. A selector arrives in every change event, so this small
/// engine compiles the pattern to a Thompson NFA and runs all its states side by side
/// instead: the cost is at most (program size × subject length), whatever the pattern.
///
/// Supported, on Unicode scalars: literals; `.` (any but newline); `[...]` and `[^...]` with
/// ranges and `\d \w \s`; `\d \D \w \W \s \S`; `\n \t \r` and `\` before punctuation;
/// `^` and `$` (start and end of the whole subject); `( )` and `(?: )`; `|`; and the
/// quantifiers `* + ? {n} {n,} {n,m}` (a trailing lazy `?` is accepted and changes nothing,
/// since only "does it match" is asked). Backreferences, lookaround and flags are not
/// supported and are errors. A pattern matches when it matches anywhere in the subject;
/// anchor it with `^...$` to match the whole.
struct SelectorPattern: Sendable {
    /// Why a pattern does not compile: `offset` counts Unicode scalars from its start.
    struct Failure: Error {
        let message: String
        let offset: Int
    }

    /// Most scalars in a pattern.
    static let maxLength = 256
    /// Most instructions once repetitions are expanded (`a{100}` is 100 of them).
    static let maxProgramSize = 2_000
    /// Most scalars in a subject: a longer fact value never matches, which bounds one match
    /// to about `maxProgramSize × maxSubjectLength` steps.
    static let maxSubjectLength = 4_096
    /// Deepest group nesting.
    static let maxDepth = 32
    /// Largest count in `{n,m}`.
    static let maxRepeat = 1_000

    private let program: [Instruction]

    init(_ pattern: String) throws(Failure) {
        let scalars = Array(pattern.unicodeScalars)
        guard scalars.count <= Self.maxLength else {
            throw Failure(
                message: "the pattern is \(scalars.count) characters long, the limit is \(Self.maxLength)",
                offset: Self.maxLength)
        }
        var parser = Parser(scalars: scalars)
        let tree = try parser.parse()
        var compiler = Compiler()
        try compiler.emit(tree)
        compiler.program.append(.match)
        guard compiler.program.count <= Self.maxProgramSize else {
            throw Failure(
                message: "the pattern is too large once its repetitions are expanded "
                    + "(more than \(Self.maxProgramSize) steps)",
                offset: 0)
        }
        program = compiler.program
    }

    /// Whether the pattern matches anywhere in `subject`; false when the subject is longer
    /// than `maxSubjectLength` scalars.
    func matches(_ subject: String) -> Bool {
        var scalars: [Unicode.Scalar] = []
        for scalar in subject.unicodeScalars {
            guard scalars.count < Self.maxSubjectLength else { return false }
            scalars.append(scalar)
        }
        // `seen[pc] == position` marks a state already in the list for that position.
        var seen = [Int](repeating: -1, count: program.count)
        var current: [Int] = []
        var next: [Int] = []
        var stack: [Int] = []
        current.reserveCapacity(program.count)
        next.reserveCapacity(program.count)

        /// Adds the state `start` and every state reachable from it without reading a scalar.
        func add(_ start: Int, at position: Int, to list: inout [Int]) -> Bool {
            stack.removeAll(keepingCapacity: true)
            stack.append(start)
            while let pc = stack.popLast() {
                if seen[pc] == position { continue }
                seen[pc] = position
                switch program[pc] {
                case .jump(let target): stack.append(target)
                case .split(let first, let second):
                    stack.append(second)
                    stack.append(first)
                case .start: if position == 0 { stack.append(pc + 1) }
                case .end: if position == scalars.count { stack.append(pc + 1) }
                case .match: return true
                case .scalar, .any, .set: list.append(pc)
                }
            }
            return false
        }

        for position in 0...scalars.count {
            // A new attempt starts at every position: the pattern is not anchored by default.
            if add(0, at: position, to: &current) { return true }
            guard position < scalars.count else { break }
            let scalar = scalars[position]
            next.removeAll(keepingCapacity: true)
            for pc in current {
                let accepts: Bool
                switch program[pc] {
                case .scalar(let expected): accepts = scalar == expected
                case .any: accepts = scalar != "\n"
                case .set(let set): accepts = set.contains(scalar)
                default: accepts = false
                }
                if accepts, add(pc + 1, at: position + 1, to: &next) { return true }
            }
            swap(&current, &next)
        }
        return false
    }

    // MARK: - Program

    private enum Instruction: Sendable {
        case scalar(Unicode.Scalar)
        case any
        case set(ScalarSet)
        case split(Int, Int)
        case jump(Int)
        case start
        case end
        case match
    }

    private struct ScalarSet: Sendable {
        var ranges: [ClosedRange<Unicode.Scalar>] = []
        var negated = false

        func contains(_ scalar: Unicode.Scalar) -> Bool {
            ranges.contains { $0.contains(scalar) } != negated
        }

        static func ofClass(_ letter: Unicode.Scalar) -> ScalarSet? {
            var set = ScalarSet()
            switch letter {
            case "d", "D": set.ranges = ["0"..."9"]
            case "w", "W": set.ranges = ["a"..."z", "A"..."Z", "0"..."9", "_"..."_"]
            case "s", "S": set.ranges = [" "..." ", "\t"..."\r"]
            default: return nil
            }
            set.negated = letter.properties.isUppercase
            return set
        }
    }

    private indirect enum Node {
        case scalar(Unicode.Scalar)
        case any
        case set(ScalarSet)
        case start
        case end
        case sequence([Node])
        case alternation([Node])
        case repetition(Node, min: Int, max: Int?)
    }

    // MARK: - Parser

    private struct Parser {
        let scalars: [Unicode.Scalar]
        var index = 0
        var depth = 0

        func fail(_ message: String, at offset: Int? = nil) -> Failure {
            Failure(message: message, offset: offset ?? index)
        }

        func peek() -> Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

        mutating func parse() throws(Failure) -> Node {
            let node = try alternation()
            if index < scalars.count { throw fail("unmatched \")\" in the pattern") }
            return node
        }

        mutating func alternation() throws(Failure) -> Node {
            var branches = [try sequence()]
            while peek() == "|" {
                index += 1
                branches.append(try sequence())
            }
            return branches.count == 1 ? branches[0] : .alternation(branches)
        }

        mutating func sequence() throws(Failure) -> Node {
            var items: [Node] = []
            while let scalar = peek(), scalar != "|", scalar != ")" {
                var item = try atom()
                var quantified = false
                while let quantifier = try self.quantifier() {
                    var repeatable = !quantified
                    if case .start = item { repeatable = false }
                    if case .end = item { repeatable = false }
                    guard repeatable else {
                        throw fail("nothing to repeat before \"\(scalars[quantifier.offset])\"", at: quantifier.offset)
                    }
                    item = .repetition(item, min: quantifier.min, max: quantifier.max)
                    quantified = true
                }
                items.append(item)
            }
            return items.count == 1 ? items[0] : .sequence(items)
        }

        mutating func quantifier() throws(Failure) -> (min: Int, max: Int?, offset: Int)? {
            let start = index
            let result: (Int, Int?)
            switch peek() {
            case "*": result = (0, nil)
            case "+": result = (1, nil)
            case "?": result = (0, 1)
            case "{":
                index += 1
                let low = try count()
                var high: Int? = low
                if peek() == "," {
                    index += 1
                    high = peek() == "}" ? nil : try count()
                }
                guard peek() == "}" else { throw fail("expected a repetition like {2}, {2,} or {1,3}", at: start) }
                if let high, high < low { throw fail("the repetition {\(low),\(high)} counts down", at: start) }
                result = (low, high)
            default:
                return nil
            }
            index += 1
            if peek() == "?" { index += 1 }  // lazy: the same set of matches
            return (result.0, result.1, start)
        }

        mutating func count() throws(Failure) -> Int {
            let start = index
            var value = 0
            while let scalar = peek(), ("0"..."9").contains(scalar) {
                value = value * 10 + Int(scalar.value - 48)
                index += 1
                if value > SelectorPattern.maxRepeat {
                    throw fail("a repetition count above \(SelectorPattern.maxRepeat)", at: start)
                }
            }
            guard index > start else { throw fail("expected a repetition like {2}, {2,} or {1,3}") }
            return value
        }

        mutating func atom() throws(Failure) -> Node {
            let start = index
            let scalar = scalars[index]
            index += 1
            switch scalar {
            case ".": return .any
            case "^": return .start
            case "$": return .end
            case "[": return .set(try bracket(openedAt: start))
            case "(":
                if peek() == "?" {
                    guard index + 1 < scalars.count, scalars[index + 1] == ":" else {
                        throw fail("only (?: ) groups are supported, not \"(?\"", at: start)
                    }
                    index += 2
                }
                depth += 1
                guard depth <= SelectorPattern.maxDepth else {
                    throw fail("groups nested deeper than \(SelectorPattern.maxDepth)", at: start)
                }
                let inner = try alternation()
                guard peek() == ")" else { throw fail("unclosed \"(\" in the pattern", at: start) }
                index += 1
                depth -= 1
                return inner
            case "*", "+", "?", "{":
                throw fail("nothing to repeat before \"\(scalar)\"", at: start)
            case "\\":
                return try escape(at: start, inBracket: false)
            default:
                return .scalar(scalar)
            }
        }

        /// After a backslash at `start`: a class, a control character or a literal.
        mutating func escape(at start: Int, inBracket: Bool) throws(Failure) -> Node {
            guard let escaped = peek() else { throw fail("the pattern ends with a lone \"\\\"", at: start) }
            index += 1
            if let set = ScalarSet.ofClass(escaped) {
                if inBracket && set.negated {
                    throw fail("\"\\\(escaped)\" is not supported inside [ ]", at: start)
                }
                return .set(set)
            }
            switch escaped {
            case "n": return .scalar("\n")
            case "t": return .scalar("\t")
            case "r": return .scalar("\r")
            default:
                guard escaped.isASCII, !escaped.properties.isAlphabetic, !("0"..."9").contains(escaped) else {
                    throw fail("unsupported escape \"\\\(escaped)\" in the pattern", at: start)
                }
                return .scalar(escaped)
            }
        }

        mutating func bracket(openedAt start: Int) throws(Failure) -> ScalarSet {
            var set = ScalarSet()
            if peek() == "^" {
                set.negated = true
                index += 1
            }
            var first = true
            while let scalar = peek() {
                if scalar == "]" && !first {
                    index += 1
                    return set
                }
                first = false
                if scalar == "[" && index + 1 < scalars.count && scalars[index + 1] == ":" {
                    throw fail("POSIX classes like [:alpha:] are not supported", at: index)
                }
                let low = try bracketMember()
                guard case .scalar(let lowScalar) = low else {
                    if case .set(let inner) = low { set.ranges += inner.ranges }
                    continue
                }
                // `a-z` is a range; a `-` first or last is itself.
                if peek() == "-", index + 1 < scalars.count, scalars[index + 1] != "]" {
                    let dash = index
                    index += 1
                    guard case .scalar(let highScalar) = try bracketMember(), lowScalar <= highScalar else {
                        throw fail("invalid range in [ ]", at: dash)
                    }
                    set.ranges.append(lowScalar...highScalar)
                } else {
                    set.ranges.append(lowScalar...lowScalar)
                }
            }
            throw fail("unclosed \"[\" in the pattern", at: start)
        }

        mutating func bracketMember() throws(Failure) -> Node {
            let start = index
            let scalar = scalars[index]
            index += 1
            return scalar == "\\" ? try escape(at: start, inBracket: true) : .scalar(scalar)
        }
    }

    // MARK: - Compiler

    private struct Compiler {
        var program: [Instruction] = []

        mutating func emit(_ node: Node) throws(Failure) {
            // Stop early: `(a{1000}){1000}` must not build a million instructions first.
            guard program.count <= SelectorPattern.maxProgramSize else {
                throw Failure(
                    message: "the pattern is too large once its repetitions are expanded "
                        + "(more than \(SelectorPattern.maxProgramSize) steps)",
                    offset: 0)
            }
            switch node {
            case .scalar(let scalar): program.append(.scalar(scalar))
            case .any: program.append(.any)
            case .set(let set): program.append(.set(set))
            case .start: program.append(.start)
            case .end: program.append(.end)
            case .sequence(let items):
                for item in items { try emit(item) }
            case .alternation(let branches):
                var exits: [Int] = []
                for (offset, branch) in branches.enumerated() {
                    if offset < branches.count - 1 {
                        let split = program.count
                        program.append(.split(split + 1, -1))
                        try emit(branch)
                        exits.append(program.count)
                        program.append(.jump(-1))
                        program[split] = .split(split + 1, program.count)
                    } else {
                        try emit(branch)
                    }
                }
                for exit in exits { program[exit] = .jump(program.count) }
            case .repetition(let inner, let min, let max):
                for _ in 0..<min { try emit(inner) }
                if let max {
                    var skips: [Int] = []
                    for _ in min..<max {
                        skips.append(program.count)
                        program.append(.split(program.count + 1, -1))
                        try emit(inner)
                    }
                    for skip in skips { program[skip] = .split(skip + 1, program.count) }
                } else {
                    let loop = program.count
                    program.append(.split(loop + 1, -1))
                    try emit(inner)
                    program.append(.jump(loop))
                    program[loop] = .split(loop + 1, program.count)
                }
            }
        }
    }
}
