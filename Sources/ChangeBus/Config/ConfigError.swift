/// A configuration file that cannot be read or holds a bad value, with where it is.
///
/// `description` reads like a compiler's:
/// `agent.ini:12: [broker] prefetch: expected an integer from 1 to 65535, got "x"`.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file's path as it was given.
    public let file: String
    /// 1-based line, when the problem is on one.
    public let line: Int?
    /// The section the problem is in, when there is one.
    public let section: String?
    /// The key the problem is about, when there is one.
    public let key: String?
    /// What is wrong, naming the bad value.
    public let message: String

    public init(file: String, line: Int? = nil, section: String? = nil, key: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.section = section
        self.key = key
        self.message = message
    }

    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        switch (section, key) {
        case (let section?, let key?): text += "[\(section)] \(key): "
        case (let section?, nil): text += "[\(section)]: "
        case (nil, let key?): text += "\(key): "
        case (nil, nil): break
        }
        return text + message
    }
}
