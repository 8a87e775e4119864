internal import CSodium
import FoundationEssentials

/// The one place that initializes libsodium and bridges Swift byte buffers to its pointers.
enum Sodium {
    /// `sodium_init()` picks the fastest implementations and seeds the random generator.
    /// It is itself thread safe and idempotent (0 = done now, 1 = already done, -1 = failed),
    /// but running it through a lazy `static let` (which Swift initializes exactly once,
    /// thread safely) makes every later call a plain load.
    private static let initialized: Bool = {
        guard sodium_init() >= 0 else { return false }
        // The Swift constants in `Ed25519` and `SHA256` must match the linked library.
        return crypto_sign_bytes() == Ed25519.signatureLength
            && crypto_sign_publickeybytes() == Ed25519.publicKeyLength
            && crypto_sign_secretkeybytes() == Ed25519.secretKeyLength
            && crypto_sign_seedbytes() == Ed25519.seedLength
            && crypto_hash_sha256_bytes() == SHA256.digestLength
    }()

    /// Traps if libsodium cannot start: no signature or hash can be trusted without it.
    static func ensureInitialized() {
        precondition(initialized, "libsodium failed to initialize or its key sizes differ from Ed25519/SHA-256")
    }
}

extension ContiguousBytes {
    /// Calls `body` with a pointer that is never nil, even for empty input: an empty `Data`
    /// or array may have no storage, and libsodium's `const unsigned char *` parameters
    /// are not documented to accept NULL, even with a length of 0.
    func withNonNullBytes<R>(_ body: (UnsafePointer<UInt8>, Int) -> R) -> R {
        withUnsafeBytes { raw in
            if let base = raw.baseAddress, raw.count > 0 {
                return body(base.assumingMemoryBound(to: UInt8.self), raw.count)
            }
            var empty: UInt8 = 0
            return withUnsafePointer(to: &empty) { body($0, 0) }
        }
    }
}
