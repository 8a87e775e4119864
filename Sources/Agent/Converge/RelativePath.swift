/// A repository path that stays under the root it is joined to: relative, and made only of
/// plain names (no empty, `.` or `..` components, no NUL byte). A pure check of the text;
/// `FileTree` takes care of symbolic links on disk.
struct RelativePath: Hashable, Sendable, CustomStringConvertible {
    /// The names from the root down; never empty.
    let components: [String]

    /// Validates `text`.
    ///
    /// - Throws: `ConvergeError.Code.invalidPath`, naming the path and the bad part.
    init(_ text: String) throws(ConvergeError) {
        func reject(_ reason: String) -> ConvergeError {
            ConvergeError(.invalidPath, subject: text, "\(text.debugDescription): \(reason)")
        }
        guard !text.isEmpty else { throw reject("empty path") }
        guard !text.hasPrefix("/") else { throw reject("absolute path; paths must be relative to the root") }
        guard !text.utf8.contains(0) else { throw reject("path contains a NUL byte") }
        var components: [String] = []
        for part in text.split(separator: "/", omittingEmptySubsequences: false) {
            switch part {
            case "": throw reject("empty path component (double or trailing slash)")
            case ".": throw reject("\".\" path component")
            case "..": throw reject("\"..\" path component would leave the root")
            default: components.append(String(part))
            }
        }
        self.components = components
    }

    /// The folders from the root down to the one holding the file.
    var folders: ArraySlice<String> { components.dropLast() }

    /// The last component.
    var name: String { components[components.count - 1] }

    var description: String { components.joined(separator: "/") }
}
