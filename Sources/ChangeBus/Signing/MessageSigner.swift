import FoundationEssentials
import Crypto

/// Signs message bodies with one secret key, producing the `x-changebus-*` signature headers.
public struct MessageSigner: Sendable {
    private let key: SigningKey
    /// The id of the signing key, sent in `x-changebus-key-id`.
    public let keyID: KeyID

    /// Signs with `key`.
    public init(key: SigningKey) {
        self.key = key
        self.keyID = key.publicKey.keyID
    }

    /// Loads the secret key file at `keyPath` (see `KeyFiles.loadSigningKey(path:)`).
    /// - Throws: `SigningError` if the file is missing, not private (mode & 0o077 != 0) or malformed.
    public init(keyPath: String) throws(SigningError) {
        self.init(key: try KeyFiles.loadSigningKey(path: keyPath))
    }

    /// The public key that verifies this signer's signatures.
    public var verifyingKey: VerifyingKey { key.publicKey }

    /// Signs exactly `body` (the bytes that go on the wire) and returns both header values.
    public func sign(body: Data) -> SignatureHeaders {
        SignatureHeaders(keyID: keyID, signature: Data(key.sign(body)).base64EncodedString())
    }
}
