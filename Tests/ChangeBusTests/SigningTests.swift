import FoundationEssentials
import Glibc
import Testing
import Crypto
@testable import ChangeBus

/// A fresh private folder under /tmp, removed when the test ends.
private final class TemporaryFolder {
    let path: String

    init() throws {
        var template = Array("/tmp/changebus-signing-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        path = String(cString: try #require(created))
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ name: String, _ text: String, mode: mode_t = 0o644) throws -> String {
        let file = path + "/" + name
        try Data(text.utf8).write(to: URL(filePath: file))
        #expect(chmod(file, mode) == 0)
        return file
    }

    func read(_ file: String) throws -> String {
        String(decoding: try Data(contentsOf: URL(filePath: file)), as: UTF8.self)
    }

    func names() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }
}

private func mode(of path: String) -> mode_t {
    var info = stat()
    #expect(stat(path, &info) == 0, "stat \(path)")
    return info.st_mode & 0o7777
}

@Suite struct SigningTests {
    let body = Data(#"{"schema":"changebus.change/v1","stream":"config","version":3}"#.utf8)

    // MARK: key id

    @Test func keyIDIsFirst16HexDigitsOfSHA256OfPublicKey() throws {
        let key = try VerifyingKey(bytes: RFC8032.public1)
        // python3: hashlib.sha256(bytes.fromhex("d75a98...511a")).hexdigest()[:16]
        #expect(key.keyID.rawValue == "21fe31dfa154a261")
        #expect(KeyID(of: key) == key.keyID)
    }

    @Test(arguments: ["21fe31dfa154a261", "0000000000000000"])
    func keyIDAcceptsSixteenLowercaseHexDigits(text: String) {
        #expect(KeyID(rawValue: text)?.rawValue == text)
    }

    @Test(arguments: ["", "21FE31DFA154A261", "21fe31dfa154a26", "21fe31dfa154a2610", "21fe31dfa154a26g"])
    func keyIDRejectsOtherText(text: String) {
        #expect(KeyID(rawValue: text) == nil)
    }

    @Test func keyIDCodesAsPlainString() throws {
        let id = try #require(KeyID(rawValue: "21fe31dfa154a261"))
        let json = try JSONEncoder().encode([id])
        #expect(String(decoding: json, as: UTF8.self) == #"["21fe31dfa154a261"]"#)
        #expect(try JSONDecoder().decode([KeyID].self, from: json) == [id])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([KeyID].self, from: Data(#"["XYZ"]"#.utf8)) }
    }

    // MARK: signer and trust store

    @Test func signerProducesKnownHeaders() throws {
        let signer = MessageSigner(key: try SigningKey(seed: RFC8032.seed1))
        let headers = signer.sign(body: Data())
        #expect(headers.keyID.rawValue == "21fe31dfa154a261")
        #expect(headers.signature == Data(RFC8032.signature1).base64EncodedString())
        #expect(headers.fields == [
            "x-changebus-key-id": "21fe31dfa154a261",
            "x-changebus-signature": "5VZDAMNgrHKQhuLMgG6CioSHfx645dl02HPgZSJJAVVfuIIVkKM7rMYeOXAc+bRr0lv18FlbviRlUUFDjnoQCw==",
        ])
        #expect(SignatureHeaders.keyIDHeader == "x-changebus-key-id")
        #expect(SignatureHeaders.signatureHeader == "x-changebus-signature")
    }

    @Test func signedBodyVerifies() throws {
        let signer = MessageSigner(key: .generate())
        let store = TrustStore(keys: [SigningKey.generate().publicKey, signer.verifyingKey])
        let headers = signer.sign(body: body)
        #expect(Data(base64Encoded: headers.signature)?.count == 64)
        #expect(try store.verify(body: body, keyID: headers.keyID.rawValue, signature: headers.signature).get() == signer.keyID)
    }

    @Test func changingOneBodyByteFailsVerification() {
        let signer = MessageSigner(key: .generate())
        let store = TrustStore(keys: [signer.verifyingKey])
        let headers = signer.sign(body: body)
        for index in [body.startIndex, body.startIndex + 20, body.endIndex - 1] {
            var altered = body
            altered[index] ^= 0x01
            let result = store.verify(body: altered, keyID: headers.keyID.rawValue, signature: headers.signature)
            #expect(result == .failure(.invalidSignature(signer.keyID)))
        }
        var longer = body
        longer.append(0x20)
        #expect(store.verify(body: longer, keyID: headers.keyID.rawValue, signature: headers.signature)
            == .failure(.invalidSignature(signer.keyID)))
    }

    @Test func signatureByAnotherKeyFails() {
        let trusted = MessageSigner(key: .generate())
        let intruder = MessageSigner(key: .generate())
        let store = TrustStore(keys: [trusted.verifyingKey])
        let forged = intruder.sign(body: body)

        // Sent under its own id: not a trusted key.
        #expect(store.verify(body: body, keyID: forged.keyID.rawValue, signature: forged.signature)
            == .failure(.unknownKeyID(forged.keyID.rawValue)))
        // Sent claiming the trusted id: does not verify.
        #expect(store.verify(body: body, keyID: trusted.keyID.rawValue, signature: forged.signature)
            == .failure(.invalidSignature(trusted.keyID)))
    }

    @Test func missingHeadersAreReportedByName() {
        let store = TrustStore(keys: [SigningKey.generate().publicKey])
        let both = store.verify(body: body, keyID: nil, signature: nil)
        #expect(both == .failure(.missingHeaders(["x-changebus-key-id", "x-changebus-signature"])))
        #expect(store.verify(body: body, keyID: "21fe31dfa154a261", signature: "")
            == .failure(.missingHeaders(["x-changebus-signature"])))
        guard case .failure(let failure) = both else { return }
        #expect(failure.code == "missing-signature")
        #expect(failure.description == "unsigned message: missing header x-changebus-key-id and x-changebus-signature")
    }

    @Test func malformedSignatures() {
        let signer = MessageSigner(key: .generate())
        let store = TrustStore(keys: [signer.verifyingKey])
        let id = signer.keyID.rawValue
        let notBase64 = store.verify(body: body, keyID: id, signature: "not base64!")
        #expect(notBase64 == .failure(.malformedSignature("not standard base64 of 64 bytes")))
        let short = store.verify(body: body, keyID: id, signature: Data(count: 63).base64EncodedString())
        #expect(short == .failure(.malformedSignature("decodes to 63 bytes, an Ed25519 signature is 64")))
        let huge = store.verify(body: body, keyID: id, signature: String(repeating: "A", count: 4000))
        #expect(huge == .failure(.malformedSignature("not standard base64 of 64 bytes")))
        if case .failure(let failure) = short {
            #expect(failure.code == "malformed-signature")
            #expect(failure.description == "malformed x-changebus-signature header: decodes to 63 bytes, an Ed25519 signature is 64")
        }
    }

    @Test func failureDescriptionsAreClearAndSafe() throws {
        let id = try #require(KeyID(rawValue: "21fe31dfa154a261"))
        #expect(SignatureFailure.invalidSignature(id).description
            == "signature by key 21fe31dfa154a261 does not verify: the body was altered or was not signed by that key")
        #expect(SignatureFailure.invalidSignature(id).code == "bad-signature")
        #expect(SignatureFailure.unknownKeyID("abc").description
            == "signed with unknown key id 'abc': no trusted public key has that id")
        #expect(SignatureFailure.unknownKeyID("abc").code == "unknown-key-id")
        let hostile = SignatureFailure.unknownKeyID("a\nb\u{1b}[31m" + String(repeating: "x", count: 100)).description
        #expect(!hostile.contains("\n") && !hostile.contains("\u{1b}"))
        #expect(hostile.count < 120)
    }

    @Test func unknownKeyIDIncludingNonHex() {
        let store = TrustStore(keys: [SigningKey.generate().publicKey])
        #expect(store.verify(body: body, keyID: "0123456789abcdef", signature: "AAAA")
            == .failure(.unknownKeyID("0123456789abcdef")))
        #expect(store.verify(body: body, keyID: "not-a-key-id", signature: "AAAA")
            == .failure(.unknownKeyID("not-a-key-id")))
    }

    // MARK: key files

    @Test func keygenWritesExactFormatsAndModes() throws {
        let folder = try TemporaryFolder()
        let out = folder.path + "/new/keys"
        let generated = try KeyFiles.generate(into: out, overwrite: false)
        #expect(generated.keyPath == out + "/changebus.key")
        #expect(generated.pubPath == out + "/changebus.pub")
        #expect(mode(of: generated.keyPath) == 0o600)
        #expect(mode(of: generated.pubPath) == 0o644)
        #expect(mode(of: out) == 0o700)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == ["changebus.key", "changebus.pub"])

        let pub = try folder.read(generated.pubPath)
        #expect(pub.wholeMatch(of: /ed25519:[A-Za-z0-9+\/]{43}=\n/) != nil, "pub file: \(pub)")
        let secret = try folder.read(generated.keyPath)
        #expect(secret.wholeMatch(of: /ed25519-secret:[A-Za-z0-9+\/]{43}=\n/) != nil)

        let signingKey = try KeyFiles.loadSigningKey(path: generated.keyPath)
        let verifyingKey = try KeyFiles.loadVerifyingKey(path: generated.pubPath)
        #expect(signingKey.publicKey == verifyingKey)
        #expect(verifyingKey.keyID == generated.keyID)
        #expect(Data(base64Encoded: String(pub.dropFirst(8).dropLast()))! == Data(verifyingKey.bytes))

        let signer = try MessageSigner(keyPath: generated.keyPath)
        let store = try TrustStore.load(publicKeyPaths: [generated.pubPath, generated.pubPath])
        #expect(store.keyIDs == [generated.keyID])
        let headers = signer.sign(body: body)
        #expect(store.verify(body: body, keyID: headers.keyID.rawValue, signature: headers.signature) == .success(generated.keyID))
    }

    @Test func keyFileContentMatchesKnownSeed() throws {
        let folder = try TemporaryFolder()
        let written = try KeyFiles.write(try SigningKey(seed: RFC8032.seed1), into: folder.path + "/")
        #expect(try folder.read(written.keyPath) == "ed25519-secret:nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=\n")
        #expect(try folder.read(written.pubPath) == "ed25519:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n")
        #expect(written.keyPath == folder.path + "/changebus.key")
        #expect(written.keyID.rawValue == "21fe31dfa154a261")
    }

    @Test func keygenRefusesToOverwriteUnlessTold() throws {
        let folder = try TemporaryFolder()
        let first = try KeyFiles.generate(into: folder.path)
        let secretBefore = try folder.read(first.keyPath)
        let pubBefore = try folder.read(first.pubPath)

        let error = try #require(throws: SigningError.self) { try KeyFiles.generate(into: folder.path) }
        #expect(error.code == .fileExists)
        #expect(error.path == first.keyPath)
        #expect(error.message.contains("already exists"))
        #expect(try folder.read(first.keyPath) == secretBefore)
        #expect(try folder.read(first.pubPath) == pubBefore)
        #expect(try folder.names() == ["changebus.key", "changebus.pub"])

        let second = try KeyFiles.generate(into: folder.path, overwrite: true)
        #expect(second.keyID != first.keyID)
        #expect(try folder.read(second.pubPath) != pubBefore)
        #expect(mode(of: second.keyPath) == 0o600)
        #expect(try KeyFiles.loadSigningKey(path: second.keyPath).publicKey.keyID == second.keyID)
        #expect(try folder.names() == ["changebus.key", "changebus.pub"])
    }

    @Test func keygenRefusesWhenOnlyThePublicFileExists() throws {
        let folder = try TemporaryFolder()
        let pub = try folder.write("changebus.pub", "ed25519:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n")
        let error = try #require(throws: SigningError.self) { try KeyFiles.generate(into: folder.path) }
        #expect(error.code == .fileExists)
        #expect(error.path == pub)
        #expect(try folder.names() == ["changebus.pub"])
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o660, 0o606, 0o610])
    func secretKeyAccessibleByOthersIsRefused(permissions: Int) throws {
        let folder = try TemporaryFolder()
        let generated = try KeyFiles.generate(into: folder.path)
        #expect(chmod(generated.keyPath, mode_t(permissions)) == 0)
        let error = try #require(throws: SigningError.self) { try KeyFiles.loadSigningKey(path: generated.keyPath) }
        #expect(error.code == .insecurePermissions)
        #expect(error.path == generated.keyPath)
        #expect(error.message.hasPrefix(generated.keyPath + ": "))
        #expect(error.message.contains("mode 0" + String(permissions, radix: 8)))
        #expect(error.message.contains("chmod 600 \(generated.keyPath)"))
        #expect(throws: SigningError.self) { try MessageSigner(keyPath: generated.keyPath) }

        #expect(chmod(generated.keyPath, 0o400) == 0)
        #expect(try KeyFiles.loadSigningKey(path: generated.keyPath).publicKey.keyID == generated.keyID)
    }

    @Test(arguments: [
        ("", "the file is empty"),
        ("   \n", "the file is empty"),
        ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI", "missing 'ed25519:' prefix, it starts with 'ssh-ed25519 AAAA'"),
        ("ED25519:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", "missing 'ed25519:' prefix"),
        ("ed25519-secret:nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=", "it starts with 'ed25519-secret:', so it is the other half"),
        ("ed25519:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo", "not valid standard base64"),
        ("ed25519:11qY*YKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", "not valid standard base64"),
        ("ed25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", "it decodes to 31 bytes, not 32"),
        ("ed25519:", "it decodes to 0 bytes, not 32"),
        ("ed25519:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\ned25519:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
         "it has more than one line"),
    ])
    func malformedPublicKeyFiles(content: String, problem: String) throws {
        let folder = try TemporaryFolder()
        let file = try folder.write("bad.pub", content)
        let error = try #require(throws: SigningError.self) { try KeyFiles.loadVerifyingKey(path: file) }
        #expect(error.code == .malformedKey)
        #expect(error.message.hasPrefix(file + ": not a changebus public key file: "))
        #expect(error.message.contains(problem), "\(error.message)")
        #expect(error.message.hasSuffix("(expected one line 'ed25519:<base64 of 32 bytes>')"))
        #expect(throws: SigningError.self) { try TrustStore.load(publicKeyPaths: [file]) }
    }

    @Test func publicKeyFileToleratesSurroundingWhitespace() throws {
        let key = try KeyFiles.parseVerifyingKey("  ed25519:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\r\n", source: "test")
        #expect(key.bytes == RFC8032.public1)
        #expect(KeyFiles.publicKeyLine(key) == "ed25519:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
    }

    @Test func malformedSecretKeyErrorsNeverQuoteTheContent() throws {
        let folder = try TemporaryFolder()
        let file = try folder.write("changebus.key", "secret-stuff:nWGxne/9WmC6hEr0kuwsxERJ\n", mode: 0o600)
        let error = try #require(throws: SigningError.self) { try KeyFiles.loadSigningKey(path: file) }
        #expect(error.code == .malformedKey)
        #expect(error.message == "\(file): not a changebus secret key file: missing 'ed25519-secret:' prefix "
            + "(expected one line 'ed25519-secret:<base64 of 32 bytes>')")

        let pubAsSecret = try folder.write("public.key", "ed25519:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n", mode: 0o600)
        let swapped = try #require(throws: SigningError.self) { try KeyFiles.loadSigningKey(path: pubAsSecret) }
        #expect(swapped.message.contains("it starts with 'ed25519:', so it is the other half of the key pair"))
    }

    @Test func missingAndOversizedFiles() throws {
        let folder = try TemporaryFolder()
        let missing = folder.path + "/nope.pub"
        let error = try #require(throws: SigningError.self) { try KeyFiles.loadVerifyingKey(path: missing) }
        #expect(error.code == .fileSystem)
        #expect(error.systemError == ENOENT)
        #expect(error.message == "\(missing): cannot open public key file: No such file or directory")

        let big = try folder.write("big.pub", String(repeating: "A", count: 5000))
        let tooBig = try #require(throws: SigningError.self) { try KeyFiles.loadVerifyingKey(path: big) }
        #expect(tooBig.message == "\(big): public key file is larger than 4096 bytes")

        let notFile = try #require(throws: SigningError.self) { try KeyFiles.loadVerifyingKey(path: folder.path) }
        #expect(notFile.message == "\(folder.path): public key file is not a regular file")
    }

    @Test func trustStoreLoadsSeveralKeys() throws {
        let folder = try TemporaryFolder()
        let a = try KeyFiles.generate(into: folder.path + "/a")
        let b = try KeyFiles.generate(into: folder.path + "/b")
        let store = try TrustStore.load(publicKeyPaths: [a.pubPath, b.pubPath])
        #expect(store.keyIDs == [a.keyID, b.keyID].sorted())
        let signerB = try MessageSigner(keyPath: b.keyPath)
        let headers = signerB.sign(body: body)
        #expect(store.verify(body: body, keyID: headers.keyID.rawValue, signature: headers.signature) == .success(b.keyID))
    }
}
