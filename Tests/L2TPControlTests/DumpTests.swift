// SPDX-License-Identifier: GPL-2.0-only
// TUNNEL_GET and SESSION_GET dumps (l2tp_nl_cmd_tunnel_dump / l2tp_nl_cmd_session_dump): order,
// NLM_F_MULTI parts, NLMSG_DONE, ignored attributes, and datagrams no larger than NLMSG_GOODSIZE.

import Glibc
import L2TPControl
import L2TPNetlink
import L2TPTestSupport
import L2TPWire
import Testing

@Suite("Dumps")
struct DumpTests {
    @Test("TUNNEL_GET dump: tunnels ascending by id, each NLM_F_MULTI, then NLMSG_DONE; no ACK")
    func tunnels() {
        let f = Fixture()
        f.addTunnel(30, local: "2001:db8::1", remote: "2001:db8::2")
        f.addTunnel(10)
        f.addTunnel(20, encap: .ip, local: "198.51.100.1", remote: "198.51.100.2")
        let expected = [
            Expected.tunnel(10),
            Expected.tunnel(20, encap: .ip, local: "198.51.100.1", remote: "198.51.100.2"),
            Expected.tunnel(30, local: "2001:db8::1", remote: "2001:db8::2"),
        ].flatMap { Expected.tunnelMessage($0, .tunnelGet, flags: NetlinkFlags.multi, sequence: 21) }
            + doneBytes(sequence: 21)
        let out = f.send(Requests.tunnelDump(sequence: 21))
        #expect(out.replies == [expected], "\(out.replies.map(hexDump))")
        #expect(out.notifications.isEmpty)
        #expect(out.error == nil)
        // NLM_F_ACK on a dump asks for nothing more: the kernel never ACKs a dump.
        let withAck = Requests.make(.tunnelGet, L2TPAttributes(), order: [],
                                    flags: IPRouteRequest.dumpFlags | NetlinkFlags.ack, sequence: 21)
        #expect(f.send(withAck).replies == [expected])
    }

    @Test("SESSION_GET dump: tunnel by tunnel, sessions ascending within each")
    func sessions() {
        let f = Fixture()
        f.addTunnel(20)
        f.addTunnel(10, local: "198.51.100.1", remote: "198.51.100.2")
        for (t, s) in [(UInt32(20), UInt32(5)), (10, 7), (10, 3), (20, 1)] { f.addSession(t, s) }
        let expected = [
            Expected.session(10, 3, ifname: "l2tpeth2"),
            Expected.session(10, 7, ifname: "l2tpeth1"),
            Expected.session(20, 1, ifname: "l2tpeth3"),
            Expected.session(20, 5, ifname: "l2tpeth0"),
        ].flatMap { Expected.sessionMessage($0, .sessionGet, flags: NetlinkFlags.multi, sequence: 22) }
            + doneBytes(sequence: 22)
        #expect(f.send(Requests.sessionDump(sequence: 22)).replies == [expected])
    }

    @Test("Nothing to list: just NLMSG_DONE", arguments: [L2TPCommand.tunnelGet, .sessionGet])
    func empty(command: L2TPCommand) {
        let f = Fixture()
        let out = f.send(Requests.make(command, L2TPAttributes(), order: [], flags: IPRouteRequest.dumpFlags,
                                       sequence: 23))
        #expect(out.replies == [doneBytes(sequence: 23)])
    }

    @Test("Dump attributes are ignored: CONN_ID and SESSION_ID still list everything")
    func attributesIgnored() {
        let f = Fixture()
        f.addTunnel(10)
        f.addTunnel(20, local: "198.51.100.1", remote: "198.51.100.2")
        f.addSession(10, 1)
        f.addSession(20, 2)
        let allTunnels = f.send(Requests.tunnelDump(sequence: 24)).replies
        let allSessions = f.send(Requests.sessionDump(sequence: 24)).replies
        #expect(f.send(Requests.tunnelDump(tunnelID: 10, sequence: 24)).replies == allTunnels)
        #expect(f.send(Requests.sessionDump(tunnelID: 20, sessionID: 2, sequence: 24)).replies == allSessions)
        #expect(allTunnels.first.map { messages(in: $0).count } == 3)
        #expect(allSessions.first.map { messages(in: $0).count } == 3)
    }

    @Test("A dump request with a malformed attribute is not rejected (GENL_DONT_VALIDATE_DUMP); a doit is")
    func malformedAttributeIgnored() {
        let f = Fixture()
        f.addTunnel(10)
        f.addSession(10, 1)
        // CONN_ID with a 2-byte payload, and an IFNAME without its NUL.
        let attributes = le16(6) + le16(L2TPAttr.connID.rawValue) + [10, 0, 0, 0]
            + le16(8) + le16(L2TPAttr.ifname.rawValue) + Array("eth0".utf8)
        for command in [L2TPCommand.tunnelGet, .sessionGet] {
            let header = { (flags: UInt16) in
                le32(UInt32(20 + attributes.count)) + le16(L2TPGenl.familyID) + le16(flags) + le32(25) + le32(0)
                    + [command.rawValue, 1, 0, 0]
            }
            let dump = header(IPRouteRequest.dumpFlags) + attributes
            let plain = Requests.make(command, L2TPAttributes(), order: [], flags: IPRouteRequest.dumpFlags,
                                      sequence: 25)
            let out = f.send(dump)
            #expect(out.error == nil)
            #expect(out.replies == f.send(plain).replies)
            #expect(out.replies.first.map { messages(in: $0).count } == 2)
            let doit = header(IPRouteRequest.changeFlags) + attributes
            expectError(f.send(doit), answering: doit, ERANGE, attribute: "L2TP_ATTR_CONN_ID")
        }
    }

    @Test("2,000 sessions: datagrams of at most dumpDatagramSize, each session once and in order, DONE last")
    func largeSessionDump() throws {
        let f = Fixture()
        var expectedIDs: [[UInt32]] = []
        var failures = 0
        for t: UInt32 in 1...4 {
            f.addTunnel(t, local: "192.0.2.\(t)", remote: "198.51.100.\(t)")
            // Created in descending order, listed in ascending order.
            for s in stride(from: UInt32(500), through: 1, by: -1) {
                let out = f.send(Requests.sessionCreate(t, t * 1000 + s))
                if out.error != nil { failures += 1 }
            }
            expectedIDs += (1...500).map { [t, t * 1000 + UInt32($0)] }
        }
        try #require(failures == 0)
        try #require(f.control.sessionCount == 2000)

        let datagrams = f.send(Requests.sessionDump(sequence: 77)).replies
        #expect(datagrams.count > 1)
        let limit = ControlPlane.dumpDatagramSize
        let oversized = datagrams.map(\.count).filter { $0 > limit }
        #expect(oversized.isEmpty)
        let parts = datagrams.map { messages(in: $0) }
        // Each datagram is filled until the next message would not fit, as netlink_dump fills its skb.
        for i in parts.indices.dropLast() {
            let next = parts[i + 1][0]
            #expect(datagrams[i].count + next.count > limit, "datagram \(i) had room for one more")
        }
        let all = parts.flatMap { $0 }
        #expect(all.last == doneBytes(sequence: 77))
        #expect(all.filter { NetlinkHeader($0)?.type == NetlinkMessageType.done }.count == 1)
        var seen: [[UInt32]] = []
        for message in all.dropLast() {
            let header = try #require(NetlinkHeader(message))
            #expect(header.type == L2TPGenl.familyID && header.flags == NetlinkFlags.multi)
            #expect(header.sequence == 77 && header.portID == Fixture.admin.portID)
            let decoded = try #require(decode(message))
            #expect(decoded.command == L2TPCommand.sessionGet.rawValue)
            seen.append([decoded.attributes.connID ?? 0, decoded.attributes.sessionID ?? 0])
        }
        #expect(seen == expectedIDs)
    }
}
