import ChangeBus
import FoundationEssentials

let keygenCommand = Command(
    name: "keygen",
    summary: "Create an Ed25519 signing key pair for the publisher.",
    usage: "changebus keygen --out DIR [--force] [--json]",
    options: [
        ("--out DIR", "Folder for changebus.key (mode 0600) and changebus.pub."),
        ("--force", "Replace existing key files."),
        ("--json", "Print paths and key id as JSON."),
    ],
    valued: ["out"], boolean: ["force", "json"],
    notes: """
        FILES:
          DIR/changebus.key  ed25519-secret:<base64 seed>, mode 0600: keep it on the publisher only.
          DIR/changebus.pub  ed25519:<base64 public key>: copy to every agent's [trust] section.
        """
) { args in
    let out = try args.required("out", command: "keygen")
    do {
        let result = try KeyFiles.generate(into: out, overwrite: args.has("force"))
        if args.has("json") {
            let json = ["key": result.keyPath, "pub": result.pubPath, "key_id": result.keyID.rawValue]
            let data = try sortedJSON(json)
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("wrote \(result.keyPath) (secret, mode 0600) and \(result.pubPath); key id \(result.keyID)")
        }
        return ExitCode.success
    } catch let error as SigningError where error.code == .fileExists {
        printError("changebus keygen: \(error) (use --force to replace it)")
        return ExitCode.failure
    }
}
