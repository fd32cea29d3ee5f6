// SPDX-License-Identifier: GPL-2.0-only
// Random mutations of the example never crash the loader: each parses or yields well-formed ConfigErrors.

import L2TPNetlink
import L2TPTestSupport
import Testing

@testable import L2TPConfig

@Suite("Robustness")
struct RobustnessTests {
    /// Fragments that stress the TOML lexer and the locator.
    static let tokens = [
        "[", "]", "[[", "]]", "{", "}", "\"", "'", "\"\"\"", "'''", "=", ",", ".", "#", "\n", "\r\n", "\t", " ", "\\",
        "\0", "é", "\u{FEFF}", "0x", "-", "+", "1e9", "inf", "true", "tunnel", "session", "[[tunnel]]",
        "[[tunnel.session]]", "[daemon]", "session_id = 1\n", "name = \"x\"\n", "\"\\u0000\"",
    ]
    /// Values that keep the document valid TOML but break the schema.
    static let values = [
        "0", "-1", "1", "2", "3", "65535", "65536", "4294967295", "4294967296", "9223372036854775807", "\"\"", "\"x\"",
        "\"on\"", "\"off\"", "true", "false", "1.5", "nan", "[]", "[1, 2]", "{}", "{ a = 1 }", "1979-05-27", "07:32:00",
        "\"192.0.2.1\"", "\"2001:db8::1\"", "\"ip\"", "\"udp\"", "\"ppp\"", "\"eth\"", "\"both\"", "\"0102\"", "\"l2tpeth0\"",
        "[{ session_id = 1, peer_session_id = 1 }]",
    ]
    static let keys = ConfigSchema.tunnelKeys + ConfigSchema.sessionKeys + ConfigSchema.daemonKeys + ["x", "tunel_id", "\"quoted\""]

    /// One random edit of `text`.
    static func mutate(_ text: String, _ rng: inout SplitMix64) -> String {
        var chars = Array(text)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        switch Int.random(in: 0..<7, using: &rng) {
        case 0 where !chars.isEmpty:
            let at = Int.random(in: 0..<chars.count, using: &rng)
            chars.removeSubrange(at..<min(chars.count, at + Int.random(in: 1...3, using: &rng)))
            return String(chars)
        case 1:
            let at = Int.random(in: 0...chars.count, using: &rng)
            chars.insert(contentsOf: tokens.randomElement(using: &rng)!, at: at)
            return String(chars)
        case 2:
            let i = Int.random(in: 0..<lines.count, using: &rng)
            lines.insert(lines[i], at: Int.random(in: 0...lines.count, using: &rng))
        case 3:
            lines.remove(at: Int.random(in: 0..<lines.count, using: &rng))
        case 4:
            let i = Int.random(in: 0..<lines.count, using: &rng), j = Int.random(in: 0..<lines.count, using: &rng)
            lines.swapAt(i, j)
        case 5:
            // Replace a value, keeping any comment.
            let candidates = lines.indices.filter { lines[$0].contains(" = ") }
            guard let i = candidates.randomElement(using: &rng) else { return text }
            let key = lines[i][..<lines[i].firstRange(of: " = ")!.lowerBound]
            lines[i] = key + " = " + values.randomElement(using: &rng)!
        default:
            // Replace a key.
            let candidates = lines.indices.filter { lines[$0].contains(" = ") }
            guard let i = candidates.randomElement(using: &rng) else { return text }
            let value = lines[i][lines[i].firstRange(of: " = ")!.lowerBound...]
            lines[i] = "  " + keys.randomElement(using: &rng)! + value
        }
        return lines.joined(separator: "\n")
    }

    /// Checks what the loader made of `text`; returns whether it parsed.
    @discardableResult
    static func check(_ text: String, seed: UInt64) -> Bool {
        let lineCount = text.utf8.count { $0 == UInt8(ascii: "\n") } + 1
        do {
            let config = try ConfigLoader.parse(text, path: "l2tpd.toml")
            #expect((try? ConfigLoader.parse(text, path: "l2tpd.toml")) == config, "seed \(seed): parsing is deterministic")
            for tunnel in config.tunnels {
                #expect((1...lineCount).contains(tunnel.line), "seed \(seed)")
                #expect(tunnel.create.connID != nil && tunnel.create.peerConnID != nil && tunnel.create.protoVersion != nil)
                #expect(tunnel.create.encapType != nil && (tunnel.create.ipSaddr ?? tunnel.create.ip6Saddr) != nil)
                for session in tunnel.sessions {
                    #expect((1...lineCount).contains(session.line), "seed \(seed)")
                    #expect(session.create.connID == tunnel.id && session.create.pwType != nil)
                }
            }
            // A configuration that loads can be applied from scratch, and then means no change.
            let requests = try ReloadPlanner.plan(desired: config, current: CurrentState())
            #expect(requests.count == config.tunnels.count + config.tunnels.reduce(0) { $0 + $1.sessions.count })
            #expect(try ReloadPlanner.plan(desired: config, current: state(of: config)).isEmpty, "seed \(seed)")
            return true
        } catch let errors {
            #expect(!errors.errors.isEmpty, "seed \(seed)")
            let lines = errors.errors.map(\.line)
            #expect(lines == lines.sorted(), "seed \(seed): errors in line order")
            for e in errors.errors {
                #expect((1...lineCount).contains(e.line), "seed \(seed): \(e) (\(lineCount) lines)")
                #expect(e.path == "l2tpd.toml" && !e.message.isEmpty)
                #expect(e.description.hasPrefix("l2tpd.toml:\(e.line): "))
            }
            return false
        }
    }

    @Test func randomMutationsOfTheExampleNeverCrash() {
        var parsed = 0, refused = 0
        for seed in UInt64(1)...2500 {
            var rng = SplitMix64(seed: seed)
            var text = ExampleConfig.text
            for _ in 0..<Int.random(in: 1...3, using: &rng) { text = Self.mutate(text, &rng) }
            if Self.check(text, seed: seed) { parsed += 1 } else { refused += 1 }
        }
        // Both outcomes must be well represented for the test to mean something.
        #expect(parsed > 100)
        #expect(refused > 1000)
    }

    @Test func everyPrefixOfTheExample() {
        // Cutting the file anywhere (an editor saving half a file) never crashes either.
        let chars = Array(ExampleConfig.text)
        for end in stride(from: 0, through: chars.count, by: 7) {
            Self.check(String(chars[..<end]), seed: UInt64(end))
        }
    }

    /// toml++ 3.4 (inside TOMLKit 0.6.0) asserts on a table header whose name starts with a character
    /// no key starts with; the loader refuses those itself (found by `randomMutationsOfTheExampleNeverCrash`).
    @Test func headersThatWouldTripTOMLPlusPlus() {
        let message =
            "a table header needs a name that starts with a letter, a digit, '_', '-' or a quote: write [name] or [[name]]"
        for (text, line, column) in [
            ("[\n", 1, 2), ("[[\n", 1, 3), ("[[ # comment\n", 1, 4), ("[=]", 1, 2), ("a = 1\n  [[{]]", 2, 5),
            ("[[[a]]]", 1, 3), ("[é]", 1, 2), ("[[ \té]]", 1, 5), ("x = \"é\"\n[.a]", 2, 2),
        ] {
            expectError(text, "l2tpd.toml:\(line): TOML syntax error at column \(column): \(message)")
        }
        // Brackets in values, strings and comments are not headers.
        for text in [
            "x = [\n[{ a = 1 }],\n[+1],\n]", "x = \"\"\"\n[=\n\"\"\"", "# [=", "x = '''\n[[é]]'''",
        ] {
            #expect(SourceLocator(text: text).namelessHeader == nil, "\(text)")
            #expect(!errorLines(text).contains { $0.contains("needs a name") }, "\(text)")
        }
        // What toml++ reports by itself keeps its own message.
        expectError(
            "[ [a]]",
            "l2tpd.toml:1: TOML syntax error at column 3: Error while parsing table header: "
                + "[[array-of-table]] brackets must be contiguous (i.e. [ [ this ] ] is prohibited)")
        expectError(
            "[]",
            "l2tpd.toml:1: TOML syntax error at column 2: Error while parsing table header: tables with blank bare keys are explicitly prohibited")
    }

    @Test func pathologicalDocuments() {
        for text in [
            String(repeating: "[", count: 5000),
            "a = " + String(repeating: "[", count: 300) + String(repeating: "]", count: 300),
            "a = " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
            String(repeating: "[[tunnel]]\n", count: 2000),
            String(repeating: "\n", count: 10000) + "x = 1",
            "a = \"" + String(repeating: "\\u00e9", count: 10000) + "\"",
            String(repeating: "a.", count: 1000) + "b = 1",
        ] {
            Self.check(text, seed: 0)
        }
    }
}
