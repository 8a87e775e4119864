import FoundationEssentials
internal import CSodium

/// SHA-256 (libsodium `crypto_hash_sha256`), one-shot or streaming.
///
/// Streaming use, e.g. for a large file read in chunks:
/// ```
/// var hasher = SHA256()
/// hasher.update(chunk1); hasher.update(chunk2)
/// let digest = hasher.finalize()
/// ```
public struct SHA256: Sendable {
    /// Length of a digest. Default: 32 bytes.
    public static let digestLength = 32

    // A plain C struct of integers: copying the value copies the hash state.
    private var state = crypto_hash_sha256_state()

    /// Starts an empty hash.
    public init() {
        Sodium.ensureInitialized()
        _ = crypto_hash_sha256_init(&state)  // always returns 0
    }

    /// Feeds more bytes into the hash.
    public mutating func update(_ data: some ContiguousBytes) {
        data.withNonNullBytes { bytes, count in
            _ = crypto_hash_sha256_update(&state, bytes, UInt64(count))  // always returns 0
        }
    }

    /// Returns the 32-byte digest of everything fed in so far.
    public consuming func finalize() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: SHA256.digestLength) { digest, initialized in
            _ = crypto_hash_sha256_final(&state, digest.baseAddress!)  // always returns 0
            initialized = SHA256.digestLength
        }
    }

    /// The 32-byte SHA-256 digest of `data`.
    public static func hash(_ data: some ContiguousBytes) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data)
        return hasher.finalize()
    }

    /// The SHA-256 digest of `data` as 64 lowercase hex digits.
    public static func hexDigest(_ data: some ContiguousBytes) -> String {
        Hex.encode(hash(data))
    }
}
