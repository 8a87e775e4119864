import FoundationEssentials
import Crypto

/// The signing key files: creating a key pair on disk and loading either half.
///
/// Formats (each file is one line of ASCII ending in a newline):
/// - `changebus.pub`: `ed25519:` + standard base64 (with padding) of the 32-byte public key,
///   e.g. `ed25519:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=`. Mode 0644. Safe to copy to every host.
/// - `changebus.key`: `ed25519-secret:` + standard base64 of the 32-byte Ed25519 seed (libsodium
///   derives the 64-byte secret key and the public key from it). Mode 0600; loading refuses
///   a file that group or others can access.
///
/// Readers accept surrounding whitespace (including `\r\n`) but exactly one line.
public enum KeyFiles {
    /// Name of the secret key file that `generate` writes. Default: `changebus.key`.
    public static let secretKeyFileName = "changebus.key"
    /// Name of the public key file that `generate` writes. Default: `changebus.pub`.
    public static let publicKeyFileName = "changebus.pub"
    /// Prefix of the public key line.
    public static let publicKeyPrefix = "ed25519:"
    /// Prefix of the secret key line.
    public static let secretKeyPrefix = "ed25519-secret:"
    /// Key files larger than this are refused before parsing. Default: 4096 bytes.
    public static let maximumFileSize = 4096

    /// Generates a new key pair and writes it to `directory` (see `write(_:into:overwrite:)`).
    /// - Returns: the secret key path, the public key path and the new key's id.
    /// - Throws: `SigningError` `.fileExists` if either file exists and `overwrite` is false;
    ///   `.fileSystem` if the folder or a file cannot be created.
    public static func generate(into directory: String, overwrite: Bool = false) throws(SigningError)
        -> (keyPath: String, pubPath: String, keyID: KeyID)
    {
        try write(SigningKey.generate(), into: directory, overwrite: overwrite)
    }

    /// Writes `key` as `directory/changebus.key` (mode 0600) and `directory/changebus.pub` (mode 0644).
    ///
    /// Creates `directory` (and parents) with mode 0700 if missing. Each file appears whole
    /// or not at all (written to a temporary file, fsynced, then linked or renamed into
    /// place). Without `overwrite`, nothing is written if either file exists.
    /// The in-memory copies of the seed made here for encoding are not wiped.
    /// - Returns: the secret key path, the public key path and the key's id.
    /// - Throws: `SigningError` `.fileExists` or `.fileSystem`.
    public static func write(_ key: SigningKey, into directory: String, overwrite: Bool = false) throws(SigningError)
        -> (keyPath: String, pubPath: String, keyID: KeyID)
    {
        let folder = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
        let keyPath = folder + "/" + secretKeyFileName
        let pubPath = folder + "/" + publicKeyFileName
        if !overwrite {
            for path in [keyPath, pubPath] where KeyFileIO.exists(path) {
                throw SigningError(.fileExists, path: path,
                    "\(path): already exists; refusing to overwrite an existing key file")
            }
        }
        try KeyFileIO.makeDirectories(folder)
        let secretLine = secretKeyPrefix + Data(key.seed).base64EncodedString() + "\n"
        try KeyFileIO.writeNewFile(keyPath, contents: Array(secretLine.utf8), mode: 0o600, overwrite: overwrite)
        try KeyFileIO.writeNewFile(pubPath, contents: Array((publicKeyLine(key.publicKey) + "\n").utf8),
                                   mode: 0o644, overwrite: overwrite)
        return (keyPath, pubPath, key.publicKey.keyID)
    }

    /// The public key line without its newline: `ed25519:` + base64 of the 32 bytes.
    public static func publicKeyLine(_ key: VerifyingKey) -> String {
        publicKeyPrefix + Data(key.bytes).base64EncodedString()
    }

    /// Loads a secret key file.
    /// - Throws: `SigningError` `.insecurePermissions` if the file's mode gives group or others
    ///   any access (the message names the path, the mode and `chmod 600 PATH`);
    ///   `.malformedKey` if it is not one `ed25519-secret:` line with a 32-byte seed;
    ///   `.fileSystem` if it cannot be opened or read.
    public static func loadSigningKey(path: String) throws(SigningError) -> SigningKey {
        let text = try KeyFileIO.readText(path, limit: maximumFileSize, requirePrivate: true, what: "secret key file")
        return try parseSigningKey(text, source: path)
    }

    /// Loads a public key file (`ed25519:<base64>`).
    /// - Throws: `SigningError` `.malformedKey` or `.fileSystem`, naming the path and the problem.
    public static func loadVerifyingKey(path: String) throws(SigningError) -> VerifyingKey {
        let text = try KeyFileIO.readText(path, limit: maximumFileSize, requirePrivate: false, what: "public key file")
        return try parseVerifyingKey(text, source: path)
    }

    /// Parses the content of a public key file; `source` (a path or e.g. "--pub") names it in errors.
    /// - Throws: `SigningError` `.malformedKey`: empty, several lines, missing `ed25519:`
    ///   prefix, bad base64, or not 32 bytes.
    public static func parseVerifyingKey(_ text: String, source: String) throws(SigningError) -> VerifyingKey {
        let bytes = try decodeLine(text, prefix: publicKeyPrefix, expectedLength: Ed25519.publicKeyLength,
                                   kind: "public key", otherPrefix: secretKeyPrefix, source: source, showContent: true)
        // Cannot fail: decodeLine checked the length.
        return try! VerifyingKey(bytes: bytes)
    }

    /// Parses the content of a secret key file; `source` names it in errors, which never quote the content.
    /// - Throws: `SigningError` `.malformedKey`.
    public static func parseSigningKey(_ text: String, source: String) throws(SigningError) -> SigningKey {
        let seed = try decodeLine(text, prefix: secretKeyPrefix, expectedLength: Ed25519.seedLength,
                                  kind: "secret key", otherPrefix: publicKeyPrefix, source: source, showContent: false)
        // Cannot fail: decodeLine checked the length.
        return try! SigningKey(seed: seed)
    }

    private static func decodeLine(_ text: String, prefix: String, expectedLength: Int, kind: String,
                                   otherPrefix: String, source: String, showContent: Bool) throws(SigningError) -> Data
    {
        func malformed(_ problem: String) -> SigningError {
            SigningError(.malformedKey, path: source,
                "\(source): not a changebus \(kind) file: \(problem) (expected one line '\(prefix)<base64 of \(expectedLength) bytes>')")
        }
        let line = text.trimmingWhitespace()
        guard !line.isEmpty else { throw malformed("the file is empty") }
        guard !line.contains(where: \.isNewline) else { throw malformed("it has more than one line") }
        guard line.hasPrefix(prefix) else {
            if line.hasPrefix(otherPrefix) {
                throw malformed("it starts with '\(otherPrefix)', so it is the other half of the key pair")
            }
            let start = showContent ? ", it starts with '\(String(line.prefix(16)))'" : ""
            throw malformed("missing '\(prefix)' prefix\(start)")
        }
        guard let bytes = Data(base64Encoded: String(line.dropFirst(prefix.count))) else {
            throw malformed("the text after '\(prefix)' is not valid standard base64")
        }
        guard bytes.count == expectedLength else {
            throw malformed("it decodes to \(bytes.count) bytes, not \(expectedLength)")
        }
        return bytes
    }
}

extension String {
    /// Drops leading and trailing whitespace and newlines (FoundationEssentials has no CharacterSet trimming).
    fileprivate func trimmingWhitespace() -> Substring {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map(index(after:)) ?? start
        return self[start..<end]
    }
}
