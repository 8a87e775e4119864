/// Why a message's signature was not accepted; the reason goes into a `rejected` result.
public enum SignatureFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// One or both signature headers are absent or empty; carries the missing header names.
    case missingHeaders([String])
    /// The key id header names no trusted key; carries the header value as received.
    case unknownKeyID(String)
    /// The signature header is not base64 of 64 bytes; carries what is wrong with it.
    case malformedSignature(String)
    /// The signature is well formed but does not verify with the trusted key.
    case invalidSignature(KeyID)

    /// A stable machine-readable reason, e.g. for result JSON and metrics.
    public var code: String {
        switch self {
        case .missingHeaders: "missing-signature"
        case .unknownKeyID: "unknown-key-id"
        case .malformedSignature: "malformed-signature"
        case .invalidSignature: "bad-signature"
        }
    }

    public var description: String {
        switch self {
        case .missingHeaders(let names):
            "unsigned message: missing header \(names.joined(separator: " and "))"
        case .unknownKeyID(let value):
            "signed with unknown key id '\(Self.printable(value))': no trusted public key has that id"
        case .malformedSignature(let problem):
            "malformed \(SignatureHeaders.signatureHeader) header: \(problem)"
        case .invalidSignature(let keyID):
            "signature by key \(keyID) does not verify: the body was altered or was not signed by that key"
        }
    }

    /// Header values come from the network: keep them short and free of control characters in logs.
    private static func printable(_ value: String) -> String {
        let limit = 40
        let cleaned = String(value.unicodeScalars.prefix(limit).map { scalar in
            (0x20..<0x7f).contains(scalar.value) ? Character(scalar) : "?"
        })
        return value.unicodeScalars.count > limit ? cleaned + "…" : cleaned
    }
}
