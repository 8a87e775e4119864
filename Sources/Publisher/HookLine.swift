/// One line that git feeds a post-receive hook: `<old-id> SP <new-id> SP <ref>`.
public struct HookLine: Sendable, Hashable {
    /// The ref's commit before the push; all zeros when the push created the ref.
    public let old: String
    /// The ref's commit after the push; all zeros when the push deleted the ref.
    public let new: String
    /// The full ref name, e.g. `refs/heads/production`.
    public let ref: String

    /// Creates a hook line.
    public init(old: String, new: String, ref: String) {
        self.old = old
        self.new = new
        self.ref = ref
    }

    /// Parses one line.
    /// - Throws: `PublishError` `.invalidInput` quoting the line when it is not two object
    ///   ids (40 or 64 lowercase hex digits) and a ref.
    public init(parsing line: Substring) throws(PublishError) {
        let words = line.split(separator: " ", omittingEmptySubsequences: true)
        func isObjectID(_ word: Substring) -> Bool {
            (word.utf8.count == 40 || word.utf8.count == 64)
                && word.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
        }
        guard words.count == 3, isObjectID(words[0]), isObjectID(words[1]), words[2].hasPrefix("refs/") else {
            throw PublishError(.invalidInput, "not a post-receive line \"<old> <new> <ref>\": \"\(line.prefix(200))\"")
        }
        self.init(old: String(words[0]), new: String(words[1]), ref: String(words[2]))
    }

    /// Parses every non-blank line of `text`.
    /// - Throws: `PublishError` for the first malformed line.
    public static func parseAll(_ text: String) throws(PublishError) -> [HookLine] {
        var lines: [HookLine] = []
        for line in text.split(whereSeparator: \.isNewline) where !line.allSatisfy(\.isWhitespace) {
            lines.append(try HookLine(parsing: line))
        }
        return lines
    }

    /// The push created the ref.
    public var isCreation: Bool { Self.isZero(old) }
    /// The push deleted the ref.
    public var isDeletion: Bool { Self.isZero(new) }

    /// The branch's short name (`production` for `refs/heads/production`), for messages.
    public var shortName: String {
        ref.hasPrefix("refs/heads/") ? String(ref.dropFirst(11)) : ref
    }

    static func isZero(_ id: String) -> Bool { id.utf8.allSatisfy { $0 == UInt8(ascii: "0") } }
}
