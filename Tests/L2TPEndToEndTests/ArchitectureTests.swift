// SPDX-License-Identifier: GPL-2.0-only
// The module split as it really is: every module's imports match the graph Docs/ARCHITECTURE.md
// draws and the dependencies Package.swift declares, and the hot modules import nothing from
// control, configuration, netlink or logging.

import Foundation
import Testing

/// The source tree's modules and what they import.
private enum SourceTree {
    /// The package root, three levels above this file (Tests/L2TPEndToEndTests/ArchitectureTests.swift).
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// The module directories under `base` (Sources or Tests) that hold Swift files.
    static func modules(under base: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root + "/" + base).sorted().filter { name in
            !swiftFiles(base + "/" + name).isEmpty
        }
    }

    static func swiftFiles(_ directory: String) -> [String] {
        let path = root + "/" + directory
        guard let walker = FileManager.default.enumerator(atPath: path) else { return [] }
        return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }.map { path + "/" + $0 }
    }

    /// Every module `import`ed by the Swift files of `directory` (`@testable` included).
    static func imports(of directory: String) throws -> Set<String> {
        var found: Set<String> = []
        for file in swiftFiles(directory) {
            for line in try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n") {
                let words = line.split(separator: " ").filter { $0 != "@testable" }
                if words.count >= 2, words[0] == "import" { found.insert(String(words[1])) }
            }
        }
        return found
    }

    /// The package's own modules: the directories under Sources.
    static var packageModules: Set<String> {
        Set((try? FileManager.default.contentsOfDirectory(atPath: root + "/Sources")) ?? [])
    }

    /// The `imports` block of Docs/ARCHITECTURE.md: module → imported package modules.
    static func documentedGraph() throws -> [String: Set<String>] {
        let text = try String(contentsOfFile: root + "/Docs/ARCHITECTURE.md", encoding: .utf8)
        guard let start = text.range(of: "```imports\n"), let end = text.range(of: "```", range: start.upperBound..<text.endIndex)
        else { return [:] }
        var graph: [String: Set<String>] = [:]
        for line in text[start.upperBound..<end.lowerBound].split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            let imported = parts.count > 1 ? parts[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } : []
            graph[String(parts[0])] = Set(imported.filter { !$0.isEmpty })
        }
        return graph
    }
}

@Suite("Architecture")
struct ArchitectureTests {
    @Test("Docs/ARCHITECTURE.md's import graph is the sources' import graph, module for module")
    func documentedGraphIsReal() throws {
        let documented = try SourceTree.documentedGraph()
        #expect(!documented.isEmpty, "ARCHITECTURE.md has an ```imports block")
        let own = SourceTree.packageModules
        for module in try SourceTree.modules(under: "Sources") {
            let real = try SourceTree.imports(of: "Sources/" + module).intersection(own)
            #expect(documented[module] == real, "\(module): documented \(documented[module].map { $0.sorted() } ?? []), imports \(real.sorted())")
        }
        #expect(Set(documented.keys) == Set(try SourceTree.modules(under: "Sources")), "every Swift module, and no other")
    }

    @Test("The hot modules import no Foundation, logging, netlink, control, configuration or daemon code")
    func hotModulesStayLean() throws {
        let hot = ["L2TPWire", "L2TPOffload", "L2TPCore", "L2TPEncap", "L2TPEthernet", "L2TPDatapath"]
        let forbidden: Set<String> = [
            "Foundation", "FoundationEssentials", "Logging", "L2TPNetlink", "CNetlink", "L2TPControl", "L2TPConfig",
            "TOMLKit", "L2TPDaemon", "L2TPTool",
        ]
        for module in hot {
            let imports = try SourceTree.imports(of: "Sources/" + module)
            #expect(imports.isDisjoint(with: forbidden), "\(module) imports \(imports.intersection(forbidden).sorted())")
        }
        // The edges and the datapath meet only in L2TPCore.
        for (module, others) in [("L2TPDatapath", ["L2TPEncap", "L2TPEthernet"]), ("L2TPEncap", ["L2TPEthernet", "L2TPDatapath"]),
                                 ("L2TPEthernet", ["L2TPEncap", "L2TPDatapath"]), ("L2TPControl", ["L2TPEncap", "L2TPEthernet", "L2TPDatapath"])] {
            let imports = try SourceTree.imports(of: "Sources/" + module)
            #expect(imports.isDisjoint(with: others), "\(module) imports \(imports.intersection(others).sorted())")
        }
    }

    @Test("Package.swift declares exactly the package modules each target imports (test targets may add the programs they run)")
    func declaredDependenciesAreImports() throws {
        let targets = try SourceTree.declaredTargets()
        let own = SourceTree.packageModules.union(["L2TPTestSupport"])
        let programs: Set<String> = ["l2tpd", "l2tp", "l2tpd-run"]
        for target in targets {
            let imported = try SourceTree.imports(of: target.path).intersection(own)
            let extra = target.isTest ? target.dependencies.subtracting(imported).subtracting(programs)
                : target.dependencies.subtracting(imported)
            #expect(extra.isEmpty, "\(target.name) declares \(extra.sorted()) but does not import them")
            #expect(imported.isSubset(of: target.dependencies),
                    "\(target.name) imports \(imported.subtracting(target.dependencies).sorted()) without declaring them")
        }
        #expect(targets.count > 20, "Package.swift read: \(targets.map(\.name))")
    }
}

extension SourceTree {
    /// A target of Package.swift: its name, the package modules it depends on by name, its directory.
    struct Target {
        var name: String
        var dependencies: Set<String>
        var path: String
        var isTest: Bool
    }

    /// The targets Package.swift declares, read from its text (`.target(name:dependencies:path:)` and
    /// the like; product dependencies such as swift-log's are not package modules and are left out).
    static func declaredTargets() throws -> [Target] {
        let text = try String(contentsOfFile: root + "/Package.swift", encoding: .utf8)
        var targets: [Target] = []
        for kind in [".target(", ".testTarget(", ".executableTarget("] {
            var rest = text[...]
            while let open = rest.range(of: kind) {
                let body = balanced(rest[open.upperBound...])
                rest = rest[open.upperBound...]
                guard let name = quoted(after: "name:", in: body) else { continue }
                var dependencies: Set<String> = []
                if let deps = body.range(of: "dependencies: [") {
                    let list = balanced(body[deps.upperBound...], open: "[", close: "]")
                    var plain = String(list)
                    while let product = plain.range(of: ".product(") {
                        let inner = balanced(plain[product.upperBound...])
                        plain.removeSubrange(product.lowerBound..<plain.index(inner.endIndex, offsetBy: 1))
                    }
                    dependencies = Set(plain.split(separator: "\"", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) })
                }
                let isTest = kind == ".testTarget("
                let base = isTest || quoted(after: "path:", in: body) != nil ? "Tests" : "Sources"
                let path = quoted(after: "path:", in: body) ?? "\(base)/\(name)"
                targets.append(Target(name: name, dependencies: dependencies, path: path, isTest: isTest))
            }
        }
        return targets
    }

    /// The text up to the bracket that closes the one just opened.
    private static func balanced(_ s: Substring, open: Character = "(", close: Character = ")") -> Substring {
        var depth = 1
        for i in s.indices {
            if s[i] == open { depth += 1 }
            if s[i] == close { depth -= 1 }
            if depth == 0 { return s[s.startIndex..<i] }
        }
        return s
    }

    /// The first string literal after `label` in `s`.
    private static func quoted(after label: String, in s: Substring) -> String? {
        guard let at = s.range(of: label) else { return nil }
        let parts = s[at.upperBound...].split(separator: "\"", maxSplits: 2, omittingEmptySubsequences: false)
        return parts.count > 2 ? String(parts[1]) : nil
    }
}
