// SPDX-License-Identifier: GPL-2.0-only
// Taking tunnels and sessions down: unpublish, detach, wait for the datapath (synchronize), then
// close; and the published SessionTable that the datapath looks sessions up in.

import Glibc
import L2TPControl
import L2TPCore
import L2TPNetlink
import L2TPWire
import Testing

/// Looks up a v3 session the way the UDP receive path does.
private func lookupV3(_ table: SessionTable, _ sessionID: UInt32, receivedBy tunnel: Tunnel?) -> Session? {
    table.lookup(.v3(sessionID: sessionID, version: 3, optionsOffset: 8), receivedBy: tunnel)
}

@Suite("Deletion order and the published table")
struct DeletionTests {
    @Test("SESSION_DELETE: publish without it, detach, synchronize, then close")
    func sessionDelete() throws {
        let f = Fixture()
        f.addTunnel(10)
        f.addSession(10, 100)
        f.addSession(10, 101)
        let tunnel = try #require(f.udp.endpoint(10)?.tunnel)
        let before = f.datapath.table
        #expect(lookupV3(before, 100, receivedBy: tunnel)?.id == SessionID(100))
        f.log.clear()
        f.expectSuccess(Requests.sessionDelete(10, 100))
        #expect(f.log.events == ["publish", "detach session 10/100", "synchronize", "close session 10/100"])
        let endpoint = try #require(f.eth.endpoint(10, 100))
        #expect(endpoint.isClosed && !endpoint.isAttached)
        #expect(f.eth.endpoint(10, 101)?.isClosed == false)
        let after = f.datapath.table
        #expect(after.generation > before.generation)
        #expect(lookupV3(after, 100, receivedBy: tunnel) == nil)
        #expect(lookupV3(after, 101, receivedBy: tunnel)?.id == SessionID(101))
        #expect(after.sessionCount == 1)
        // The device is gone, so its name can be used again.
        f.addSession(10, 102, name: "l2tpeth0")
    }

    @Test("TUNNEL_DELETE: every endpoint detached, one synchronize, then sessions and the socket closed")
    func tunnelDelete() throws {
        let f = Fixture()
        f.addTunnel(10)
        f.addTunnel(20, local: "198.51.100.1", remote: "198.51.100.2")
        f.addSession(10, 2)
        f.addSession(10, 1)
        f.addSession(20, 3)
        f.log.clear()
        f.expectSuccess(Requests.tunnelDelete(10))
        // Devices are closed concurrently, so their order is free; the socket closes after them.
        let events = f.log.events
        #expect(Array(events.prefix(5)) == [
            "publish", "detach session 10/1", "detach session 10/2", "detach tunnel 10", "synchronize",
        ])
        #expect(Set(events.dropFirst(5).prefix(2)) == ["close session 10/1", "close session 10/2"])
        #expect(events.dropFirst(7) == ["close tunnel 10"])
        #expect(f.udp.endpoint(10)?.isClosed == true)
        #expect(f.udp.endpoint(20)?.isClosed == false)
        let table = f.datapath.table
        #expect(table.tunnel(TunnelID(10)) == nil)
        #expect(table.tunnel(TunnelID(20)) != nil)
        #expect(lookupV3(table, 1, receivedBy: nil) == nil && lookupV3(table, 2, receivedBy: nil) == nil)
        #expect(lookupV3(table, 3, receivedBy: nil)?.id == SessionID(3))
        #expect(f.control.tunnelCount == 1 && f.control.sessionCount == 1)
    }

    @Test("removeAll deletes every tunnel at once: one publication, one grace period, no notifications")
    func removeAll() {
        let f = Fixture()
        f.addTunnel(30, local: "203.0.113.1", remote: "203.0.113.2")
        f.addTunnel(10)
        f.addTunnel(20, encap: .ip, local: "198.51.100.1", remote: "198.51.100.2")
        f.addSession(30, 300)
        f.addSession(10, 100)
        f.log.clear()
        f.control.removeAll()
        let events = f.log.events
        #expect(Array(events.prefix(6)) == [
            "publish", "detach session 10/100", "detach session 30/300",
            "detach tunnel 10", "detach tunnel 20", "detach tunnel 30",
        ])
        #expect(events.dropFirst(6).first == "synchronize")
        #expect(Set(events.dropFirst(7).prefix(2)) == ["close session 10/100", "close session 30/300"])
        #expect(Array(events.dropFirst(9)) == ["close tunnel 10", "close tunnel 20", "close tunnel 30"])
        #expect(f.control.tunnelCount == 0 && f.control.sessionCount == 0)
        #expect(f.datapath.table.sessionCount == 0)
        let table = f.datapath.table
        #expect([UInt32(10), 20, 30].filter { table.tunnel(TunnelID($0)) != nil }.isEmpty)
        let open = (f.udp.endpoints + f.ip.endpoints).filter { !$0.isClosed }.map(\.tunnel.id)
        #expect(open.isEmpty)
        let openSessions = f.eth.endpoints.filter { !$0.isClosed }.map(\.session.id)
        #expect(openSessions.isEmpty)
        #expect(f.eth.interfaceNames.isEmpty)
        // Nothing left to find.
        let dump = f.send(Requests.tunnelDump(sequence: 5))
        #expect(dump.replies == [doneBytes(sequence: 5)])
    }

    @Test("Colliding UDP session ids: deleting one leaves the other findable through its own tunnel")
    func collidedDelete() throws {
        let f = Fixture()
        f.addTunnel(10)
        f.addTunnel(20, local: "198.51.100.1", remote: "198.51.100.2")
        f.addSession(10, 7)
        f.addSession(20, 7)
        let t10 = try #require(f.udp.endpoint(10)?.tunnel)
        let t20 = try #require(f.udp.endpoint(20)?.tunnel)
        #expect(lookupV3(f.datapath.table, 7, receivedBy: t10)?.tunnel === t10)
        #expect(lookupV3(f.datapath.table, 7, receivedBy: t20)?.tunnel === t20)
        f.expectSuccess(Requests.sessionDelete(10, 7))
        #expect(lookupV3(f.datapath.table, 7, receivedBy: t20)?.tunnel === t20)
        #expect(lookupV3(f.datapath.table, 7, receivedBy: t10)?.tunnel !== t10)
        #expect(f.datapath.table.sessionCount == 1)
    }

    @Test("L2TPv2 sessions leave the (tunnel, session) keyed table too")
    func v2Delete() {
        let f = Fixture()
        f.control.register(FakePseudowireFactory(log: f.log, namePrefix: "ppp"), for: .ppp)
        f.addV2Tunnel(1)
        var a = Requests.sessionAttributes(1, 5, pw: .ppp)
        a.peerSessionID = 6
        f.expectSuccess(Requests.make(.sessionCreate, a))
        let key = Demux.v2(tunnelID: 1, sessionID: 5, flags: 0x0002, optionsOffset: 6)
        #expect(f.datapath.table.lookup(key, receivedBy: nil)?.id == SessionID(5))
        f.expectSuccess(Requests.sessionDelete(1, 5))
        #expect(f.datapath.table.lookup(key, receivedBy: nil) == nil)
    }
}
