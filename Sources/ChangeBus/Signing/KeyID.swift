import Crypto

/// The short id of a public key: the first 16 lowercase hex digits of SHA-256 of its 32 bytes.
///
/// Sent in the `x-changebus-key-id` header so a receiver knows which trusted key to check
/// the signature with. Encoded in JSON as the plain 16-digit string.
public struct KeyID: RawRepresentable, Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Number of hex digits in a key id.
    public static let length = 16

    /// The 16 lowercase hex digits.
    public let rawValue: String

    /// The id of `key`.
    public init(of key: VerifyingKey) {
        rawValue = String(SHA256.hexDigest(key.bytes).prefix(KeyID.length))
    }

    /// Accepts exactly 16 lowercase hex digits; nil otherwise.
    public init?(rawValue: String) {
        guard rawValue.utf8.count == KeyID.length,
              rawValue.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else { return nil }
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    public static func < (lhs: KeyID, rhs: KeyID) -> Bool { lhs.rawValue < rhs.rawValue }
}

extension VerifyingKey {
    /// This key's id (first 16 hex digits of SHA-256 of the public key).
    public var keyID: KeyID { KeyID(of: self) }
}
