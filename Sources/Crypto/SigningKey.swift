import FoundationEssentials
internal import CSodium

/// An Ed25519 secret key that makes detached signatures (libsodium `crypto_sign_detached`).
///
/// Holds libsodium's 64-byte secret key (seed + public key) in memory owned by this value
/// and wiped when the last copy goes away. Copies of a `SigningKey` share that memory.
public struct SigningKey: Sendable {
    private let storage: SecretKeyStorage
    /// The matching public key.
    public let publicKey: VerifyingKey

    /// Generates a new key pair from libsodium's random generator.
    public static func generate() -> SigningKey {
        Sodium.ensureInitialized()
        var publicBytes = [UInt8](repeating: 0, count: Ed25519.publicKeyLength)
        let storage = SecretKeyStorage(count: Ed25519.secretKeyLength) { secret in
            // Writes 32 bytes to pk and 64 to sk; always returns 0.
            _ = crypto_sign_keypair(&publicBytes, secret)
        }
        return SigningKey(storage: storage, publicBytes: publicBytes)
    }

    /// Derives the key pair from a 32-byte seed (the form the key file stores).
    ///
    /// The same seed always gives the same key pair. The caller's seed buffer is read,
    /// not kept and not wiped.
    /// - Throws: `CryptoError` with code `.invalidLength` if `seed` is not 32 bytes.
    public init(seed: some ContiguousBytes) throws(CryptoError) {
        Sodium.ensureInitialized()
        let count = seed.withUnsafeBytes { $0.count }
        guard count == Ed25519.seedLength else {
            throw .length(of: "Ed25519 seed", expected: Ed25519.seedLength, got: count)
        }
        var publicBytes = [UInt8](repeating: 0, count: Ed25519.publicKeyLength)
        let storage = SecretKeyStorage(count: Ed25519.secretKeyLength) { secret in
            seed.withNonNullBytes { seedPointer, _ in
                // Reads 32 seed bytes, writes 32 to pk and 64 to sk; always returns 0.
                _ = crypto_sign_seed_keypair(&publicBytes, secret, seedPointer)
            }
        }
        self.init(storage: storage, publicBytes: publicBytes)
    }

    private init(storage: SecretKeyStorage, publicBytes: [UInt8]) {
        self.storage = storage
        // Cannot fail: libsodium just wrote exactly 32 bytes.
        self.publicKey = try! VerifyingKey(bytes: publicBytes)
    }

    /// A copy of the 32-byte seed, for writing the key file.
    ///
    /// The returned array is the caller's: it is not wiped, so keep it short-lived.
    public var seed: [UInt8] {
        Array(UnsafeBufferPointer(start: storage.pointer, count: Ed25519.seedLength))
    }

    /// Signs `message` and returns the 64-byte detached Ed25519 signature.
    ///
    /// Ed25519 is deterministic: the same key and message always give the same signature.
    public func sign(_ message: some ContiguousBytes) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Ed25519.signatureLength) { signature, initialized in
            message.withNonNullBytes { bytes, count in
                // Writes exactly crypto_sign_BYTES; siglen_p may be NULL; always returns 0.
                _ = crypto_sign_detached(signature.baseAddress!, nil, bytes, UInt64(count), storage.pointer)
            }
            initialized = Ed25519.signatureLength
        }
    }
}

extension SigningKey: CustomStringConvertible {
    /// Shows only the public half, so logging a key by mistake leaks nothing.
    public var description: String { "SigningKey(public: \(Hex.encode(publicKey.bytes)))" }
}
