/// The two AMQP header values that carry a message's signature.
public struct SignatureHeaders: Sendable, Hashable {
    /// Header holding the signer's key id (16 lowercase hex digits).
    public static let keyIDHeader = "x-changebus-key-id"
    /// Header holding the standard base64 of the 64-byte detached Ed25519 signature over the exact body bytes.
    public static let signatureHeader = "x-changebus-signature"

    /// Value of `x-changebus-key-id`.
    public let keyID: KeyID
    /// Value of `x-changebus-signature`: standard base64 (with padding) of the 64-byte signature.
    public let signature: String

    /// Wraps the two header values.
    public init(keyID: KeyID, signature: String) {
        self.keyID = keyID
        self.signature = signature
    }

    /// Both headers by name, ready to put into a message's header table.
    public var fields: [String: String] {
        [Self.keyIDHeader: keyID.rawValue, Self.signatureHeader: signature]
    }
}
