// SPDX-License-Identifier: GPL-2.0-only
// The error l2tpd.toml(5) quotes is the error l2tpd prints for that mistake, word for word.

import Foundation
import L2TPConfig
import Testing

@Suite("Documented messages")
struct DocumentedMessageTests {
    /// Docs/man/l2tpd.toml.5.md, three levels above this file.
    static let page = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Docs/man/l2tpd.toml.5.md").path

    @Test("DIAGNOSTICS quotes the udp_sport-over-IP error exactly as the loader prints it")
    func quotedExample() throws {
        let text = try String(contentsOfFile: Self.page, encoding: .utf8)
        let marker = try #require(text.range(of: "`encap = \"ip\"` on line 12:\n\n```\n"), "the example is in the page")
        let quoted = String(text[marker.upperBound...].prefix { $0 != "\n" })
        // A file whose line 12 is udp_sport in an IP tunnel.
        let file = (1...9).map { "# line \($0)" } + [
            "[[tunnel]]\ntunnel_id = 1\nudp_sport = 5000\npeer_tunnel_id = 2\nencap = \"ip\"",
            "local = \"192.0.2.1\"\nremote = \"192.0.2.2\"",
        ]
        let source = file.joined(separator: "\n")
        #expect(source.split(separator: "\n", omittingEmptySubsequences: false)[11] == "udp_sport = 5000")
        do {
            _ = try ConfigLoader.parse(source, path: "/etc/l2tpd/l2tpd.toml")
            Issue.record("the file was accepted")
        } catch {
            #expect(error.errors.map(\.description) == [quoted])
        }
    }
}
