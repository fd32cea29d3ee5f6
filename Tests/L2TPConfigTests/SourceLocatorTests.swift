// SPDX-License-Identifier: GPL-2.0-only
// The locator finds the line of every header, key and array element, whatever TOML form wrote it.

import TOMLKit
import Testing

@testable import L2TPConfig

@Suite("Source locator")
struct SourceLocatorTests {
    /// Builds a path from "tunnel", 1, "session", 0, "cookie" style components.
    func path(_ components: Any...) -> ConfigPath {
        ConfigPath(components: components.map { c in
            if let i = c as? Int { return .index(i) }
            return .key(c as! String)
        })
    }

    /// Scans `text` (which must be valid TOML: checked with TOMLKit first).
    func locator(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> SourceLocator {
        #expect(throws: Never.self, "the test document must be valid TOML", sourceLocation: sourceLocation) {
            _ = try TOMLTable(string: text)
        }
        return SourceLocator(text: text)
    }

    @Test func headersAndArraysOfTablesAreIndexed() {
        let l = locator("""
            [daemon]
            workers = 2
            [[tunnel]]
            tunnel_id = 1
              [[tunnel.session]]
              session_id = 10
              [[tunnel.session]]
              session_id = 11
            [[tunnel]]
            tunnel_id = 2
              [[tunnel.session]]
              session_id = 20
            """)
        #expect(l.line(of: path("daemon")) == 1)
        #expect(l.line(of: path("daemon", "workers")) == 2)
        #expect(l.line(of: path("tunnel")) == 3)
        #expect(l.line(of: path("tunnel", 0)) == 3)
        #expect(l.line(of: path("tunnel", 0, "tunnel_id")) == 4)
        #expect(l.line(of: path("tunnel", 0, "session", 0)) == 5)
        #expect(l.line(of: path("tunnel", 0, "session", 0, "session_id")) == 6)
        #expect(l.line(of: path("tunnel", 0, "session", 1)) == 7)
        #expect(l.line(of: path("tunnel", 0, "session", 1, "session_id")) == 8)
        #expect(l.line(of: path("tunnel", 1)) == 9)
        #expect(l.line(of: path("tunnel", 1, "tunnel_id")) == 10)
        // The session array of the second tunnel restarts at 0.
        #expect(l.line(of: path("tunnel", 1, "session", 0)) == 11)
        #expect(l.line(of: path("tunnel", 1, "session", 0, "session_id")) == 12)
        #expect(l.line(of: path("tunnel", 1, "session", 1)) == nil)
        #expect(l.line(of: path("tunnel", 2)) == nil)
    }

    @Test func subTableOfTheLastArrayElement() {
        let l = locator("""
            [[tunnel]]
            [[tunnel]]
            [tunnel.extra]
            x = 1
            """)
        #expect(l.line(of: path("tunnel", 1, "extra")) == 3)
        #expect(l.line(of: path("tunnel", 1, "extra", "x")) == 4)
        #expect(l.line(of: path("tunnel", 0, "extra")) == nil)
    }

    @Test func dottedQuotedAndLiteralKeys() {
        let l = locator(#"""
            "daemon".'log_level' = "info"
            daemon . workers = 2
            "with \"escapes\" \u0041" = 1
            'literal \n' = 2
            [ "tunnel" ]
            a.b.c = 3
            "" = 4
            """#)
        #expect(l.line(of: path("daemon", "log_level")) == 1)
        #expect(l.line(of: path("daemon")) == 1)  // created by the dotted key
        #expect(l.line(of: path("daemon", "workers")) == 2)
        #expect(l.line(of: path("with \"escapes\" A")) == 3)
        #expect(l.line(of: path("literal \\n")) == 4)
        #expect(l.line(of: path("tunnel")) == 5)
        #expect(l.line(of: path("tunnel", "a")) == 6)
        #expect(l.line(of: path("tunnel", "a", "b", "c")) == 6)
        #expect(l.line(of: path("tunnel", "")) == 7)
    }

    @Test func explicitHeaderWinsOverAnEarlierImplicitTable() {
        let l = locator("""
            [a.b]
            x = 1

            [a]
            y = 2
            """)
        #expect(l.line(of: path("a", "b")) == 1)
        #expect(l.line(of: path("a")) == 4)
        #expect(l.line(of: path("a", "y")) == 5)
    }

    @Test func commentsAndStringsHideHeadersAndKeys() {
        let l = locator(#"""
            # [[tunnel]] in a comment
            a = "[[tunnel]] # not a comment" # b = 1
            c = 'x = 1'
            d = """
            [[tunnel]]
            e = 5 \"""
            ""\"
            """
            f = '''
            [daemon]
            g = 1
            '''
            h = """quotes just inside the delimiters"""""
            i = 1
            j = ''''two quotes inside'''''
            k = 2
            """#)
        #expect(l.line(of: path("tunnel")) == nil)
        #expect(l.line(of: path("a")) == 2)
        #expect(l.line(of: path("b")) == nil)
        #expect(l.line(of: path("c")) == 3)
        #expect(l.line(of: path("x")) == nil)
        #expect(l.line(of: path("d")) == 4)
        #expect(l.line(of: path("e")) == nil)
        #expect(l.line(of: path("f")) == 9)
        #expect(l.line(of: path("daemon")) == nil)
        #expect(l.line(of: path("g")) == nil)
        #expect(l.line(of: path("h")) == 13)
        #expect(l.line(of: path("i")) == 14)
        #expect(l.line(of: path("j")) == 15)
        #expect(l.line(of: path("k")) == 16)
    }

    @Test func arraysAndInlineTablesAcrossLines() {
        let l = locator("""
            [[tunnel]]
            session = [  # sessions of tunnel 0
              { session_id = 1, name = "a]b", x = { y = [1, 2] } },

              # a comment between elements, with ] and }
              { session_id = 2, peer_session_id = 3 },

            ]
            ports = [
              1,
              [2, 3],
            ]
            after = 1
            """)
        #expect(l.line(of: path("tunnel", 0, "session")) == 2)
        #expect(l.line(of: path("tunnel", 0, "session", 0)) == 3)
        #expect(l.line(of: path("tunnel", 0, "session", 0, "session_id")) == 3)
        #expect(l.line(of: path("tunnel", 0, "session", 0, "x", "y", 1)) == 3)
        #expect(l.line(of: path("tunnel", 0, "session", 1)) == 6)
        #expect(l.line(of: path("tunnel", 0, "session", 1, "peer_session_id")) == 6)
        #expect(l.line(of: path("tunnel", 0, "ports", 1)) == 11)
        #expect(l.line(of: path("tunnel", 0, "ports", 1, 1)) == 11)
        #expect(l.line(of: path("tunnel", 0, "after")) == 13)
    }

    @Test func inlineTablesAreOneLineInTOML10() throws {
        // Inline tables themselves are single-line in TOML 1.0; TOML 1.1 relaxes that, and
        // toml++ (without its unreleased features) refuses it.
        #expect(throws: TOMLParseError.self) { try TOMLTable(string: "a = {\n b = 1 }") }
    }

    @Test func scalarValuesOfEveryKind() {
        let l = locator("""
            a = 1979-05-27 07:32:00Z
            b = 1979-05-27T07:32:00-08:00
            c = 07:32:00
            d = -inf
            e = 0xdead_beef
            f = 1e10
            g = [1979-05-27 07:32:00, nan]
            h = true
            """)
        for (i, key) in ["a", "b", "c", "d", "e", "f", "g", "h"].enumerated() {
            #expect(l.line(of: path(key)) == i + 1, "\(key)")
        }
        #expect(l.line(of: path("g", 1)) == 7)
    }

    @Test func crlfLineEndingsAndByteOrderMark() {
        let text = "\u{FEFF}[daemon]\r\nworkers = 2\r\n\r\n[[tunnel]]\r\ntunnel_id = 1\r\n"
        let l = locator(text)
        #expect(l.line(of: path("daemon")) == 1)
        #expect(l.line(of: path("daemon", "workers")) == 2)
        #expect(l.line(of: path("tunnel", 0)) == 4)
        #expect(l.line(of: path("tunnel", 0, "tunnel_id")) == 5)
    }

    @Test func nearestLineFallsBackToTheEnclosingTable() {
        let l = locator("""
            # comment

            [[tunnel]]
            tunnel_id = 1
            """)
        #expect(l.nearestLine(of: path("tunnel", 0, "udp_dport")) == 3)
        #expect(l.nearestLine(of: path("tunnel", 0, "session", 0, "name")) == 3)
        #expect(l.nearestLine(of: path("daemon", "workers")) == 1)
        #expect(l.nearestLine(of: .root) == 1)
    }

    @Test func neverTrapsOnTextTOMLKitRefuses() {
        // The loader never scans such text, but the scanner must still end.
        for text in ["[", "[[", "a = \"", "a = '''", "a = [", "a = {", "\"", "a.\"b", "= 1", "a = \"\\", "[a.\n", "]]]"] {
            _ = SourceLocator(text: text)
        }
    }

    @Test func pathDescription() {
        #expect(path("tunnel", 1, "session", 0, "cookie").description == "tunnel[1].session[0].cookie")
        #expect(ConfigPath.root.parent == nil)
        #expect(path("a", 0).parent == path("a"))
    }
}
