/// An input the cryptographic primitives cannot use, such as a key of the wrong length.
///
/// `description` never contains key material; it names what was wrong and the lengths.
public struct CryptoError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem this is; extensible like an enum that callers need not switch over exhaustively.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        /// A key, seed or signature had the wrong number of bytes.
        public static let invalidLength = Code(name: "invalidLength")

        public var description: String { name }
    }

    /// What kind of problem this is.
    public let code: Code
    /// A human-readable explanation naming the bad input, e.g. "public key must be 32 bytes, got 31".
    public let message: String

    /// Creates an error; used by this module and by tests.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    static func length(of what: String, expected: Int, got: Int) -> CryptoError {
        CryptoError(.invalidLength, "\(what) must be \(expected) bytes, got \(got)")
    }
}
