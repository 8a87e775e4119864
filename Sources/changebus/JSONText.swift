/// Renders the loosely typed `--json` outputs (dictionaries of strings, numbers, booleans,
/// arrays and nulls) with sorted keys, without Foundation's JSONSerialization: the one
/// executable is also the long-running agent, which should not load ICU for this.
enum JSONText {
    /// Stands for JSON `null` in a `[String: Any]`.
    struct Null {}

    static func render(_ value: Any?) -> String {
        switch value {
        case nil, is Null: return "null"
        case let b as Bool: return b ? "true" : "false"
        case let n as Int: return String(n)
        case let d as Double: return d.isFinite ? String(d) : "null"
        case let s as String: return quote(s)
        case let items as [Any]: return "[" + items.map { render($0) }.joined(separator: ",") + "]"
        case let object as [String: Any]:
            return "{" + object.keys.sorted().map { quote($0) + ":" + render(object[$0]!) }.joined(separator: ",") + "}"
        default: return quote(String(describing: value!))
        }
    }

    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
