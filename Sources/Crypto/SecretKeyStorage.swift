internal import CSodium

/// Memory for one Ed25519 secret key that this module allocated and alone owns.
///
/// `deinit` wipes it with `sodium_memzero` (which the compiler may not optimize away)
/// before freeing. Only this buffer is wiped: copies a caller makes (for example through
/// `SigningKey.seed` when writing a key file) belong to the caller.
///
/// `@unchecked Sendable` is safe because the bytes are written once in `init`, before the
/// object is shared, and only read afterwards; deinit runs when no reference remains.
final class SecretKeyStorage: @unchecked Sendable {
    let bytes: UnsafeMutableRawBufferPointer

    /// Allocates `count` zeroed bytes and lets `fill` write the secret into them.
    init(count: Int, fill: (UnsafeMutablePointer<UInt8>) -> Void) {
        bytes = .allocate(byteCount: count, alignment: 16)
        bytes.initializeMemory(as: UInt8.self, repeating: 0)
        fill(bytes.baseAddress!.assumingMemoryBound(to: UInt8.self))
    }

    var pointer: UnsafePointer<UInt8> {
        UnsafePointer(bytes.baseAddress!.assumingMemoryBound(to: UInt8.self))
    }

    deinit {
        sodium_memzero(bytes.baseAddress, bytes.count)
        bytes.deallocate()
    }
}
