// SPDX-License-Identifier: GPL-2.0-only
// print_tunnel / print_session corner cases, printed straight from attributes (no daemon involved).

import L2TPNetlink
import L2TPWire
import Testing

@testable import L2TPTool

@Suite("Tunnel and session printers")
struct ReportTests {
    func text(_ a: L2TPAttributes, session: Bool, statistics: Bool = false, json: Bool = false) -> String {
        var out = ListingPrinter(json: json, pretty: false, oneline: false)
        if session {
            SessionReport(a).print(to: &out, statistics: statistics)
        } else {
            TunnelReport(a).print(to: &out, statistics: statistics)
        }
        out.finish()
        return out.take()
    }

    @Test func unknownEncapsulationPrintsQuestionMarks() {
        var a = Fixture.udp4Tunnel
        a.encapType = 7
        #expect(text(a, session: false) == "Tunnel 42, encap ??\n  From 192.168.1.1 to 192.168.1.2\n  Peer tunnel 45\n")
    }

    @Test func missingAttributesPrintIproute2sDefaults() {
        // No addresses: iproute2 ends up with AF_INET6 and prints "::"; no ENCAP_TYPE means UDP.
        let out = text(L2TPAttributes(), session: false)
        let expected =
            "Tunnel 0, encap UDP\n  From :: to ::\n  Peer tunnel 0\n"
            + "  UDP source / dest ports: 0/0\n  UDP checksum: enabled\n"
        #expect(out == expected)
    }

    @Test func reorderTimeoutKeepsTheLow32Bits() {
        var a = Fixture.session(1, peer: 2)
        a.recvTimeout = (1 << 32) + 5
        #expect(text(a, session: true).contains("  reorder timeout: 5\n"))
        a.recvTimeout = 1 << 32
        #expect(!text(a, session: true).contains("reorder"))
    }

    @Test func oddCookieLengthsPrintEveryByte() {
        var a = Fixture.session(1, peer: 2)
        a.cookie = [0xab, 0xcd]
        a.peerCookie = [1, 2, 3, 4, 5, 6]
        #expect(text(a, session: true).hasSuffix("  offset 0, peer offset 0\n  cookie abcd  peer cookie 010203040506\n"))
    }

    @Test func sequencingFlagsAreValuesNotPresence() {
        var a = Fixture.session(1, peer: 2)
        a.sendSeq = 0
        a.recvSeq = 2
        #expect(text(a, session: true).hasSuffix("\n  sequence numbering: recv\n"))
        #expect(text(a, session: true, json: true)
            == #"[{"session_id":1,"tunnel_id":42,"peer_session_id":2,"peer_tunnel_id":45,"recv_seq":null}]"# + "\n")
    }

    @Test func statisticsInJSONOnAnIPTunnel() {
        var a = Fixture.ipTunnel
        a.stats = Fixture.counters
        let out = text(a, session: false, statistics: true, json: true)
        #expect(out.hasPrefix(#"[{"tunnel_id":1,"encap":"IP","local":"10.0.0.1","peer":"10.0.0.2","peer_tunnel":2,"stats":{"#))
        #expect(out.hasSuffix(#""rx_cookie_discards":4,"rx_invalid":5}}]"# + "\n"))
    }
}
