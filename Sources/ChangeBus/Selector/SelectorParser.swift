/// Recursive descent over the selector grammar:
/// ```
/// expr      := or
/// or        := and ("or" and)*
/// and       := not ("and" not)*
/// not       := "not" not | condition
/// condition := "(" expr ")" | "exists" "(" name ")" | operand (op operand | "in" operand)?
/// operand   := name | string | number | "true" | "false" | "[" literal ("," literal)* ","? "]"
/// op        := "==" | "!=" | "<" | "<=" | ">" | ">=" | "=~"
/// ```
/// Every `(` and `not` counts towards `Selector.maxDepth`, so the recursion is bounded and
/// hostile nesting is an error, not a stack overflow.
struct SelectorParser {
    private let source: String
    private let tokens: [SelectorToken]
    private var index = 0
    private var depth = 0
    /// Every fact name the expression refers to.
    private(set) var factNames: Set<String> = []

    init(_ source: String) throws(SelectorError) {
        self.source = source
        var lexer = SelectorLexer(source)
        tokens = try lexer.tokens()
    }

    /// The whole expression; an empty one is `.constant(true)`.
    mutating func parse() throws(SelectorError) -> SelectorExpression {
        if current.kind == .end { return .constant(true) }
        let expression = try or()
        guard current.kind == .end else {
            throw error(.unexpectedToken, "expected \"and\", \"or\" or end of input but found \(current.quoted)")
        }
        return expression
    }

    private var current: SelectorToken { tokens[index] }

    private mutating func advance() -> SelectorToken {
        let token = tokens[index]
        if token.kind != .end { index += 1 }
        return token
    }

    private func error(_ code: SelectorError.Code, _ message: String, at column: Int? = nil) -> SelectorError {
        SelectorError(code, message, column: column ?? current.column, source: source)
    }

    private mutating func enter() throws(SelectorError) {
        depth += 1
        guard depth <= Selector.maxDepth else {
            throw error(.limitExceeded, "the expression nests deeper than \(Selector.maxDepth) levels")
        }
    }

    private mutating func or() throws(SelectorError) -> SelectorExpression {
        var terms = [try and()]
        while current.kind == .keyword(.or) {
            index += 1
            terms.append(try and())
        }
        return terms.count == 1 ? terms[0] : .any(terms)
    }

    private mutating func and() throws(SelectorError) -> SelectorExpression {
        var terms = [try not()]
        while current.kind == .keyword(.and) {
            index += 1
            terms.append(try not())
        }
        return terms.count == 1 ? terms[0] : .all(terms)
    }

    private mutating func not() throws(SelectorError) -> SelectorExpression {
        guard current.kind == .keyword(.not) else { return try condition() }
        try enter()
        index += 1
        let term = try not()
        depth -= 1
        return .not(term)
    }

    private mutating func condition() throws(SelectorError) -> SelectorExpression {
        let start = current
        switch start.kind {
        case .leftParen:
            try enter()
            index += 1
            let inner = try or()
            try expect(.rightParen, "\")\"")
            depth -= 1
            return inner
        case .identifier("exists") where tokens[index + 1].kind == .leftParen:
            index += 2
            guard case .identifier(let name) = current.kind else {
                throw error(.unexpectedToken, "expected a fact name in exists( ) but found \(current.quoted)")
            }
            index += 1
            factNames.insert(name)
            try expect(.rightParen, "\")\"")
            return .exists(name)
        case .identifier, .string, .number, .keyword(.true), .keyword(.false), .leftBracket:
            break
        default:
            throw error(.unexpectedToken, "expected a condition but found \(start.quoted)")
        }

        let lhs = try operand()
        switch current.kind {
        case .keyword(.in):
            index += 1
            let rhsToken = current
            let rhs = try operand()
            switch rhs {
            case .fact, .literal(.list): break
            default:
                throw error(
                    .invalidOperand, "expected a list or a fact name after \"in\" but found \(rhsToken.quoted)",
                    at: rhsToken.column)
            }
            return .member(lhs, rhs)
        case .comparison(.matches):
            index += 1
            let patternToken = current
            guard case .string(let pattern) = patternToken.kind else {
                throw error(.invalidOperand, "expected a quoted pattern after \"=~\" but found \(patternToken.quoted)")
            }
            index += 1
            do {
                return .match(lhs, try SelectorPattern(pattern))
            } catch {
                let columns = patternToken.scalarColumns
                // Past the last scalar: point at the closing quote.
                let column = error.offset < columns.count ? columns[error.offset] : (columns.last ?? patternToken.column) + 1
                throw SelectorError(.invalidPattern, error.message, column: column, source: source)
            }
        case .comparison(let op):
            index += 1
            return .compare(lhs, op, try operand())
        default:
            // A bare operand is a condition only if it is a fact (true when it is the boolean
            // true, or the string "true") or a boolean literal.
            switch lhs {
            case .fact: return .compare(lhs, .equal, .literal(.bool(true)))
            case .literal(.bool(let value)): return .constant(value)
            case .literal:
                throw error(
                    .invalidOperand,
                    "\(start.quoted) is not a condition; compare it with ==, !=, <, <=, >, >=, =~ or in",
                    at: start.column)
            }
        }
    }

    private mutating func expect(_ kind: SelectorToken.Kind, _ name: String) throws(SelectorError) {
        guard current.kind == kind else {
            throw error(.unexpectedToken, "expected \(name) but found \(current.quoted)")
        }
        index += 1
    }

    private mutating func operand() throws(SelectorError) -> SelectorOperand {
        let token = current
        switch token.kind {
        case .identifier(let name):
            index += 1
            factNames.insert(name)
            return .fact(name)
        case .leftBracket:
            index += 1
            var elements: [FactValue] = []
            while current.kind != .rightBracket {
                guard elements.count < Selector.maxListLength else {
                    throw error(.limitExceeded, "a list holds at most \(Selector.maxListLength) values")
                }
                elements.append(try literal())
                if current.kind == .comma {
                    index += 1
                } else if current.kind != .rightBracket {
                    throw error(.unexpectedToken, "expected \",\" or \"]\" but found \(current.quoted)")
                }
            }
            index += 1
            return .literal(.list(elements))
        default:
            return .literal(try literal())
        }
    }

    /// A string, number or boolean.
    private mutating func literal() throws(SelectorError) -> FactValue {
        let token = advance()
        switch token.kind {
        case .string(let text): return .string(text)
        case .number(let value): return .number(value)
        case .keyword(.true): return .bool(true)
        case .keyword(.false): return .bool(false)
        case .leftBracket:
            throw error(.invalidOperand, "lists cannot be nested", at: token.column)
        case .identifier(let name):
            throw error(.invalidOperand, "a list holds literals, not fact names like \"\(name)\"", at: token.column)
        default:
            throw error(.unexpectedToken, "expected a value but found \(token.quoted)", at: token.column)
        }
    }
}
