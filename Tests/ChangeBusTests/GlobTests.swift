import Testing

@testable import ChangeBus

@Suite("Glob")
struct GlobTests {
    @Test(
        "matching",
        arguments: [
            ("roles/web/**", "roles/web/a", true),
            ("roles/web/**", "roles/web/x/y/z", true),
            ("roles/web/**", "roles/web", true),  // ** takes zero segments too
            ("roles/web/**", "roles/webx/a", false),
            ("roles/web/**", "roles/db/a", false),
            ("roles/web/**", "other/roles/web/a", false),
            ("**/*.conf", "a.conf", true),
            ("**/*.conf", "x/y/a.conf", true),
            ("**/*.conf", "x/y/a.confx", false),
            ("**/*.conf", "x/a.conf/b", false),
            ("*.conf", "a.conf", true),
            ("*.conf", ".conf", true),  // * takes the empty run
            ("*.conf", "x/a.conf", false),  // * stays within a segment
            ("*", "a", true),
            ("*", "a/b", false),
            ("**", "a", true),
            ("**", "anything/at/all", true),
            ("a/**/b", "a/b", true),
            ("a/**/b", "a/x/b", true),
            ("a/**/b", "a/x/y/b", true),
            ("a/**/b", "a/x/y/c", false),
            ("a/**/b/**/c", "a/1/b/2/b/3/c", true),
            ("**/**/x", "x", true),
            ("roles/*/files/**", "roles/web/files/a/b", true),
            ("roles/*/files/**", "roles/web/x/files/a", false),
            ("?.txt", "a.txt", true),
            ("?.txt", "ab.txt", false),
            ("?.txt", ".txt", false),
            ("file", "file", true),
            ("file", "file2", false),
            ("file", "dir/file", false),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "axxbyy", false),
            ("a*b", "ab", true),
            ("*b", "bbb", true),
            ("a.conf", "aXconf", false),  // . is itself, not "any"
            ("[ab]", "[ab]", true),  // brackets are themselves
            ("[ab]", "a", false),
            ("**/.git/**", "x/.git/config", true),
            ("é/*", "é/a", true),
            ("common/**", "common/x", true),
        ])
    func matching(pattern: String, path: String, expected: Bool) throws {
        #expect(try Glob(pattern).matches(path) == expected)
    }

    @Test("pathological patterns answer at once", .timeLimit(.minutes(1)))
    func pathological() throws {
        let stars = try Glob(String(repeating: "*a", count: 40) + "*b")
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            #expect(!stars.matches(String(repeating: "a", count: 1_000)))
            let deep = try? Glob(String(repeating: "**/a/", count: 40) + "b")
            #expect(deep?.matches(Array(repeating: "a", count: 1_000).joined(separator: "/")) == false)
        }
        #expect(elapsed < .seconds(10))
    }

    @Test(
        "refused patterns",
        arguments: [
            ("", "empty pattern"),
            ("/etc/*", "remove the leading /"),
            ("roles/", "write roles/** for everything below it"),
            ("a//b", "empty path segment"),
            ("a**", "** must be a whole segment"),
            ("**.conf", "** must be a whole segment"),
            ("./roles/**", "\".\" segments"),
            ("a/../b", "\"..\" segments"),
            (String(repeating: "a", count: 1_025), "longer than 1024"),
        ])
    func errors(pattern: String, says: String) {
        let error = #expect(throws: GlobError.self) { try Glob(pattern) }
        #expect(error?.pattern == pattern)
        #expect(error?.message.contains(says) == true, "message: \(error?.message ?? "none")")
    }

    @Test("the error names the glob")
    func errorDescription() {
        let error = #expect(throws: GlobError.self) { try Glob("a//b") }
        #expect(error?.description == "glob \"a//b\": empty path segment (two slashes in a row)")
    }

    @Test("globs with the same pattern are equal")
    func equality() throws {
        #expect(try Glob("a/**") == Glob("a/**"))
        #expect(try Glob("a/**") != Glob("a/*"))
        #expect(try Glob("a/**").description == "a/**")
    }
}
