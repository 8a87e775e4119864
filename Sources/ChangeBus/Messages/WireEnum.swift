/// Decodes a string-backed enum of a message, naming the allowed values when the input is
/// none of them (Foundation's own error says only "Cannot initialize ... from invalid
/// String value").
func decodeWireEnum<E: RawRepresentable & CaseIterable>(_: E.Type, from decoder: any Decoder) throws -> E
where E.RawValue == String {
    let container = try decoder.singleValueContainer()
    let raw = try container.decode(String.self)
    guard let value = E(rawValue: raw) else {
        let allowed = E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        throw DecodingError.dataCorruptedError(
            in: container, debugDescription: "expected one of \(allowed), found \(MessageValidator.quote(raw))")
    }
    return value
}
