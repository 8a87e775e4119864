import FoundationEssentials
internal import CSodium

/// An Ed25519 public key that checks detached signatures (libsodium `crypto_sign_verify_detached`).
public struct VerifyingKey: Sendable, Hashable {
    /// The 32 raw public key bytes.
    public let bytes: [UInt8]

    /// Wraps 32 raw public key bytes.
    /// - Throws: `CryptoError` with code `.invalidLength` if `bytes` is not 32 bytes long.
    public init(bytes: some Collection<UInt8>) throws(CryptoError) {
        guard bytes.count == Ed25519.publicKeyLength else {
            throw .length(of: "Ed25519 public key", expected: Ed25519.publicKeyLength, got: bytes.count)
        }
        self.bytes = Array(bytes)
    }

    /// Whether `signature` is a valid detached signature by this key over exactly `message`.
    ///
    /// A signature of the wrong length is simply not valid (returns `false`); callers that
    /// want to report "malformed" separately check the length first.
    public func isValidSignature(_ signature: some ContiguousBytes, for message: some ContiguousBytes) -> Bool {
        Sodium.ensureInitialized()
        return signature.withNonNullBytes { signaturePointer, signatureCount in
            guard signatureCount == Ed25519.signatureLength else { return false }
            return message.withNonNullBytes { messagePointer, messageCount in
                // Returns 0 only if the signature verifies; -1 also for small-order or non-canonical keys.
                crypto_sign_verify_detached(signaturePointer, messagePointer, UInt64(messageCount), bytes) == 0
            }
        }
    }
}
