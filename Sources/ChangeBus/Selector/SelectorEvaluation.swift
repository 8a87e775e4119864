/// The outcome of `Selector.evaluate(_:)`: the answer and the facts it looked at.
public struct SelectorEvaluation: Sendable, Hashable {
    /// Whether the host is targeted.
    public let matched: Bool
    /// The facts the evaluation looked up, with the host's values. Evaluation stops early
    /// (`false and ...`, `true or ...`), so facts it did not need are left out.
    public let facts: Facts
    /// Facts the evaluation looked up that the host does not have.
    public let missingFacts: Set<String>

    public init(matched: Bool, facts: Facts, missingFacts: Set<String>) {
        self.matched = matched
        self.facts = facts
        self.missingFacts = missingFacts
    }
}
