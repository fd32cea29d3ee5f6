// SPDX-License-Identifier: GPL-2.0-only
// Multicast notifications (l2tp_tunnel_notify / l2tp_session_notify): one per change, the full
// object, the operation as command, NLM_F_ACK, and the requester's sequence number and port.

import Glibc
import L2TPControl
import L2TPNetlink
import L2TPWire
import Testing

@Suite("Notifications")
struct NotificationTests {
    @Test("TUNNEL_CREATE, TUNNEL_MODIFY, TUNNEL_DELETE: one each, the full tunnel, NLM_F_ACK, seq and port")
    func tunnel() {
        let f = Fixture()
        let full = Expected.tunnel(10, peer: 11, local: "2001:db8::1", remote: "2001:db8::2", zeroCsum6Rx: true)
        let create = f.send(Requests.tunnelCreate(10, peer: 11, local: "2001:db8::1", remote: "2001:db8::2",
                                                  zeroCsum6Rx: true, sequence: 31))
        #expect(create.notifications == [
            Expected.tunnelMessage(full, .tunnelCreate, flags: NetlinkFlags.ack, sequence: 31)
        ])
        let modify = f.send(Requests.make(.tunnelModify, Requests.ids(10), sequence: 32))
        #expect(modify.notifications == [
            Expected.tunnelMessage(full, .tunnelModify, flags: NetlinkFlags.ack, sequence: 32)
        ])
        let delete = f.send(Requests.tunnelDelete(10, sequence: 33))
        #expect(delete.notifications == [
            Expected.tunnelMessage(full, .tunnelDelete, flags: NetlinkFlags.ack, sequence: 33)
        ], "sent before the deletion: addresses and counters are still there")
    }

    @Test("SESSION_CREATE, SESSION_MODIFY, SESSION_DELETE: one each, the full session")
    func session() {
        let f = Fixture()
        f.addTunnel(10)
        let create = f.send(Requests.sessionCreate(10, 100, peer: 200, cookie: [1, 2, 3, 4], sendSeq: true,
                                                   sequence: 41))
        let created = Expected.session(10, 100, peer: 200, ifname: "l2tpeth0", cookie: [1, 2, 3, 4], sendSeq: 1)
        #expect(create.notifications == [
            Expected.sessionMessage(created, .sessionCreate, flags: NetlinkFlags.ack, sequence: 41)
        ])
        var a = Requests.ids(10, 100)
        a.recvTimeout = 100
        let modify = f.send(Requests.make(.sessionModify, a, sequence: 42))
        var modified = created
        modified.recvTimeout = 100
        #expect(modify.notifications == [
            Expected.sessionMessage(modified, .sessionModify, flags: NetlinkFlags.ack, sequence: 42)
        ])
        let delete = f.send(Requests.sessionDelete(10, 100, sequence: 43))
        #expect(delete.notifications == [
            Expected.sessionMessage(modified, .sessionDelete, flags: NetlinkFlags.ack, sequence: 43)
        ], "sent before the deletion: the interface name is still there")
    }

    @Test("Notifications carry the requester's port when the request's nlmsg_pid is 0")
    func requesterPort() throws {
        let f = Fixture()
        let requester = Requester(portID: 0xbeef, hasNetAdmin: true)
        let out = f.send(Requests.tunnelCreate(10, sequence: 0x0102_0304), as: requester)
        let header = try #require(out.notifications.first.flatMap { NetlinkHeader($0) })
        #expect(header.portID == 0xbeef)
        #expect(header.sequence == 0x0102_0304)
        #expect(header.flags == NetlinkFlags.ack)
        #expect(header.type == L2TPGenl.familyID)
    }

    @Test("Deleting a tunnel sends TUNNEL_DELETE only, no SESSION_DELETE for its sessions")
    func tunnelDeleteWithSessions() throws {
        let f = Fixture()
        f.addTunnel(10)
        f.addSession(10, 1)
        f.addSession(10, 2)
        let out = f.send(Requests.tunnelDelete(10))
        try #require(out.notifications.count == 1)
        #expect(decode(out.notifications[0])?.command == L2TPCommand.tunnelDelete.rawValue)
        #expect(f.control.sessionCount == 0)
    }

    @Test("Reads and failures notify nobody")
    func nothingToNotify() {
        let f = Fixture()
        f.addTunnel(10)
        f.addSession(10, 1)
        for request in [
            Requests.make(.tunnelGet, Requests.ids(10)), Requests.make(.sessionGet, Requests.ids(10, 1)),
            Requests.tunnelDump(), Requests.sessionDump(), Requests.make(.noop, L2TPAttributes(), order: []),
            Requests.tunnelCreate(10), Requests.sessionCreate(10, 1), Requests.tunnelDelete(99),
            Requests.sessionDelete(10, 99),
        ] {
            #expect(f.send(request).notifications.isEmpty)
        }
    }
}
