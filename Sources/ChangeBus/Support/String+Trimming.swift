extension StringProtocol {
    /// The text without leading and trailing white space (spaces, tabs, newlines).
    /// FoundationEssentials has no `trimmingCharacters(in:)`, and the modules of the
    /// long-running agent avoid full Foundation (it loads ICU).
    public var trimmingWhitespace: String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view.removeFirst() }
        while let last = view.last, last.isWhitespace { view.removeLast() }
        return String(view)
    }
}
