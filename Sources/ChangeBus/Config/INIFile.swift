import FoundationEssentials

/// An INI file as changebus writes its configs: sections of ordered `key = value` entries,
/// each with its line number, so every error can name the file, line and key.
///
/// ```
/// # a comment; lines starting with ; are comments too
/// [broker]
/// urls = amqp://127.0.0.1:5672
/// prefetch = 10
///
/// [route]
/// roles/web/** = web
/// common/** = common
/// ```
/// - A line is a `[section]` header, a `key = value` entry, a comment (first non-blank
///   character `#` or `;`) or blank. There are no comments at the end of a line: in
///   `a = b # c` the value is `b # c`.
/// - The key is everything before the first `=` and the value everything after it, both
///   trimmed. Keys may hold any character but `=` (`roles/web/** = web`,
///   `refs/heads/production = prod`); values may be empty. Names are case-sensitive.
/// - A key may repeat within a section; entries keep their file order, for route maps and
///   watch lists. The typed accessors (`int`, `bool`, ...) refuse a repeated key.
/// - Errors: an entry before the first section, a line without `=`, a section header
///   without its `]` or with text after it, an empty section name or key, and a section
///   that appears twice.
public struct INIFile: Sendable, Hashable {
    /// One `key = value` line.
    public struct Entry: Sendable, Hashable {
        public let key: String
        public let value: String
        /// 1-based line number in the file.
        public let line: Int

        public init(key: String, value: String, line: Int) {
            self.key = key
            self.value = value
            self.line = line
        }
    }

    /// One `[name]` section and its entries in file order.
    public struct Section: Sendable, Hashable {
        public let name: String
        /// 1-based line number of the `[name]` header.
        public let line: Int
        public let entries: [Entry]

        public init(name: String, line: Int, entries: [Entry]) {
            self.name = name
            self.line = line
            self.entries = entries
        }

        /// The last entry for `key` (a later line overrides an earlier one), or nil.
        public func value(_ key: String) -> Entry? {
            entries.last { $0.key == key }
        }

        /// Every entry for `key`, in file order.
        public func values(_ key: String) -> [Entry] {
            entries.filter { $0.key == key }
        }

        /// The entries whose key is not in `allowed`, in file order: typos to report.
        public func unknownKeys(allowed: Set<String>) -> [Entry] {
            entries.filter { !allowed.contains($0.key) }
        }
    }

    /// The file's path as given, for error messages.
    public let path: String
    /// The sections in file order.
    public let sections: [Section]

    /// Reads and parses the file at `path`.
    /// - Throws: `ConfigError` when the file cannot be read, is not UTF-8, or does not parse.
    public init(path: String) throws(ConfigError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(filePath: path))
        } catch {
            throw ConfigError(file: path, message: "cannot read the file: " + Self.reason(error))
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ConfigError(file: path, message: "not UTF-8 text")
        }
        try self.init(text: text, path: path)
    }

    /// Parses `text`; `path` names it in errors.
    /// - Throws: `ConfigError` naming the line of the first syntax error.
    public init(text: String, path: String) throws(ConfigError) {
        self.path = path
        var sections: [Section] = []
        var current: (name: String, line: Int, entries: [Entry])? = nil
        var headerLines: [String: Int] = [:]

        func fail(_ line: Int, _ message: String, inSection: Bool = true) -> ConfigError {
            ConfigError(file: path, line: line, section: inSection ? current?.name : nil, message: message)
        }

        let body = text.hasPrefix("\u{FEFF}") ? text.dropFirst() : Substring(text)
        // `\r\n` is one Character, so files with Windows line ends split the same way.
        let lines = body.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        for (offset, raw) in lines.enumerated() {
            let number = offset + 1
            let line = Self.trimmed(raw)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }

            if line.hasPrefix("[") {
                guard let close = line.firstIndex(of: "]") else {
                    throw fail(number, "unterminated section header: expected \"]\"", inSection: false)
                }
                let rest = line[line.index(after: close)...]
                guard Self.trimmed(rest).isEmpty else {
                    throw fail(number, "unexpected text after \"]\": \"\(Self.trimmed(rest))\"", inSection: false)
                }
                let name = String(Self.trimmed(line[line.index(after: line.startIndex)..<close]))
                guard !name.isEmpty else { throw fail(number, "empty section name", inSection: false) }
                if let first = headerLines[name] {
                    throw ConfigError(
                        file: path, line: number, section: name,
                        message: "duplicate section: it already starts on line \(first)")
                }
                headerLines[name] = number
                if let current { sections.append(Section(name: current.name, line: current.line, entries: current.entries)) }
                current = (name, number, [])
                continue
            }

            guard let equals = line.firstIndex(of: "=") else {
                throw fail(number, "expected \"key = value\", got \"\(line)\"")
            }
            let key = String(Self.trimmed(line[..<equals]))
            let value = String(Self.trimmed(line[line.index(after: equals)...]))
            guard !key.isEmpty else { throw fail(number, "empty key before \"=\"") }
            guard current != nil else {
                throw ConfigError(
                    file: path, line: number, key: key,
                    message: "entry outside a section: put it under a [section] header")
            }
            current?.entries.append(Entry(key: key, value: value, line: number))
        }
        if let current { sections.append(Section(name: current.name, line: current.line, entries: current.entries)) }
        self.sections = sections
    }

    /// The section called `name`, or nil.
    public func section(_ name: String) -> Section? {
        sections.first { $0.name == name }
    }

    /// Throws for the first section whose name is not in `allowed`.
    /// - Throws: `ConfigError` naming the section's line, suggesting a close allowed name.
    public func checkSections(allowed: Set<String>) throws(ConfigError) {
        for section in sections where !allowed.contains(section.name) {
            throw ConfigError(
                file: path, line: section.line, section: section.name,
                message: "unknown section" + Self.suggestion(for: section.name, among: allowed, format: { "[\($0)]" }))
        }
    }

    /// Throws for the first entry of `section` whose key is not in `allowed` (nothing when
    /// the section is absent).
    /// - Throws: `ConfigError` naming the entry's line and key, suggesting a close allowed key.
    public func checkKeys(in section: String, allowed: Set<String>) throws(ConfigError) {
        guard let entry = self.section(section)?.unknownKeys(allowed: allowed).first else { return }
        throw ConfigError(
            file: path, line: entry.line, section: section, key: entry.key,
            message: "unknown key" + Self.suggestion(for: entry.key, among: allowed, format: { "\"\($0)\"" }))
    }

    /// An error about `entry` of `section`, for callers that validate values themselves
    /// (a bad glob in a route map, an unknown routing key).
    public func error(_ message: String, at entry: Entry, in section: String) -> ConfigError {
        ConfigError(file: path, line: entry.line, section: section, key: entry.key, message: message)
    }

    /// An error about `key` of `section`: on the key's last line when it is present, else on
    /// the section's header line when the section is, else on no line (`missing ...`).
    public func error(_ message: String, key: String?, in section: String) -> ConfigError {
        let found = self.section(section)
        let line = key.flatMap { found?.value($0)?.line } ?? found?.line
        return ConfigError(file: path, line: line, section: section, key: key, message: message)
    }

    // MARK: - Helpers

    /// A short reason for a failed read: FoundationEssentials has no `localizedDescription`,
    /// and its errors print as a dump of their user info.
    private static func reason(_ error: any Error) -> String {
        switch ((error as? CocoaError)?.underlying as? POSIXError)?.code {
        case .ENOENT?: "no such file"
        case .EACCES?: "permission denied"
        case .EISDIR?: "it is a folder"
        case let code?: "error \(code.rawValue)"
        case nil: String(describing: error)
        }
    }

    static func trimmed(_ text: Substring) -> Substring {
        guard let first = text.firstIndex(where: { !$0.isWhitespace }),
            let last = text.lastIndex(where: { !$0.isWhitespace })
        else { return text[text.endIndex...] }
        return text[first...last]
    }

    /// "; did you mean X?" when an allowed name is within two edits of `name`, else a list of
    /// the allowed names (when there are few enough to read).
    private static func suggestion(for name: String, among allowed: Set<String>, format: (String) -> String) -> String {
        let sorted = allowed.sorted()
        if let close = sorted.min(by: { editDistance(name, $0) < editDistance(name, $1) }),
            editDistance(name, close) <= 2
        {
            return "; did you mean \(format(close))?"
        }
        guard !sorted.isEmpty, sorted.count <= 12 else { return "" }
        return "; expected one of " + sorted.map(format).joined(separator: ", ")
    }

    /// Levenshtein distance, for suggestions: names are short, so the quadratic table is fine.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        var row = previous
        for i in 1...a.count {
            row[0] = i
            for j in 1...b.count {
                row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &row)
        }
        return previous[b.count]
    }
}
