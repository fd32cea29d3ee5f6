// SPDX-License-Identifier: GPL-2.0-only
// `debugDump()` (the userspace form of debugfs l2tp/tunnels) and the l2tpd family command that serves it.

import Glibc
import L2TPControl
import L2TPCore
import L2TPNetlink
import L2TPWire
import Testing

@Suite("Debug dump")
struct DebugDumpTests {
    /// Tunnel 10 (UDP/IPv4) with session 100 carrying traffic, and tunnel 20 (IP/IPv6, DEBUG 5) without sessions.
    static func fixture() throws -> Fixture {
        let f = Fixture()
        f.addTunnel(10)
        f.expectSuccess(Requests.sessionCreate(10, 100, cookie: [1, 2, 3, 4], sendSeq: true))
        f.addTunnel(20, encap: .ip, local: "2001:db8::1", remote: "2001:db8::2")
        var debug = Requests.ids(20)
        debug.debug = 5
        f.expectSuccess(Requests.make(.tunnelModify, debug))
        let session = try #require(f.eth.session(10, 100))
        session.countTransmitted(packets: 2, bytes: 100)
        #expect(Traffic.receive(Traffic.inbound(to: session), by: session) == nil)
        #expect(Traffic.receive(Traffic.wrongVersion(to: session), by: session) == .versionMismatch)
        return f
    }

    static let expected = """
        TUNNEL 10 peer 11 version 3 encap udp debug 0
          socket fake 192.0.2.1 -> 192.0.2.2
          tx_packets 2 tx_bytes 100 tx_errors 0 rx_packets 1 rx_bytes 32 rx_seq_discards 0 rx_oos_packets 0 \
        rx_errors 0 rx_cookie_discards 0 rx_invalid 1
          SESSION 100 peer 101 pw eth ifname l2tpeth0 debug 0
            cookie 01020304 peer_cookie - l2spec default hdr_len 16
            recv_seq 0 send_seq 0 lns_mode 0 reorder_timeout 0
            nr 0 ns 0 nr_max 16777215 nr_window_size 8388607 nr_oos 0 nr_oos_count 0 reorder_skip 1 reorder_q 0
            device l2tpeth0 fake
            tx_packets 2 tx_bytes 100 tx_errors 0 rx_packets 1 rx_bytes 32 rx_seq_discards 0 rx_oos_packets 0 \
        rx_errors 0 rx_cookie_discards 0 rx_invalid 0
        TUNNEL 20 peer 21 version 3 encap ip debug 5
          socket fake 2001:db8::1 -> 2001:db8::2
          tx_packets 0 tx_bytes 0 tx_errors 0 rx_packets 0 rx_bytes 0 rx_seq_discards 0 rx_oos_packets 0 \
        rx_errors 0 rx_cookie_discards 0 rx_invalid 0
        DATAPATH fake publications 3 synchronizations 0

        """

    @Test("Every tunnel and session with its configuration, counters and endpoint, then the datapath line")
    func text() throws {
        let f = try Self.fixture()
        let text = f.control.debugDump()
        #expect(text == Self.expected, "\n\(text)")
    }

    @Test("Deleted objects disappear from the dump")
    func afterDelete() throws {
        let f = try Self.fixture()
        f.expectSuccess(Requests.tunnelDelete(10))
        let text = f.control.debugDump()
        #expect(!text.contains("TUNNEL 10") && !text.contains("SESSION 100"))
        #expect(text.hasPrefix("TUNNEL 20 "))
        #expect(text.hasSuffix("DATAPATH fake publications 4 synchronizations 1\n"))
    }

    @Test("The l2tpd family's DEBUG_DUMP answers with the same text")
    func overNetlink() throws {
        let f = try Self.fixture()
        let request = L2TPDGenl.request(.debugDump, sequence: 7, portID: 0)
        let out = f.send(request)
        #expect(out.error == nil)
        try #require(out.replies.count == 1)
        let reply = out.replies[0]
        #expect(NetlinkHeader(reply) == NetlinkHeader(length: UInt32(reply.count), type: L2TPDGenl.familyID, flags: 0,
                                                      sequence: 7, portID: Fixture.admin.portID))
        #expect(reply[16] == L2TPDGenl.Command.debugDump.rawValue && reply[17] == L2TPDGenl.version)
        #expect(L2TPDGenl.text(of: reply) == Self.expected)
    }

    @Test("DEBUG_DUMP needs CAP_NET_ADMIN; an unknown l2tpd command is EOPNOTSUPP")
    func l2tpdErrors() {
        let f = Fixture()
        let request = L2TPDGenl.request(.debugDump, sequence: 8, portID: 0)
        expectError(f.send(request, as: Fixture.user), answering: request, EPERM, portID: Fixture.user.portID)
        var unknown = request
        unknown[16] = 9
        expectError(f.send(unknown), answering: unknown, EOPNOTSUPP)
    }
}
