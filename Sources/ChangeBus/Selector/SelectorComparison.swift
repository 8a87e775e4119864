/// How the selector compares two fact values; the rules are documented on `Selector`.
enum SelectorComparison {
    /// The comparison operators between two operands.
    enum Operator: String, Sendable, Hashable, CaseIterable {
        case equal = "=="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
        case matches = "=~"
    }

    /// `lhs op rhs` for the operators other than `=~`, with both values present.
    static func holds(_ lhs: FactValue, _ op: Operator, _ rhs: FactValue) -> Bool {
        switch op {
        case .equal: return equal(lhs, rhs)
        case .notEqual: return !equal(lhs, rhs)
        case .less: return order(lhs, rhs) == .less
        case .lessOrEqual: return order(lhs, rhs).map { $0 != .greater } ?? false
        case .greater: return order(lhs, rhs) == .greater
        case .greaterOrEqual: return order(lhs, rhs).map { $0 != .less } ?? false
        case .matches: return false  // patterns are compiled at parse time, never compared here
        }
    }

    static func equal(_ lhs: FactValue, _ rhs: FactValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.number, .string), (.string, .number): return versionOrder(lhs, rhs) == .equal
        // Facts from an INI file are strings: `virtual = true` should equal `true`.
        case (.bool(let a), .string(let b)), (.string(let b), .bool(let a)): return b == (a ? "true" : "false")
        case (.list(let a), .list(let b)): return a.count == b.count && zip(a, b).allSatisfy(equal)
        default: return false
        }
    }

    enum Order { case less, equal, greater }

    /// The order of two values, or nil when they have none (a boolean, a list, or a number
    /// against a string that is not a version).
    static func order(_ lhs: FactValue, _ rhs: FactValue) -> Order? {
        switch (lhs, rhs) {
        case (.number(let a), .number(let b)):
            return a < b ? .less : a > b ? .greater : a == b ? .equal : nil
        case (.string(let a), .string(let b)):
            if let order = versionOrder(lhs, rhs) { return order }
            return a < b ? .less : a > b ? .greater : .equal
        case (.number, .string), (.string, .number):
            return versionOrder(lhs, rhs)
        default:
            return nil
        }
    }

    /// Compares two values as dotted versions, part by part as integers; nil unless both are
    /// versions. A number counts as the version its decimal form spells (`8`, `7.5`); when
    /// every shared part is equal, the one with more parts is greater (`1.9 < 1.9.0`).
    static func versionOrder(_ lhs: FactValue, _ rhs: FactValue) -> Order? {
        guard let a = versionParts(lhs), let b = versionParts(rhs) else { return nil }
        for (x, y) in zip(a, b) {
            // Parts carry no leading zeros, so a longer part is a larger number.
            if x.count != y.count { return x.count < y.count ? .less : .greater }
            if x != y { return x < y ? .less : .greater }
        }
        return a.count == b.count ? .equal : a.count < b.count ? .less : .greater
    }

    /// The digit runs of `1.10.2` without leading zeros, or nil when the value is not a version.
    static func versionParts(_ value: FactValue) -> [Substring]? {
        let text: String
        switch value {
        case .string(let string): text = string
        case .number(let number) where number.isFinite && number >= 0: text = value.description
        default: return nil
        }
        var parts: [Substring] = []
        for part in text.split(separator: ".", omittingEmptySubsequences: false) {
            guard !part.isEmpty, part.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            let trimmed = part.drop { $0 == "0" }
            parts.append(trimmed.isEmpty ? part.suffix(1) : trimmed)
        }
        return parts
    }
}
