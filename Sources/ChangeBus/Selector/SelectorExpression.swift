/// A parsed selector: a tree whose depth the parser bounds, so evaluating it recurses at
/// most `Selector.maxDepth` levels.
indirect enum SelectorExpression: Sendable {
    /// True when any is true (`or`), evaluated left to right and stopping at the first true.
    case any([SelectorExpression])
    /// True when all are true (`and`), evaluated left to right and stopping at the first false.
    case all([SelectorExpression])
    case not(SelectorExpression)
    case constant(Bool)
    case exists(String)
    case compare(SelectorOperand, SelectorComparison.Operator, SelectorOperand)
    /// `lhs in rhs`.
    case member(SelectorOperand, SelectorOperand)
    /// `lhs =~ "pattern"`.
    case match(SelectorOperand, SelectorPattern)

    /// Evaluates over `facts`, adding every fact name it looks up to `consulted` when that is
    /// not nil.
    func evaluate(_ facts: Facts, consulted: inout Set<String>?) -> Bool {
        switch self {
        case .any(let terms):
            for term in terms where term.evaluate(facts, consulted: &consulted) { return true }
            return false
        case .all(let terms):
            for term in terms where !term.evaluate(facts, consulted: &consulted) { return false }
            return true
        case .not(let term):
            return !term.evaluate(facts, consulted: &consulted)
        case .constant(let value):
            return value
        case .exists(let name):
            consulted?.insert(name)
            return facts[name] != nil
        case .compare(let lhs, let op, let rhs):
            // A missing fact makes every comparison false, `!=` included.
            let a = lhs.value(facts, consulted: &consulted)
            let b = rhs.value(facts, consulted: &consulted)
            guard let a, let b else { return false }
            return SelectorComparison.holds(a, op, b)
        case .member(let lhs, let rhs):
            let a = lhs.value(facts, consulted: &consulted)
            let b = rhs.value(facts, consulted: &consulted)
            guard let a, let b else { return false }
            let candidates: [FactValue]
            if case .list(let elements) = a { candidates = elements } else { candidates = [a] }
            let pool: [FactValue]
            if case .list(let elements) = b { pool = elements } else { pool = [b] }
            return candidates.contains { candidate in pool.contains { SelectorComparison.equal(candidate, $0) } }
        case .match(let lhs, let pattern):
            guard let subject = lhs.value(facts, consulted: &consulted) else { return false }
            if case .list(let elements) = subject {
                return elements.contains { element in
                    if case .list = element { return false }
                    return pattern.matches(element.description)
                }
            }
            return pattern.matches(subject.description)
        }
    }
}

/// One side of a comparison: a fact looked up by name, or a literal.
enum SelectorOperand: Sendable {
    case fact(String)
    case literal(FactValue)

    func value(_ facts: Facts, consulted: inout Set<String>?) -> FactValue? {
        switch self {
        case .fact(let name):
            consulted?.insert(name)
            return facts[name]
        case .literal(let value):
            return value
        }
    }
}
