/// Sizes of libsodium's Ed25519 (`crypto_sign`) keys and detached signatures.
///
/// The keys themselves are `SigningKey` and `VerifyingKey`.
public enum Ed25519 {
    /// Length of a public key. Default: 32 bytes.
    public static let publicKeyLength = 32
    /// Length of libsodium's secret key: the 32-byte seed followed by the 32-byte public key.
    public static let secretKeyLength = 64
    /// Length of the seed that a secret key is derived from.
    public static let seedLength = 32
    /// Length of a detached signature.
    public static let signatureLength = 64
}
