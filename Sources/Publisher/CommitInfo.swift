import FoundationEssentials

/// What an event says about the commit at its revision.
public struct CommitInfo: Sendable, Hashable {
    /// The full commit id.
    public var id: String
    public var authorName: String
    /// As git records it; may lack an `@` (see `eventAuthorEmail`).
    public var authorEmail: String
    /// The committer date: when the commit was made in the form that was pushed.
    public var committedAt: Date
    /// The whole message, trailing whitespace removed.
    public var message: String

    /// Creates commit info.
    public init(id: String, authorName: String, authorEmail: String, committedAt: Date, message: String) {
        self.id = id
        self.authorName = authorName
        self.authorEmail = authorEmail
        self.committedAt = committedAt
        self.message = message
    }

    /// The email for the event, whose schema requires an `@`: git's when it has one, else
    /// `<what git has>@invalid` (`unknown@invalid` when git has nothing), using the
    /// reserved `.invalid` top-level domain so it can never reach anyone.
    public var eventAuthorEmail: String {
        if authorEmail.contains("@") { return authorEmail }
        let local = authorEmail.filter { !$0.isWhitespace && $0 != "<" && $0 != ">" }
        return (local.isEmpty ? "unknown" : local) + "@invalid"
    }

    /// The value of the last `Changebus-Target: EXPR` trailer (key case-insensitive) in
    /// the message's last paragraph, or nil.
    public var targetTrailer: String? { Self.trailer("Changebus-Target", in: message) }

    /// The value of the last `<key>: value` line in the last paragraph of `message`.
    public static func trailer(_ key: String, in message: String) -> String? {
        let lines = message.split(separator: "\n", omittingEmptySubsequences: false)
        let lastParagraph = lines.reversed().drop { $0.allSatisfy(\.isWhitespace) }.prefix { !$0.allSatisfy(\.isWhitespace) }
        let prefix = key.lowercased() + ":"
        for line in lastParagraph where line.lowercased().hasPrefix(prefix) {
            let value = line.dropFirst(prefix.count).drop(while: \.isWhitespace)
            return String(value.reversed().drop(while: \.isWhitespace).reversed())
        }
        return nil
    }
}
