import ChangeBus
import FoundationEssentials

/// The checks before any decision, in order: size limit, signature against the trusted
/// keys, schema. The first that fails is the reason for a `rejected` result.
public struct Verifier: Sendable {
    /// The keys whose signatures are accepted.
    public let trust: TrustStore
    /// The largest body accepted, in bytes.
    public let maxMessageBytes: Int

    /// Verifies against `trust`, refusing bodies longer than `maxMessageBytes`.
    public init(trust: TrustStore, maxMessageBytes: Int) {
        self.trust = trust
        self.maxMessageBytes = maxMessageBytes
    }

    /// Checks `message`.
    ///
    /// An oversized body is not parsed at all, so its peek is empty: the limit exists so
    /// that a hostile body costs nothing. Otherwise the peek reads the unverified body.
    public func verify(_ message: IncomingMessage) -> Verification {
        guard message.body.count <= maxMessageBytes else {
            return .invalid(
                reason: "message of \(message.body.count) bytes exceeds the limit of \(maxMessageBytes)",
                peek: ChangeEvent.Peek())
        }
        if case .failure(let failure) = trust.verify(body: message.body, keyID: message.keyID, signature: message.signature) {
            return .invalid(reason: failure.description, peek: ChangeEvent.peek(message.body))
        }
        do {
            return .valid(try MessageCoding.decode(ChangeEvent.self, from: message.body))
        } catch {
            return .invalid(reason: error.description, peek: ChangeEvent.peek(message.body))
        }
    }
}
