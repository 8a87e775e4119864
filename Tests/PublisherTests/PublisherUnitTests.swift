import ChangeBus
import Foundation
import Publisher
import Testing

@Suite struct PublisherUnitTests {
    static let routes = RouteMap(routes: [
        .init(glob: try! Glob("roles/web/**"), component: "web"),
        .init(glob: try! Glob("roles/**"), component: "roles"),
        .init(glob: try! Glob("common/**"), component: "common"),
    ])

    @Test func routeMapFirstMatchWinsAndDefault() {
        #expect(Self.routes.component(for: "roles/web/a.conf") == "web")
        #expect(Self.routes.component(for: "roles/db/a.conf") == "roles")
        #expect(Self.routes.component(for: "common/x") == "common")
        #expect(Self.routes.component(for: "README") == nil)
        let withDefault = RouteMap(routes: Self.routes.routes, defaultComponent: "misc")
        #expect(withDefault.component(for: "README") == "misc")
        #expect(withDefault.componentOrder == ["web", "roles", "common", "misc"])
    }

    @Test func branchMapOnlyEnvironment() {
        #expect(BranchMap(["refs/heads/main": "prod"]).onlyEnvironment == "prod")
        #expect(BranchMap(["refs/heads/main": "prod", "refs/heads/live": "prod"]).onlyEnvironment == "prod")
        #expect(BranchMap(["refs/heads/main": "prod", "refs/heads/dev": "dev"]).onlyEnvironment == nil)
        #expect(BranchMap([:]).onlyEnvironment == nil)
    }

    static let a = String(repeating: "a", count: 40), b = String(repeating: "b", count: 40), zero = String(repeating: "0", count: 40)

    @Test func hookLines() throws {
        let lines = try HookLine.parseAll("\(Self.a) \(Self.b) refs/heads/main\n\(Self.zero) \(Self.b) refs/heads/new\n\n\(Self.a) \(Self.zero) refs/heads/old\n")
        #expect(lines.count == 3)
        #expect(lines[0] == HookLine(old: Self.a, new: Self.b, ref: "refs/heads/main"))
        #expect(!lines[0].isCreation && !lines[0].isDeletion)
        #expect(lines[1].isCreation && !lines[1].isDeletion && lines[1].shortName == "new")
        #expect(lines[2].isDeletion && !lines[2].isCreation)
        let sha256 = String(repeating: "c", count: 64)
        #expect(try HookLine(parsing: "\(sha256) \(sha256) refs/tags/v1").ref == "refs/tags/v1")
    }

    @Test(arguments: ["", "abc def refs/heads/main", "\(String(repeating: "a", count: 40)) \(String(repeating: "b", count: 40))",
                      "\(String(repeating: "A", count: 40)) \(String(repeating: "b", count: 40)) refs/heads/main",
                      "\(String(repeating: "a", count: 40)) \(String(repeating: "b", count: 40)) main"])
    func malformedHookLines(_ line: String) {
        #expect { try HookLine(parsing: Substring(line)) } throws: { error in
            (error as? PublishError)?.code == .invalidInput && "\(error)".contains("not a post-receive line")
        }
    }

    @Test func parsesRawDiff() throws {
        let blob1 = String(repeating: "1", count: 40), blob2 = String(repeating: "2", count: 40)
        let raw = ":000000 100644 \(Self.zero) \(blob1) A\0roles/web/new file.conf\0"
            + ":100644 100755 \(blob1) \(blob2) M\0run.sh\0"
            + ":100644 000000 \(blob1) \(Self.zero) D\0gone\0"
            + ":100644 100644 \(blob1) \(blob2) R087\0common/a\0common/b\0"
            + ":100644 120000 \(blob1) \(blob2) T\0link\0"
        let entries = try DiffEntry.parseRaw(Array(raw.utf8))
        #expect(entries == [
            DiffEntry(path: "roles/web/new file.conf", status: .added, newMode: "100644", blob: blob1),
            DiffEntry(path: "run.sh", status: .modified, oldMode: "100644", newMode: "100755", blob: blob2),
            DiffEntry(path: "gone", status: .deleted, oldMode: "100644"),
            DiffEntry(path: "common/b", status: .renamed, oldPath: "common/a", oldMode: "100644", newMode: "100644", blob: blob2),
            DiffEntry(path: "link", status: .modified, oldMode: "100644", newMode: "120000", blob: blob2),
        ])
        #expect(throws: PublishError.self) { try DiffEntry.parseRaw(Array(":100644 100644 \(blob1) \(blob2) R087\0only-one\0".utf8)) }
        #expect(throws: PublishError.self) { try DiffEntry.parseRaw(Array(":100644 100644 \(blob1) \(blob2) U\0x\0".utf8)) }
    }

    @Test func parsesTree() throws {
        let blob = String(repeating: "1", count: 40)
        let raw = "100644 blob \(blob)      12\troles/web/a b\0160000 commit \(blob)       -\tvendor/lib\0"
        #expect(try TreeEntry.parseTree(Array(raw.utf8)) == [
            TreeEntry(path: "roles/web/a b", mode: "100644", object: blob, size: 12),
            TreeEntry(path: "vendor/lib", mode: "160000", object: blob, size: nil),
        ])
        #expect(TreeEntry.fileMode("100755") == 0o755 && TreeEntry.fileMode("120000") == nil)
    }

    static func tree(_ items: [(String, String)]) -> [TreeEntry] {
        items.enumerated().map { TreeEntry(path: $1.0, mode: $1.1, object: String(repeating: String($0 + 1), count: 40), size: 10) }
    }

    @Test func planStatesFullStateOfTouchedComponents() {
        let tree = Self.tree([
            ("roles/web/a", "100644"), ("roles/web/b", "100755"), ("roles/web/link", "120000"),
            ("roles/db/x", "100644"), ("common/c2", "100644"), ("README", "100644"),
        ])
        let diff = [
            DiffEntry(path: "roles/web/a", status: .modified, oldMode: "100644", newMode: "100644", blob: tree[0].object),
            DiffEntry(path: "common/c2", status: .renamed, oldPath: "common/c1", oldMode: "100644", newMode: "100644", blob: tree[4].object),
            DiffEntry(path: "README", status: .modified, oldMode: "100644", newMode: "100644", blob: tree[5].object),
            DiffEntry(path: "roles/web/old", status: .deleted, oldMode: "100644"),
            DiffEntry(path: "roles/web/link", status: .added, newMode: "120000", blob: tree[2].object),
        ]
        let plan = EventBuilder(routes: Self.routes).plan(diff: diff, tree: tree)
        // Route-map order, not the order of the diff.
        #expect(plan.components == ["web", "common"])
        #expect(plan.changes.map(\.path) == ["roles/web/a", "common/c2", "roles/web/old"])
        #expect(plan.changes[1] == FileChange(path: "common/c2", status: .renamed, oldPath: "common/c1", blob: tree[4].object))
        #expect(plan.changes[2].blob == nil)
        #expect(plan.deleted == ["common/c1", "roles/web/old"])
        // Every regular file of web and common, changed or not; not the symlink, not roles/db.
        #expect(plan.files.map(\.entry.path) == ["roles/web/a", "roles/web/b", "common/c2"])
        #expect(plan.files.map(\.component) == ["web", "web", "common"])
        #expect(plan.inlineBytes == 30)
        #expect(plan.warnings.count == 2)
        #expect(plan.warnings[0].contains("README"))
        #expect(plan.warnings[1].contains("roles/web/link (symlink)"))

        let files = try? EventBuilder.inlineFiles(plan, contents: [
            tree[0].object: Array("hello".utf8), tree[1].object: [], tree[4].object: [0, 255],
        ])
        #expect(files?.map(\.mode) == [0o644, 0o755, 0o644])
        #expect(files?[0].content == "aGVsbG8=")
        #expect(files?[0].sha256 == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
        #expect(files?[2].size == 2)
        #expect(throws: PublishError.self) { try EventBuilder.inlineFiles(plan, contents: [:]) }
    }

    @Test func planWithNothingRoutedIsEmpty() {
        let plan = EventBuilder(routes: Self.routes).plan(
            diff: [DiffEntry(path: "docs/x", status: .added, newMode: "100644", blob: Self.a)],
            tree: Self.tree([("docs/x", "100644")]))
        #expect(plan.isEmpty && plan.files.isEmpty)
        #expect(plan.warnings.count == 1)
    }

    @Test func commitTrailerAndEmail() {
        let message = "Roll out\n\nBody text\nChangebus-Target: not a trailer here\n\nSigned-off-by: A <a@b>\nchangebus-target:  role in [\"web\"]  \n"
        #expect(CommitInfo.trailer("Changebus-Target", in: message) == "role in [\"web\"]")
        #expect(CommitInfo.trailer("Changebus-Target", in: "Subject only") == nil)
        func info(_ email: String) -> CommitInfo {
            CommitInfo(id: Self.a, authorName: "A", authorEmail: email, committedAt: Date(), message: "m")
        }
        #expect(info("a@example.com").eventAuthorEmail == "a@example.com")
        #expect(info("root").eventAuthorEmail == "root@invalid")
        #expect(info("").eventAuthorEmail == "unknown@invalid")
    }
}
