import FoundationEssentials

/// A parsed broker address: `amqp://user:pass@host:port/vhost?options` or `amqps://…`.
///
/// Query options: `heartbeat` (seconds, default 30), `connection_timeout` (seconds,
/// default 10), `frame_max` (bytes, default 131072), `cacertfile`, `certfile`, `keyfile`
/// (PEM paths for TLS), `verify` (`verify_peer` default, or `verify_none`). User, password
/// and vhost are percent-decoded; an empty path is the default vhost `/`, and `%2F` spells
/// `/` explicitly. `description` hides the password.
public struct BrokerURL: Sendable, Hashable, CustomStringConvertible {
    public var tls: Bool
    public var user: String
    public var password: String
    public var host: String
    public var port: Int
    public var vhost: String
    /// Heartbeat interval proposed to the broker, in seconds; 0 disables. Default: 30.
    public var heartbeat: Int
    /// TCP connect and handshake timeout in seconds. Default: 10.
    public var connectionTimeout: Int
    /// Largest frame in bytes. Default: 131072.
    public var frameMax: Int
    /// CA bundle used to verify the broker (TLS). Default: none (system default of OpenSSL is not loaded).
    public var caCertFile: String?
    /// Client certificate for mutual TLS.
    public var certFile: String?
    /// Client private key for mutual TLS.
    public var keyFile: String?
    /// Verify the broker's certificate and host name. Default: true.
    public var verifyPeer: Bool

    /// Parses a broker URL.
    /// - Throws: `AMQPError` with code `.invalidURL` naming the bad part.
    public init(_ text: String) throws(AMQPError) {
        func fail(_ what: String) -> AMQPError {
            AMQPError(.invalidURL, "broker URL \(BrokerURL.redact(text)): \(what)")
        }
        let rest: Substring
        if text.hasPrefix("amqp://") {
            tls = false
            rest = text.dropFirst(7)
        } else if text.hasPrefix("amqps://") {
            tls = true
            rest = text.dropFirst(8)
        } else {
            throw fail("scheme must be amqp:// or amqps://")
        }
        var authorityAndPath = rest
        var query: Substring = ""
        if let q = rest.firstIndex(of: "?") {
            authorityAndPath = rest[..<q]
            query = rest[rest.index(after: q)...]
        }
        var authority = authorityAndPath
        var path: Substring = ""
        if let slash = authorityAndPath.firstIndex(of: "/") {
            authority = authorityAndPath[..<slash]
            path = authorityAndPath[authorityAndPath.index(after: slash)...]
        }
        user = "guest"
        password = "guest"
        var hostPort = authority
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            hostPort = authority[authority.index(after: at)...]
            let parts = userInfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard let u = BrokerURL.percentDecode(parts[0]) else { throw fail("user is not valid percent-encoding") }
            user = u
            if parts.count == 2 {
                guard let p = BrokerURL.percentDecode(parts[1]) else {
                    throw fail("password is not valid percent-encoding")
                }
                password = p
            }
        }
        port = tls ? 5671 : 5672
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw fail("IPv6 host lacks ]") }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let after = hostPort[hostPort.index(after: close)...]
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()), (1...65535).contains(p) else {
                    throw fail("port \"\(after.dropFirst())\" is not a number from 1 to 65535")
                }
                port = p
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = String(hostPort[..<colon])
            let portText = hostPort[hostPort.index(after: colon)...]
            guard let p = Int(portText), (1...65535).contains(p) else {
                throw fail("port \"\(portText)\" is not a number from 1 to 65535")
            }
            port = p
        } else {
            host = String(hostPort)
        }
        if host.isEmpty { host = "localhost" }
        if path.isEmpty {
            vhost = "/"
        } else {
            guard let v = BrokerURL.percentDecode(path) else { throw fail("vhost is not valid percent-encoding") }
            vhost = v
        }
        heartbeat = 30
        connectionTimeout = 10
        frameMax = 131_072
        verifyPeer = true
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(kv[0])
            guard kv.count == 2, let value = BrokerURL.percentDecode(kv[1]) else {
                throw fail("option \"\(key)\" needs a value")
            }
            func int(_ range: ClosedRange<Int>) throws(AMQPError) -> Int {
                guard let n = Int(value), range.contains(n) else {
                    throw fail("option \(key)=\(value): expected a whole number from \(range.lowerBound) to \(range.upperBound)")
                }
                return n
            }
            switch key {
            case "heartbeat": heartbeat = try int(0...3600)
            case "connection_timeout": connectionTimeout = try int(1...3600)
            case "frame_max": frameMax = try int(4096...1_048_576)
            case "cacertfile": caCertFile = value
            case "certfile": certFile = value
            case "keyfile": keyFile = value
            case "verify":
                switch value {
                case "verify_peer", "true": verifyPeer = true
                case "verify_none", "false": verifyPeer = false
                default: throw fail("option verify=\(value): expected verify_peer or verify_none")
                }
            default:
                throw fail("unknown option \"\(key)\" (known: heartbeat, connection_timeout, frame_max, cacertfile, certfile, keyfile, verify)")
            }
        }
        if (certFile == nil) != (keyFile == nil) {
            throw fail("certfile and keyfile go together")
        }
        if !tls && (caCertFile != nil || certFile != nil) {
            throw fail("TLS options need the amqps:// scheme")
        }
    }

    /// `amqp[s]://user@host:port/vhost`, without the password: safe for logs.
    public var description: String {
        let vhostPart = vhost == "/" ? "" : BrokerURL.percentEncode(vhost)
        return "\(tls ? "amqps" : "amqp")://\(user)@\(host):\(port)/\(vhostPart)"
    }

    /// `host:port vhost`, for error messages.
    public var endpoint: String { "\(host):\(port) vhost \(vhost)" }

    static func redact(_ text: String) -> String {
        guard let schemeEnd = text.firstIndex(of: "/").map({ text.index($0, offsetBy: 2, limitedBy: text.endIndex) ?? $0 }),
            let at = text.lastIndex(of: "@"), at > schemeEnd
        else { return text }
        let userInfo = text[schemeEnd..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }

    static func percentDecode(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let hi = iterator.next(), let lo = iterator.next(),
                    let value = UInt8(String(decoding: [hi, lo], as: UTF8.self), radix: 16)
                else { return nil }
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let c = Character(Unicode.Scalar(byte))
            if byte < 0x80 && (c.isLetter || c.isNumber || "-._~".contains(c)) {
                out.append(c)
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
