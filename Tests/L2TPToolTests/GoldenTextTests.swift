// SPDX-License-Identifier: GPL-2.0-only
// Golden plain-text listings: `l2tp show tunnel|session` must print exactly what `ip l2tp show` prints.

import L2TPNetlink
import L2TPWire
import Testing

@Suite("Golden text output")
struct GoldenTextTests {
    static let udp4TunnelText =
        "Tunnel 42, encap UDP\n"
        + "  From 192.168.1.1 to 192.168.1.2\n"
        + "  Peer tunnel 45\n"
        + "  UDP source / dest ports: 5000/5001\n"
        + "  UDP checksum: disabled\n"

    @Test func udp4Tunnel() {
        let r = l2tp("show tunnel", daemon: Fixture.daemon(tunnels: [Fixture.udp4Tunnel]))
        #expect(r == RunResult(status: 0, standardOutput: Self.udp4TunnelText, standardError: ""))
    }

    @Test func udp4TunnelWithChecksum() {
        var t = Fixture.udp4Tunnel
        t.udpCsum = 1
        let r = l2tp("show tunnel", daemon: Fixture.daemon(tunnels: [t]))
        #expect(r.standardOutput.hasSuffix("  UDP checksum: enabled\n"))
        #expect(r.status == 0)
    }

    @Test(arguments: [
        (true, true, "enabled"), (true, false, "tx"), (false, true, "rx"), (false, false, "disabled"),
    ])
    func udp6TunnelChecksums(tx: Bool, rx: Bool, word: String) {
        let r = l2tp("show tunnel", daemon: Fixture.daemon(tunnels: [Fixture.udp6Tunnel(tx: tx, rx: rx)]))
        let expected =
            "Tunnel 7, encap UDP\n"
            + "  From 2001:db8::1 to 2001:db8::2\n"
            + "  Peer tunnel 8\n"
            + "  UDP source / dest ports: 1701/1702\n"
            + "  UDP checksum: \(word)\n"
        #expect(r == RunResult(status: 0, standardOutput: expected, standardError: ""))
    }

    @Test func ipEncapTunnel() {
        let r = l2tp("show tunnel", daemon: Fixture.daemon(tunnels: [Fixture.ipTunnel]))
        let expected =
            "Tunnel 1, encap IP\n"
            + "  From 10.0.0.1 to 10.0.0.2\n"
            + "  Peer tunnel 2\n"
        #expect(r == RunResult(status: 0, standardOutput: expected, standardError: ""))
    }

    @Test func severalTunnels() {
        let r = l2tp("list tunnel", daemon: Fixture.daemon(tunnels: [Fixture.udp4Tunnel, Fixture.ipTunnel]))
        let expected =
            Self.udp4TunnelText
            + "Tunnel 1, encap IP\n"
            + "  From 10.0.0.1 to 10.0.0.2\n"
            + "  Peer tunnel 2\n"
        #expect(r.standardOutput == expected)
    }

    @Test func plainSession() {
        let r = l2tp("show session", daemon: Fixture.daemon(sessions: [Fixture.session(1, peer: 2)]))
        let expected =
            "Session 1 in tunnel 42\n"
            + "  Peer session 2, tunnel 45\n"
            + "  offset 0, peer offset 0\n"
            + "\n"
        #expect(r == RunResult(status: 0, standardOutput: expected, standardError: ""))
    }

    @Test func sessionWithInterfaceName() {
        let r = l2tp(
            "show session", daemon: Fixture.daemon(sessions: [Fixture.session(1, peer: 2, ifname: "l2tpeth0")]))
        let expected =
            "Session 1 in tunnel 42\n"
            + "  Peer session 2, tunnel 45\n"
            + "  interface name: l2tpeth0\n"
            + "  offset 0, peer offset 0\n"
            + "\n"
        #expect(r.standardOutput == expected)
    }

    @Test func sessionWithCookies() {
        let s = Fixture.session(
            3, peer: 4, ifname: "l2tpeth1", cookie: [0x0a, 0x0b, 0x0c, 0x0d],
            peerCookie: [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef])
        let r = l2tp("show session", daemon: Fixture.daemon(sessions: [s]))
        // The cookie printers end no line: both cookies share one, closed by the final "\n".
        let expected =
            "Session 3 in tunnel 42\n"
            + "  Peer session 4, tunnel 45\n"
            + "  interface name: l2tpeth1\n"
            + "  offset 0, peer offset 0\n"
            + "  cookie 0a0b0c0d  peer cookie 0123456789abcdef\n"
        #expect(r.standardOutput == expected)
    }

    @Test func sessionWithEightByteCookieOnly() {
        let s = Fixture.session(3, peer: 4, cookie: [0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0x03])
        let r = l2tp("show session", daemon: Fixture.daemon(sessions: [s]))
        #expect(r.standardOutput.hasSuffix("  offset 0, peer offset 0\n  cookie deadbeef00010203\n"))
    }

    @Test(arguments: [
        (true, false, " send"), (false, true, " recv"), (true, true, " send recv"),
    ])
    func sessionWithSequencing(send: Bool, recv: Bool, flags: String) {
        let s = Fixture.session(5, peer: 6, ifname: "l2tpeth2", send: send, recv: recv)
        let r = l2tp("show session", daemon: Fixture.daemon(sessions: [s]))
        // "%s  sequence numbering:" with _SL_ = "\n" leaves a blank line after the offsets line.
        let expected =
            "Session 5 in tunnel 42\n"
            + "  Peer session 6, tunnel 45\n"
            + "  interface name: l2tpeth2\n"
            + "  offset 0, peer offset 0\n"
            + "\n"
            + "  sequence numbering:\(flags)\n"
        #expect(r.standardOutput == expected)
    }

    @Test func sessionWithReorderTimeout() {
        let s = Fixture.session(7, peer: 8, ifname: "l2tpeth3", recv: true, reorderTimeout: 100)
        let r = l2tp("show session", daemon: Fixture.daemon(sessions: [s]))
        let expected =
            "Session 7 in tunnel 42\n"
            + "  Peer session 8, tunnel 45\n"
            + "  interface name: l2tpeth3\n"
            + "  offset 0, peer offset 0\n"
            + "  reorder timeout: 100\n"
            + "  sequence numbering: recv\n"
        #expect(r.standardOutput == expected)
    }

    @Test func severalSessionsAreSeparatedByTheFinalNewline() {
        let sessions = [
            Fixture.session(1, peer: 2, ifname: "l2tpeth0"),
            Fixture.session(3, peer: 4, ifname: "l2tpeth1", cookie: [1, 2, 3, 4]),
            Fixture.session(5, peer: 6, ifname: "l2tpeth2", send: true, recv: true),
        ]
        let r = l2tp("show session", daemon: Fixture.daemon(sessions: sessions))
        let expected =
            "Session 1 in tunnel 42\n"
            + "  Peer session 2, tunnel 45\n"
            + "  interface name: l2tpeth0\n"
            + "  offset 0, peer offset 0\n"
            + "\n"
            + "Session 3 in tunnel 42\n"
            + "  Peer session 4, tunnel 45\n"
            + "  interface name: l2tpeth1\n"
            + "  offset 0, peer offset 0\n"
            + "  cookie 01020304\n"
            + "Session 5 in tunnel 42\n"
            + "  Peer session 6, tunnel 45\n"
            + "  interface name: l2tpeth2\n"
            + "  offset 0, peer offset 0\n"
            + "\n"
            + "  sequence numbering: send recv\n"
        #expect(r == RunResult(status: 0, standardOutput: expected, standardError: ""))
    }

    @Test func emptyDumpsPrintNothing() {
        #expect(l2tp("show tunnel", daemon: Fixture.daemon()) == RunResult(status: 0, standardOutput: "", standardError: ""))
        #expect(l2tp("show session", daemon: Fixture.daemon()) == RunResult(status: 0, standardOutput: "", standardError: ""))
    }

    @Test func prettyWithoutJSONChangesNothing() {
        let r = l2tp("-p show tunnel", daemon: Fixture.daemon(tunnels: [Fixture.udp4Tunnel]))
        #expect(r.standardOutput == Self.udp4TunnelText)
    }

    // MARK: -s

    @Test func tunnelStatistics() {
        var t = Fixture.udp4Tunnel
        t.stats = Fixture.counters
        let r = l2tp("-s show tunnel", daemon: Fixture.daemon(tunnels: [t]))
        let expected =
            Self.udp4TunnelText
            + "  RX: packets 10 bytes 1000 errors 1 seq_discards 2 oos_packets 3 cookie_discards 4 invalid 5\n"
            + "  TX: packets 20 bytes 2000 errors 6\n"
        #expect(r == RunResult(status: 0, standardOutput: expected, standardError: ""))
    }

    @Test func sessionStatisticsFollowTheSessionBlock() {
        var s = Fixture.session(1, peer: 2, ifname: "l2tpeth0")
        s.stats = Fixture.counters
        let r = l2tp("-stats show session", daemon: Fixture.daemon(sessions: [s]))
        let expected =
            "Session 1 in tunnel 42\n"
            + "  Peer session 2, tunnel 45\n"
            + "  interface name: l2tpeth0\n"
            + "  offset 0, peer offset 0\n"
            + "\n"
            + "  RX: packets 10 bytes 1000 errors 1 seq_discards 2 oos_packets 3 cookie_discards 4 invalid 5\n"
            + "  TX: packets 20 bytes 2000 errors 6\n"
        #expect(r.standardOutput == expected)
    }

    @Test func statisticsOptionIsRepeatable() {
        var t = Fixture.ipTunnel
        t.stats = Fixture.counters
        let once = l2tp("-s show tunnel", daemon: Fixture.daemon(tunnels: [t]))
        let twice = l2tp("-s -s show tunnel", daemon: Fixture.daemon(tunnels: [t]))
        #expect(once == twice)
        #expect(once.standardOutput.contains("  TX: packets 20 bytes 2000 errors 6\n"))
    }

    @Test func statisticsWithoutStatsAttributeAreZero() {
        var t = Fixture.ipTunnel
        t.stats = nil
        let r = l2tp("-s show tunnel", daemon: Fixture.daemon(tunnels: [t]))
        #expect(r.standardOutput.hasSuffix(
            "  RX: packets 0 bytes 0 errors 0 seq_discards 0 oos_packets 0 cookie_discards 0 invalid 0\n"
                + "  TX: packets 0 bytes 0 errors 0\n"))
    }

    // MARK: -o

    @Test func onelineTunnels() {
        let r = l2tp("-o show tunnel", daemon: Fixture.daemon(tunnels: [Fixture.udp4Tunnel, Fixture.ipTunnel]))
        // print_nl() becomes "\", but the checksum line's own "\n" stays; an IP tunnel ends with "\".
        let expected =
            "Tunnel 42, encap UDP\\  From 192.168.1.1 to 192.168.1.2\\  Peer tunnel 45\\"
            + "  UDP source / dest ports: 5000/5001\\  UDP checksum: disabled\n"
            + "Tunnel 1, encap IP\\  From 10.0.0.1 to 10.0.0.2\\  Peer tunnel 2\\"
        #expect(r == RunResult(status: 0, standardOutput: expected, standardError: ""))
    }

    @Test func onelineSessions() {
        let sessions = [
            Fixture.session(1, peer: 2, ifname: "l2tpeth0"),
            Fixture.session(5, peer: 6, ifname: "l2tpeth2", send: true),
        ]
        let r = l2tp("-oneline show session", daemon: Fixture.daemon(sessions: sessions))
        let expected =
            "Session 1 in tunnel 42\\  Peer session 2, tunnel 45\\  interface name: l2tpeth0\\"
            + "  offset 0, peer offset 0\n"
            + "\n"
            + "Session 5 in tunnel 42\\  Peer session 6, tunnel 45\\  interface name: l2tpeth2\\"
            + "  offset 0, peer offset 0\n"
            + "\\  sequence numbering: send\n"
        #expect(r.standardOutput == expected)
    }

    @Test func onelineStatisticsShareOneLine() {
        var t = Fixture.ipTunnel
        t.stats = Fixture.counters
        let r = l2tp("-o -s show tunnel", daemon: Fixture.daemon(tunnels: [t]))
        let expected =
            "Tunnel 1, encap IP\\  From 10.0.0.1 to 10.0.0.2\\  Peer tunnel 2\\"
            + "  RX: packets 10 bytes 1000 errors 1 seq_discards 2 oos_packets 3 cookie_discards 4 invalid 5\\"
            + "  TX: packets 20 bytes 2000 errors 6\n"
        #expect(r.standardOutput == expected)
    }

    // MARK: dumps spanning datagrams

    @Test func dumpSpanningManyDatagrams() {
        let sessions = (1...300).map { Fixture.session(UInt32($0), peer: UInt32($0) + 1000, ifname: "l2tpeth\($0)") }
        let daemon = Fixture.daemon(sessions: sessions)
        daemon.maxDatagram = 1024
        let r = l2tp("show session", daemon: daemon)
        #expect(r.status == 0)
        #expect(r.standardError == "")
        var expected = ""
        for i in 1...300 {
            expected += "Session \(i) in tunnel 42\n  Peer session \(i + 1000), tunnel 45\n"
            expected += "  interface name: l2tpeth\(i)\n  offset 0, peer offset 0\n\n"
        }
        #expect(r.standardOutput == expected)
    }

    @Test func repliesOfOtherSequencesAreSkipped() {
        let daemon = Fixture.daemon()
        daemon.respond = { request, header in
            let stray = L2TPMessageCodec.encode(
                command: .tunnelGet, attributes: Fixture.ipTunnel, order: L2TPMessageCodec.tunnelReplyOrder,
                flags: NetlinkFlags.multi, sequence: header.sequence &- 1, portID: FakeDaemon.portID)
            let real = daemon.dumpReply([Fixture.udp4Tunnel], command: .tunnelGet, sequence: header.sequence)
            return [stray] + real
        }
        let r = l2tp("show tunnel", daemon: daemon)
        #expect(r == RunResult(status: 0, standardOutput: Self.udp4TunnelText, standardError: ""))
    }

    // MARK: deliberate differences

    @Test func eachSessionIsPrintedFromItsOwnReply() {
        // iproute2 would show the first session's cookies and timeout again for the second one.
        let sessions = [
            Fixture.session(1, peer: 2, ifname: "l2tpeth0", cookie: [1, 2, 3, 4], peerCookie: [5, 6, 7, 8], reorderTimeout: 50),
            Fixture.session(3, peer: 4, ifname: "l2tpeth1"),
        ]
        let r = l2tp("show session", daemon: Fixture.daemon(sessions: sessions))
        let expected =
            "Session 1 in tunnel 42\n"
            + "  Peer session 2, tunnel 45\n"
            + "  interface name: l2tpeth0\n"
            + "  offset 0, peer offset 0\n"
            + "  cookie 01020304  peer cookie 05060708  reorder timeout: 50\n"
            + "Session 3 in tunnel 42\n"
            + "  Peer session 4, tunnel 45\n"
            + "  interface name: l2tpeth1\n"
            + "  offset 0, peer offset 0\n"
            + "\n"
        #expect(r.standardOutput == expected)
    }

    @Test func everyReturnedObjectIsPrinted() {
        // Filtering is the daemon's job, as it is the kernel's: the CLI prints whatever comes back.
        let r = l2tp("show tunnel tunnel_id 42", daemon: Fixture.daemon(tunnels: [Fixture.udp4Tunnel, Fixture.ipTunnel]))
        #expect(r.standardOutput.hasPrefix(Self.udp4TunnelText + "Tunnel 1, encap IP\n"))
    }
}
