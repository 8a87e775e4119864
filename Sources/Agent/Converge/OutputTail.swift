/// The last `limit` bytes of a stream of output, in bounded memory however much is appended.
struct OutputTail: Sendable {
    /// How many bytes are kept.
    let limit: Int
    // Holds up to twice the limit so that trimming (a copy) happens once per `limit` bytes,
    // not on every append.
    private var bytes: [UInt8] = []

    init(limit: Int) {
        precondition(limit > 0, "an output tail keeps at least one byte")
        self.limit = limit
        bytes.reserveCapacity(2 * limit)
    }

    /// Appends `chunk`, dropping the oldest bytes beyond the limit.
    mutating func append(_ chunk: UnsafeRawBufferPointer) {
        if chunk.count >= limit {
            bytes = Array(chunk[(chunk.count - limit)...])
            return
        }
        if bytes.count + chunk.count > 2 * limit {
            bytes.removeFirst(bytes.count + chunk.count - limit)
        }
        bytes.append(contentsOf: chunk)
    }

    /// The kept bytes as text: at most `limit` bytes of output, cut at a character boundary
    /// at the start, with invalid UTF-8 replaced by U+FFFD (the result is then never longer
    /// than `limit` UTF-8 bytes either).
    var text: String {
        var kept = bytes.suffix(limit)
        // A cut in the middle of a character leaves continuation bytes (10xxxxxx) first.
        while let first = kept.first, first & 0xC0 == 0x80 { kept = kept.dropFirst() }
        var text = String(decoding: kept, as: UTF8.self)
        // Each invalid byte became a 3-byte U+FFFD; drop whole characters from the front until it fits.
        while text.utf8.count > limit { text.removeFirst() }
        return text
    }
}
