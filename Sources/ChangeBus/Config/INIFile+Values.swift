/// Typed reading of single values. Each throws a `ConfigError` that names the file, line,
/// section and key, and shows the bad value. A key given twice in a section is an error for
/// these (which line would win is a guess), except for `list`, which joins them.
extension INIFile {
    /// The value of `key` in `section`, possibly empty; nil when the key or section is absent.
    /// - Throws: `ConfigError` when the key is given more than once.
    public func string(_ key: String, in section: String) throws(ConfigError) -> String? {
        try single(key, in: section)?.value
    }

    /// The value of `key` in `section`, or `default` when absent.
    /// - Throws: `ConfigError` when the key is given more than once.
    public func string(_ key: String, in section: String, default: String) throws(ConfigError) -> String {
        try string(key, in: section) ?? `default`
    }

    /// The value of `key` in `section`, which must be present and not empty.
    /// - Throws: `ConfigError` when it is absent, empty or given more than once.
    public func requiredString(_ key: String, in section: String) throws(ConfigError) -> String {
        guard let entry = try single(key, in: section) else {
            throw error("missing; this key is required", key: key, in: section)
        }
        guard !entry.value.isEmpty else {
            throw error("empty; this key needs a value", at: entry, in: section)
        }
        return entry.value
    }

    /// The integer value of `key` in `section`, which must lie in `range`; nil when absent.
    /// - Throws: `ConfigError` when it is not an integer in `range` or is given more than once.
    public func int(_ key: String, in section: String, range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        try parse(key, in: section, expected: "an integer from \(range.lowerBound) to \(range.upperBound)") {
            Int($0).flatMap { range.contains($0) ? $0 : nil }
        }
    }

    /// The integer value of `key` in `section`, or `default` when absent.
    /// - Throws: `ConfigError` when it is not an integer in `range` or is given more than once.
    public func int(_ key: String, in section: String, range: ClosedRange<Int>, default: Int) throws(ConfigError) -> Int {
        try int(key, in: section, range: range) ?? `default`
    }

    /// The boolean value of `key` in `section`: `true`/`false`, `yes`/`no`, `on`/`off` or
    /// `1`/`0`, in any case; nil when absent.
    /// - Throws: `ConfigError` for any other value or a repeated key.
    public func bool(_ key: String, in section: String) throws(ConfigError) -> Bool? {
        try parse(key, in: section, expected: "true or false (or yes/no, on/off, 1/0)") {
            switch $0.lowercased() {
            case "true", "yes", "on", "1": true
            case "false", "no", "off", "0": false
            default: nil
            }
        }
    }

    /// The boolean value of `key` in `section`, or `default` when absent.
    /// - Throws: `ConfigError` for a value that is not a boolean or a repeated key.
    public func bool(_ key: String, in section: String, default: Bool) throws(ConfigError) -> Bool {
        try bool(key, in: section) ?? `default`
    }

    /// The duration value of `key` in `section`: a whole number with a unit, `500ms`, `30s`,
    /// `5m` or `2h`, or a plain whole number of seconds; nil when absent.
    /// - Throws: `ConfigError` for any other value or a repeated key.
    public func duration(_ key: String, in section: String) throws(ConfigError) -> Duration? {
        try parse(key, in: section, expected: "a duration like 500ms, 30s, 5m or 2h (a plain number is seconds)") {
            let digits = $0.prefix { $0.isASCII && $0.isNumber }
            // Twelve digits of hours is still far inside Duration's range.
            guard !digits.isEmpty, digits.count <= 12, let count = Int64(digits) else { return nil }
            switch $0.dropFirst(digits.count) {
            case "ms": return .milliseconds(count)
            case "", "s": return .seconds(count)
            case "m": return .seconds(count * 60)
            case "h": return .seconds(count * 3_600)
            default: return nil
            }
        }
    }

    /// The duration value of `key` in `section`, or `default` when absent.
    /// - Throws: `ConfigError` for a value that is not a duration or a repeated key.
    public func duration(_ key: String, in section: String, default: Duration) throws(ConfigError) -> Duration {
        try duration(key, in: section) ?? `default`
    }

    /// The comma-separated items of `key` in `section`, trimmed, empty items dropped; the
    /// items of a repeated key follow each other in file order. Empty when absent.
    public func list(_ key: String, in section: String) -> [String] {
        (self.section(section)?.values(key) ?? []).flatMap { entry in
            entry.value.split(separator: ",").map { String(Self.trimmed($0)) }.filter { !$0.isEmpty }
        }
    }

    /// The one entry for `key`, nil when absent; a second entry is an error on its line.
    private func single(_ key: String, in section: String) throws(ConfigError) -> Entry? {
        let entries = self.section(section)?.values(key) ?? []
        if entries.count > 1 {
            throw error("given more than once (first on line \(entries[0].line))", at: entries[1], in: section)
        }
        return entries.first
    }

    /// The value of `key` converted by `convert`; nil when absent.
    private func parse<Value>(
        _ key: String, in section: String, expected: String, _ convert: (String) -> Value?
    ) throws(ConfigError) -> Value? {
        guard let entry = try single(key, in: section) else { return nil }
        guard let value = convert(entry.value) else {
            throw error("expected \(expected), got \"\(entry.value)\"", at: entry, in: section)
        }
        return value
    }
}
