import FoundationEssentials

/// The shape of a JSON document without its values: what `MessageCoding` needs to say
/// what it found where a field failed, to find unknown fields, and to locate a fraction in
/// an integer field (Foundation's decoder reports that one without a path).
indirect enum JSONShape: Decodable, Equatable {
    case null, bool, integer, number, string
    case array([JSONShape])
    case object([String: JSONShape])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if (try? container.decode(String.self)) != nil {
            self = .string
        } else if (try? container.decode(Bool.self)) != nil {
            self = .bool
        } else if (try? container.decode(Int.self)) != nil {
            // Whole numbers in Int range, as the decoder accepts them for Int fields (2.0 too).
            self = .integer
        } else if (try? container.decode(Double.self)) != nil {
            self = .number
        } else if let elements = try? container.decode([JSONShape].self) {
            self = .array(elements)
        } else {
            self = .object(try container.decode([String: JSONShape].self))
        }
    }

    /// How an error message names what it found: `a string`, `null`, ...
    var article: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer: "an integer"
        case .number: "a number with a fraction or out of integer range"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// The node at `path`, or nil when there is none.
    func node(at path: [any CodingKey]) -> JSONShape? {
        var node = self
        for key in path {
            switch node {
            case .array(let elements):
                guard let index = key.intValue, elements.indices.contains(index) else { return nil }
                node = elements[index]
            case .object(let members):
                guard let member = members[key.stringValue] else { return nil }
                node = member
            default:
                return nil
            }
        }
        return node
    }

    /// Paths of the non-integer numbers, in a stable order.
    func numberPaths(prefix: [JSONPathKey] = []) -> [[JSONPathKey]] {
        switch self {
        case .number: [prefix]
        case .array(let elements):
            elements.indices.flatMap { elements[$0].numberPaths(prefix: prefix + [.index($0)]) }
        case .object(let members):
            members.keys.sorted().flatMap { members[$0]!.numberPaths(prefix: prefix + [.key($0)]) }
        default: []
        }
    }

    /// The first member of an object in `self` that `known` (the same document as the
    /// message's Swift type encodes it) lacks. Null members do not count: the encoder
    /// leaves out nil optionals that the input may have spelled `null`.
    func firstUnknownMember(comparedTo known: JSONShape, prefix: [JSONPathKey] = []) -> [JSONPathKey]? {
        switch (self, known) {
        case (.object(let members), .object(let knownMembers)):
            for name in members.keys.sorted() {
                let member = members[name]!
                guard let knownMember = knownMembers[name] else {
                    if member == .null { continue }
                    return prefix + [.key(name)]
                }
                if let found = member.firstUnknownMember(comparedTo: knownMember, prefix: prefix + [.key(name)]) {
                    return found
                }
            }
        case (.array(let elements), .array(let knownElements)):
            for (index, (element, knownElement)) in zip(elements, knownElements).enumerated() {
                if let found = element.firstUnknownMember(comparedTo: knownElement, prefix: prefix + [.index(index)]) {
                    return found
                }
            }
        default:
            break
        }
        return nil
    }
}

/// One step of a JSON path, spelled the way error messages show it.
enum JSONPathKey: Equatable {
    case key(String)
    case index(Int)

    init(_ codingKey: any CodingKey) {
        // Array positions are the only coding keys with an int value here: every CodingKeys
        // enum of the messages is string-backed, and dictionary keys are strings.
        if let index = codingKey.intValue { self = .index(index) } else { self = .key(codingKey.stringValue) }
    }

    /// `version`, `changes[2].status`, `facts["os.family"]`.
    static func render(_ path: [JSONPathKey]) -> String {
        var text = ""
        for step in path {
            switch step {
            case .index(let index):
                text += "[\(index)]"
            case .key(let name):
                let plain = !name.isEmpty && name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
                if plain {
                    text += text.isEmpty ? name : "." + name
                } else {
                    text += "[\"\(name)\"]"
                }
            }
        }
        return text
    }
}
