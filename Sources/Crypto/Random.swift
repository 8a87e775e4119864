internal import CSodium

/// Cryptographically secure random bytes from libsodium (`randombytes_buf`, getrandom(2) on Linux).
public enum Random {
    /// `count` random bytes.
    /// - Precondition: `count >= 0`.
    public static func bytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0, "Random.bytes count must not be negative")
        Sodium.ensureInitialized()
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress { randombytes_buf(base, count) }
            initialized = count
        }
    }
}
