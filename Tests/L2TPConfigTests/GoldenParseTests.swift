// SPDX-License-Identifier: GPL-2.0-only
// The example configuration parsed and lowered, compared field by field and with iproute2's requests.

import L2TPNetlink
import L2TPWire
import Testing

@testable import L2TPConfig

@Suite("Golden parse of the example configuration")
struct GoldenParseTests {
    static let expected = Configuration(
        path: "l2tpd.toml",
        daemon: DaemonSettings(controlSocket: "/run/l2tpd/control.sock", controlGroup: "l2tp", logLevel: "info", workers: 2),
        tunnels: [
            TunnelEntry(
                line: 11,
                create: tunnelAttributes(
                    id: 42, peer: 45, local: "192.168.1.1", remote: "192.168.1.2", sport: 5000, dport: 5001, csum: true,
                    debug: 0),
                sessions: [
                    SessionEntry(
                        line: 24,
                        create: sessionAttributes(
                            tunnel: 42, peerTunnel: 45, id: 128, peer: 5_196_755, name: "l2tpeth0",
                            cookie: [1, 2, 3, 4, 5, 6, 7, 8], peerCookie: [0xA1, 0xB2, 0xC3, 0xD4])),
                    SessionEntry(
                        line: 37,
                        create: sessionAttributes(
                            tunnel: 42, peerTunnel: 45, id: 129, peer: 129, recvSeq: 1, sendSeq: 1, lns: 1, timeout: 250,
                            debug: 7)),
                ]),
            TunnelEntry(
                line: 46,
                create: tunnelAttributes(
                    id: 7, peer: 8, local: "2001:db8::1", remote: "2001:db8::2", sport: 1701, dport: 1701, zeroTx: true),
                sessions: [
                    SessionEntry(
                        line: 56,
                        create: sessionAttributes(
                            tunnel: 7, peerTunnel: 8, id: 128, peer: 200, l2spec: 0, name: "site-b", recvSeq: 1))
                ]),
            TunnelEntry(
                line: 64,
                create: tunnelAttributes(id: 100, peer: 101, encap: 1, local: "10.0.0.1", remote: "10.0.0.2", debug: 1),
                sessions: [
                    SessionEntry(
                        line: 72, create: sessionAttributes(tunnel: 100, peerTunnel: 101, id: 1000, peer: 2000, sendSeq: 1)),
                    SessionEntry(
                        line: 73,
                        create: sessionAttributes(
                            tunnel: 100, peerTunnel: 101, id: 1001, peer: 2001, peerCookie: [0xDE, 0xAD, 0xBE, 0xEF])),
                ]),
        ])

    @Test func exampleParsesToTheExpectedConfiguration() throws {
        let config = try #require(parseOK(ExampleConfig.text))
        #expect(config.daemon == Self.expected.daemon)
        #expect(config.tunnels.count == Self.expected.tunnels.count)
        for (got, want) in zip(config.tunnels, Self.expected.tunnels) {
            #expect(got.line == want.line)
            #expect(got.create == want.create, "tunnel \(want.id)")
            #expect(got.sessions == want.sessions, "sessions of tunnel \(want.id)")
        }
        #expect(config == Self.expected)
        #expect(config.tunnels.map(\.id) == [42, 7, 100])
        #expect(config.tunnels[0].sessions.map(\.id) == [128, 129])
    }

    @Test func emptyFileIsAnEmptyConfiguration() throws {
        #expect(parseOK("") == Configuration(path: "l2tpd.toml"))
        #expect(parseOK("# nothing yet\n\n") == Configuration(path: "l2tpd.toml"))
        #expect(parseOK("[daemon]\n") == Configuration(path: "l2tpd.toml"))
    }

    @Test func defaultsAreIproute2s() throws {
        let config = try #require(parseOK(minimal()))
        let tunnel = config.tunnels[0]
        // encap udp, version 3, no checksum attribute, no DEBUG when not written.
        #expect(tunnel.create == tunnelAttributes(id: 1, peer: 2, local: "192.0.2.1", remote: "192.0.2.2", sport: 1701, dport: 1701))
        // eth, DEFAULT sublayer, no cookies or name, sequencing off, no reordering, DEBUG 0.
        #expect(tunnel.sessions[0].create == sessionAttributes(tunnel: 1, peerTunnel: 2, id: 10, peer: 20))
        #expect(tunnel.line == 1)
        #expect(tunnel.sessions[0].line == 9)
    }

    /// The lowered TUNNEL_CREATE is what `ip l2tp add tunnel` sends for the same options.
    @Test func tunnelsMatchIproute2() throws {
        let config = try #require(parseOK(ExampleConfig.text))
        for tunnel in config.tunnels {
            var ours = tunnel.create
            ours.debug = nil  // iproute2 has no debug option
            let bytes = IPRouteRequest.tunnelCreate(ours, familyID: L2TPGenl.familyID, sequence: 1)
            let theirs = try L2TPMessageCodec.decode(bytes).attributes
            #expect(theirs == ours, "tunnel \(tunnel.id)")
        }
    }

    /// The lowered SESSION_CREATE carries what `ip l2tp add session` sends, plus the fields iproute2
    /// leaves to the kernel's defaults (LNS_MODE, RECV_TIMEOUT, DEBUG, zero sequencing flags) and minus
    /// L2SPEC_LEN, which the kernel ignores.
    @Test func sessionsMatchIproute2() throws {
        let config = try #require(parseOK(ExampleConfig.text))
        for session in config.tunnels.flatMap(\.sessions) {
            let ours = session.create
            let bytes = IPRouteRequest.sessionCreate(ours, familyID: L2TPGenl.familyID, sequence: 1)
            var theirs = try L2TPMessageCodec.decode(bytes).attributes
            theirs.l2specLen = nil
            theirs.recvSeq = theirs.recvSeq ?? 0
            theirs.sendSeq = theirs.sendSeq ?? 0
            theirs.recvTimeout = theirs.recvTimeout ?? 0
            theirs.lnsMode = 0
            theirs.debug = 0
            var comparable = ours
            comparable.lnsMode = 0
            comparable.debug = 0
            #expect(theirs == comparable, "session \(session.id) at line \(session.line)")
        }
    }

    @Test func everyAcceptedSpellingOfASwitch() throws {
        for (text, on) in [("true", true), ("false", false), ("\"on\"", true), ("\"off\"", false)] {
            let config = try #require(parseOK(minimal(tunnelExtra: "udp_csum = \(text)", sessionExtra: "lns_mode = \(text)")))
            #expect(config.tunnels[0].create.udpCsum == (on ? 1 : nil))
            #expect(config.tunnels[0].sessions[0].create.lnsMode == (on ? 1 : 0))
        }
    }

    @Test(arguments: [("none", 0, 0), ("send", 0, 1), ("recv", 1, 0), ("both", 1, 1)])
    func seqLowersToRecvAndSendSeq(word: String, recv: UInt8, send: UInt8) throws {
        let config = try #require(parseOK(minimal(sessionExtra: "seq = \"\(word)\"")))
        #expect(config.tunnels[0].sessions[0].create.recvSeq == recv)
        #expect(config.tunnels[0].sessions[0].create.sendSeq == send)
    }

    @Test func ipv6ChecksumFlagsAreSetWhenTheOptionIsOff() throws {
        let base = """
            [[tunnel]]
            tunnel_id = 1
            peer_tunnel_id = 2
            local = "fe80::1"
            remote = "fe80::2"
            udp_sport = 1
            udp_dport = 2

            """
        for (tx, rx) in [(true, true), (true, false), (false, true), (false, false)] {
            let config = try #require(parseOK(base + "udp6_csum_tx = \(tx)\nudp6_csum_rx = \(rx)\n"))
            #expect(config.tunnels[0].create.udpZeroCsum6Tx == !tx)
            #expect(config.tunnels[0].create.udpZeroCsum6Rx == !rx)
            #expect(config.tunnels[0].create.udpCsum == nil)
        }
        // Defaults: checksums on both ways, no flags.
        let config = try #require(parseOK(base))
        #expect(!config.tunnels[0].create.udpZeroCsum6Tx && !config.tunnels[0].create.udpZeroCsum6Rx)
    }

    @Test func version2TunnelWithPPPSessions() throws {
        let text = """
            [[tunnel]]
            tunnel_id = 65535
            peer_tunnel_id = 1
            version = 2
            local = "192.0.2.1"
            remote = "192.0.2.2"
            udp_sport = 1701
            udp_dport = 1701

            [[tunnel.session]]
            session_id = 65535
            peer_session_id = 3
            pseudowire = "ppp"
            seq = "both"
            """
        let config = try #require(parseOK(text))
        #expect(config.tunnels[0].create.protoVersion == 2)
        // PW_TYPE PPP (7); no L2SPEC_TYPE in an L2TPv2 session.
        #expect(
            config.tunnels[0].sessions[0].create
                == sessionAttributes(tunnel: 65535, peerTunnel: 1, id: 65535, peer: 3, pw: 7, l2spec: nil, recvSeq: 1, sendSeq: 1))
    }

    @Test("offloads: absent means the daemon's default; true/false and \"on\"/\"off\" are read")
    func offloadsSwitch() throws {
        #expect(try #require(parseOK("[daemon]\n")).daemon.offloads == nil)
        #expect(try #require(parseOK("[daemon]\noffloads = false\n")).daemon.offloads == false)
        #expect(try #require(parseOK("[daemon]\noffloads = \"on\"\n")).daemon.offloads == true)
    }

    @Test func otherTOMLFormsGiveTheSameConfiguration() throws {
        // Dotted and quoted keys, an inline array of tunnels (inline tables are
        // one line each in TOML 1.0) with a session array inside.
        let text = """
            daemon.workers = 2
            "daemon".'log_level' = "info"
            daemon . control_socket = "/run/l2tpd/control.sock"
            daemon.control_group = "l2tp"
            tunnel = [
              { tunnel_id = 100, peer_tunnel_id = 101, encap = "ip", local = "10.0.0.1", remote = "10.0.0.2", debug = 1, session = [{ session_id = 1000, peer_session_id = 2000, seq = "send" }, { session_id = 1001, peer_session_id = 2001, 'peer_cookie' = "DEADBEEF" }] },
            ]
            """
        let config = try #require(parseOK(text))
        #expect(config.daemon == Self.expected.daemon)
        var want = Self.expected.tunnels[2]
        want.line = 6
        want.sessions[0].line = 6
        want.sessions[1].line = 6
        #expect(config.tunnels == [want])
    }

    @Test func maximumValues() throws {
        let text = minimal(
            tunnelExtra: "debug = 4294967295",
            sessionExtra: """
                reorder_timeout = 4294967295
                debug = 4294967295
                cookie = ""
                name = "abcdefghijklmno"
                """
        ).replacingOccurrences("tunnel_id = 1\n", "tunnel_id = 4294967295\n")
            .replacingOccurrences("session_id = 10\n", "session_id = 4294967295\n")
        let config = try #require(parseOK(text))
        #expect(config.tunnels[0].id == 4_294_967_295)
        #expect(config.tunnels[0].create.debug == UInt32.max)
        let s = config.tunnels[0].sessions[0]
        #expect(s.id == 4_294_967_295)
        #expect(s.create.recvTimeout == UInt64(UInt32.max))
        #expect(s.create.debug == UInt32.max)
        #expect(s.create.cookie == nil)
        #expect(s.create.ifname == "abcdefghijklmno")
    }
}

extension String {
    /// `self` with every `target` replaced (no Foundation in these tests).
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        var result = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound] + replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
