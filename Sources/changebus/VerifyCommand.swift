import ChangeBus
import FoundationEssentials

let verifyCommand = Command(
    name: "verify",
    summary: "Check a message body's signature against trusted public keys.",
    usage: "changebus verify --pub FILE [--pub FILE…] --key-id ID --signature BASE64 < body",
    options: [
        ("--pub FILE", "A trusted changebus.pub (repeatable)."),
        ("--key-id ID", "The x-changebus-key-id header of the message."),
        ("--signature SIG", "The x-changebus-signature header of the message."),
        ("--json", "Print the verdict as JSON."),
    ],
    valued: ["pub", "key-id", "signature"], boolean: ["json"],
    notes: "Reads the exact body bytes from standard input. Exit 0 when the signature verifies, 1 otherwise."
) { args in
    let pubs = args.all("pub")
    guard !pubs.isEmpty else {
        throw Arguments.UsageError(description: "changebus verify: --pub is required (see changebus verify --help)")
    }
    let store = try TrustStore.load(publicKeyPaths: pubs)
    let body = readStandardInput()
    let verdict = store.verify(body: body, keyID: args.value("key-id"), signature: args.value("signature"))
    let ok: Bool
    let text: String
    switch verdict {
    case .success(let keyID):
        ok = true
        text = "signature verifies: key \(keyID), \(body.count) bytes"
    case .failure(let failure):
        ok = false
        text = failure.description
    }
    if args.has("json") {
        struct Verdict: Encodable { let valid: Bool, message: String, bytes: Int }
        print(String(decoding: try sortedJSON(Verdict(valid: ok, message: text, bytes: body.count)), as: UTF8.self))
    } else {
        print(text)
    }
    return ok ? ExitCode.success : ExitCode.failure
}
