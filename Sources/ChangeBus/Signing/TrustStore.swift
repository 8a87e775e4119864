import FoundationEssentials
import Crypto

/// The public keys a receiver trusts, by key id, and the check of a message's signature headers.
public struct TrustStore: Sendable {
    /// The trusted keys by their id.
    public let keys: [KeyID: VerifyingKey]

    /// Trusts `keys`. Listing the same key twice is harmless.
    ///
    /// Two different keys with the same 64-bit id are practically impossible; `load` reports
    /// them as an error, and here the first one listed is kept.
    public init(keys: [VerifyingKey]) {
        var byID: [KeyID: VerifyingKey] = [:]
        for key in keys where byID[key.keyID] == nil { byID[key.keyID] = key }
        self.keys = byID
    }

    /// Loads `.pub` files (one line `ed25519:<base64>` each, see `KeyFiles`).
    /// - Throws: `SigningError` naming the first file that cannot be read or parsed, or
    ///   `.duplicateKeyID` naming both files if two different keys share an id.
    public static func load(publicKeyPaths: [String]) throws(SigningError) -> TrustStore {
        var seen: [KeyID: (key: VerifyingKey, path: String)] = [:]
        var keys: [VerifyingKey] = []
        for path in publicKeyPaths {
            let key = try KeyFiles.loadVerifyingKey(path: path)
            if let earlier = seen[key.keyID] {
                guard earlier.key == key else {
                    throw SigningError(.duplicateKeyID, path: path,
                        "\(path): key id \(key.keyID) is also the id of a different key in \(earlier.path); generate a new key")
                }
                continue
            }
            seen[key.keyID] = (key, path)
            keys.append(key)
        }
        return TrustStore(keys: keys)
    }

    /// The trusted key ids, sorted.
    public var keyIDs: [KeyID] { keys.keys.sorted() }

    /// Checks the signature header values of a message against exactly `body`.
    ///
    /// Pass the header values as received, nil when absent. Checks in order: both headers
    /// present and non-empty, key id trusted, signature is base64 of 64 bytes, signature verifies.
    /// - Returns: the signer's key id, or the first reason the message must be rejected.
    public func verify(body: Data, keyID: String?, signature: String?) -> Result<KeyID, SignatureFailure> {
        let missing = [(SignatureHeaders.keyIDHeader, keyID), (SignatureHeaders.signatureHeader, signature)]
            .filter { $0.1?.isEmpty ?? true }
            .map(\.0)
        guard missing.isEmpty, let keyID, let signature else { return .failure(.missingHeaders(missing)) }

        guard let id = KeyID(rawValue: keyID), let key = keys[id] else { return .failure(.unknownKeyID(keyID)) }

        // Base64 of 64 bytes is 88 characters; refuse to decode anything much longer.
        guard signature.utf8.count <= 128, let signatureBytes = Data(base64Encoded: signature) else {
            return .failure(.malformedSignature("not standard base64 of \(Ed25519.signatureLength) bytes"))
        }
        guard signatureBytes.count == Ed25519.signatureLength else {
            return .failure(.malformedSignature(
                "decodes to \(signatureBytes.count) bytes, an Ed25519 signature is \(Ed25519.signatureLength)"))
        }
        guard key.isValidSignature(signatureBytes, for: body) else { return .failure(.invalidSignature(id)) }
        return .success(id)
    }
}
