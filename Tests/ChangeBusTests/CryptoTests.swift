import FoundationEssentials
import Testing
import Crypto

/// Ed25519 test vectors from RFC 8032 section 7.1, tests 1 and 2 (shared with SigningTests).
enum RFC8032 {
    /// Decodes test vectors written as hex.
    static func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count, by: 2).map {
            UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)!
        }
    }

    static let seed1 = bytes(hex: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    static let public1 = bytes(hex: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    static let signature1 = bytes(hex: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
    static let seed2 = bytes(hex: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
    static let public2 = bytes(hex: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")
    static let message2: [UInt8] = [0x72]
    static let signature2 = bytes(hex: "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")
}

@Suite struct CryptoTests {
    @Test(arguments: [
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func sha256KnownVectors(input: String, expected: String) {
        #expect(SHA256.hexDigest(Data(input.utf8)) == expected)
        #expect(SHA256.hash(Array(input.utf8)) == RFC8032.bytes(hex: expected))
    }

    @Test func sha256StreamingMatchesOneShot() {
        let message = Array((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        var hasher = SHA256()
        var offset = 0
        for size in [0, 1, 63, 64, 65, 4096, 30_000] {
            hasher.update(message[offset..<offset + size])
            offset += size
        }
        hasher.update(message[offset...])
        #expect(hasher.finalize() == SHA256.hash(message))
    }

    @Test func sha256MillionAs() {
        // FIPS 180-2 long vector, fed in 1000 chunks of 1000 bytes.
        var hasher = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { hasher.update(chunk) }
        #expect(Hex.encode(hasher.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func hexEncoding() {
        #expect(Hex.encode([0x00, 0x0f, 0xba, 0xff]) == "000fbaff")
        #expect(Hex.encode([UInt8]()) == "")
    }

    @Test func ed25519MatchesRFC8032() throws {
        let key1 = try SigningKey(seed: RFC8032.seed1)
        #expect(key1.publicKey.bytes == RFC8032.public1)
        #expect(key1.seed == RFC8032.seed1)
        #expect(key1.sign(Data()) == RFC8032.signature1)
        #expect(key1.publicKey.isValidSignature(RFC8032.signature1, for: [UInt8]()))

        let key2 = try SigningKey(seed: RFC8032.seed2)
        #expect(key2.publicKey.bytes == RFC8032.public2)
        #expect(key2.sign(RFC8032.message2) == RFC8032.signature2)
        let public2 = try VerifyingKey(bytes: RFC8032.public2)
        #expect(public2.isValidSignature(RFC8032.signature2, for: RFC8032.message2))
        #expect(!public2.isValidSignature(RFC8032.signature2, for: [UInt8(0x73)]))
    }

    @Test func signVerifyRoundTrip() {
        let key = SigningKey.generate()
        let message = Data("{\"schema\":\"changebus.change/v1\"}".utf8)
        let signature = key.sign(message)
        #expect(signature.count == Ed25519.signatureLength)
        #expect(key.publicKey.bytes.count == Ed25519.publicKeyLength)
        #expect(key.publicKey.isValidSignature(signature, for: message))

        var altered = message
        altered[5] ^= 0x01
        #expect(!key.publicKey.isValidSignature(signature, for: altered))

        var badSignature = signature
        badSignature[0] ^= 0x80
        #expect(!key.publicKey.isValidSignature(badSignature, for: message))

        #expect(!SigningKey.generate().publicKey.isValidSignature(signature, for: message))
        #expect(!key.publicKey.isValidSignature(Array(signature.dropLast()), for: message))
        #expect(!key.publicKey.isValidSignature([UInt8](), for: message))
    }

    @Test func generatedKeysDiffer() {
        #expect(SigningKey.generate().publicKey != SigningKey.generate().publicKey)
    }

    @Test func seedRoundTripGivesSameKey() throws {
        let key = SigningKey.generate()
        let again = try SigningKey(seed: key.seed)
        #expect(again.publicKey == key.publicKey)
        #expect(again.sign(Data("x".utf8)) == key.sign(Data("x".utf8)))
    }

    @Test func badLengthsThrow() {
        #expect(throws: CryptoError(.invalidLength, "Ed25519 public key must be 32 bytes, got 31")) {
            try VerifyingKey(bytes: [UInt8](repeating: 1, count: 31))
        }
        #expect(throws: CryptoError(.invalidLength, "Ed25519 seed must be 32 bytes, got 64")) {
            try SigningKey(seed: [UInt8](repeating: 1, count: 64))
        }
    }

    @Test func randomBytes() {
        #expect(Random.bytes(0).isEmpty)
        let first = Random.bytes(32)
        #expect(first.count == 32)
        #expect(first != Random.bytes(32))
    }
}
