// SPDX-License-Identifier: GPL-2.0-only
// TunnelRegistry and SessionTable: the kernel's id scoping (kernel-facts §2.1 "Id scoping") and lookup
// keying (§3.2), with lookups driven by real packet bytes.

import L2TPCore
import L2TPTestSupport
import L2TPWire
import Testing

@Suite struct SessionTableTests {
    func tunnel(_ id: UInt32, _ version: ProtocolVersion, _ encap: EncapType = .udp) -> Tunnel {
        Tunnel(id: TunnelID(id), peerID: TunnelID(id + 1000), version: version, encap: encap)
    }

    func session(_ id: UInt32, in tunnel: Tunnel) -> Session {
        Session(id: SessionID(id), peerID: SessionID(id + 1000), tunnel: tunnel, pseudowireType: .eth)
    }

    /// Looks up the session a v2 data packet with these (recipient's) ids belongs to.
    func lookupV2(_ table: SessionTable, tunnelID: UInt16, sessionID: UInt16) -> Session? {
        let packet = PacketBuilder.v2(tunnelID: tunnelID, sessionID: sessionID, payload: PacketBuilder.payload(tag: 0))
        return table.lookup(PacketBuilder.demux(packet, encap: .udp), receivedBy: nil)
    }

    /// Looks up the session a v3 data packet received in `form` on `receivedBy`'s socket belongs to.
    func lookupV3(_ table: SessionTable, sessionID: UInt32, form: EncapType = .udp, receivedBy: Tunnel?) -> Session? {
        let packet = PacketBuilder.v3(encap: form, sessionID: sessionID, payload: PacketBuilder.payload(tag: 0))
        return table.lookup(PacketBuilder.demux(packet, encap: form), receivedBy: receivedBy)
    }

    // MARK: L2TPv2

    @Test("v2 sessions are keyed by (tunnel id, session id)")
    func v2Keying() throws {
        var r = TunnelRegistry()
        let t1 = tunnel(1, .v2)
        let t2 = tunnel(2, .v2)
        try r.add(t1)
        try r.add(t2)
        let a = session(5, in: t1)
        let b = session(5, in: t2)  // same session id, other tunnel: allowed
        let c = session(6, in: t1)
        try r.add(a)
        try r.add(b)
        try r.add(c)
        let table = r.makeTable()
        #expect(lookupV2(table, tunnelID: 1, sessionID: 5) === a)
        #expect(lookupV2(table, tunnelID: 2, sessionID: 5) === b)
        #expect(lookupV2(table, tunnelID: 1, sessionID: 6) === c)
        #expect(lookupV2(table, tunnelID: 2, sessionID: 6) == nil)
        #expect(lookupV2(table, tunnelID: 3, sessionID: 5) == nil)
        #expect(table.sessionCount == 3)
        // The v2 key ignores the socket: a packet for tunnel 1 arriving on tunnel 2's socket still matches.
        let packet = PacketBuilder.v2(tunnelID: 1, sessionID: 5, payload: PacketBuilder.payload(tag: 0))
        #expect(table.lookup(PacketBuilder.demux(packet, encap: .udp), receivedBy: t2) === a)
    }

    @Test("v2 keys truncate both ids to 16 bits")
    func v2Truncation() throws {
        #expect(SessionTable.v2Key(tunnelID: 0x0001_0002, sessionID: 0xffff_0003) == 0x0002_0003)
        #expect(SessionTable.v2Key(tunnelID: 0xffff, sessionID: 0xffff) == 0xffff_ffff)

        var r = TunnelRegistry()
        let low = tunnel(2, .v2)
        let high = tunnel(0x0001_0002, .v2)  // a different tunnel id whose low 16 bits are 2
        try r.add(low)
        try r.add(high)
        let s = session(0x0003_0005, in: high)
        try r.add(s)
        #expect(lookupV2(r.makeTable(), tunnelID: 2, sessionID: 5) === s)
        // Same truncated key from the other tunnel, or from a wider id in the same tunnel: refused.
        #expect(throws: RegistryError.sessionExists) { try r.add(session(5, in: low)) }
        #expect(throws: RegistryError.sessionExists) { try r.add(session(0x0009_0005, in: high)) }
        #expect(r.sessionCount == 1)
    }

    // MARK: L2TPv3

    @Test("v3 sessions are keyed by session id alone, whatever tunnel or form the packet came by")
    func v3Global() throws {
        var r = TunnelRegistry()
        let udp = tunnel(1, .v3, .udp)
        let ip = tunnel(2, .v3, .ip)
        try r.add(udp)
        try r.add(ip)
        let a = session(100, in: udp)
        let b = session(200, in: ip)
        try r.add(a)
        try r.add(b)
        let table = r.makeTable()
        #expect(lookupV3(table, sessionID: 100, receivedBy: udp) === a)
        #expect(lookupV3(table, sessionID: 100, receivedBy: nil) === a)
        #expect(lookupV3(table, sessionID: 100, receivedBy: ip) === a)
        #expect(lookupV3(table, sessionID: 200, form: .ip, receivedBy: nil) === b)
        #expect(lookupV3(table, sessionID: 300, receivedBy: udp) == nil)
        // Session ids are per version: v2 session 100 in tunnel 3 does not collide with v3 session 100.
        let v2 = tunnel(3, .v2)
        try r.add(v2)
        let c = session(100, in: v2)
        try r.add(c)
        let t2 = r.makeTable()
        #expect(lookupV2(t2, tunnelID: 3, sessionID: 100) === c)
        #expect(lookupV3(t2, sessionID: 100, receivedBy: nil) === a)
    }

    @Test("v3 UDP sessions in different tunnels may share an id; the receiving tunnel tells them apart")
    func v3UDPCollision() throws {
        var r = TunnelRegistry()
        let t1 = tunnel(1, .v3)
        let t2 = tunnel(2, .v3)
        let t3 = tunnel(3, .v3)
        for t in [t1, t2, t3] { try r.add(t) }
        let a = session(100, in: t1)
        let b = session(100, in: t2)
        try r.add(a)
        try r.add(b)
        let table = r.makeTable()
        #expect(lookupV3(table, sessionID: 100, receivedBy: t1) === a)
        #expect(lookupV3(table, sessionID: 100, receivedBy: t2) === b)
        #expect(lookupV3(table, sessionID: 100, receivedBy: nil) == nil)
        #expect(lookupV3(table, sessionID: 100, receivedBy: t3) == nil)
        #expect(table.sessionCount == 2)
        // A third tunnel joins the collision.
        let c = session(100, in: t3)
        try r.add(c)
        let table3 = r.makeTable()
        #expect(lookupV3(table3, sessionID: 100, receivedBy: t3) === c)
        #expect(lookupV3(table3, sessionID: 100, receivedBy: t1) === a)
        #expect(table3.sessionCount == 3)
    }

    struct CollisionCase: Sendable, CustomTestStringConvertible {
        let first: EncapType
        let second: EncapType
        var testDescription: String { "\(first) then \(second)" }
    }

    @Test(
        "a v3 id collision involving an IP-encap session is refused, in either order",
        arguments: [
            CollisionCase(first: .udp, second: .ip), CollisionCase(first: .ip, second: .udp),
            CollisionCase(first: .ip, second: .ip),
        ])
    func v3IPCollision(_ c: CollisionCase) throws {
        var r = TunnelRegistry()
        let t1 = tunnel(1, .v3, c.first)
        let t2 = tunnel(2, .v3, c.second)
        try r.add(t1)
        try r.add(t2)
        let a = session(100, in: t1)
        try r.add(a)
        #expect(throws: RegistryError.sessionExists) { try r.check(session(100, in: t2)) }
        #expect(throws: RegistryError.sessionExists) { try r.add(session(100, in: t2)) }
        #expect(r.sessionCount == 1)
        #expect(lookupV3(r.makeTable(), sessionID: 100, receivedBy: t2) === a)
    }

    @Test("an IP-encap session cannot join an existing UDP collision")
    func ipJoinsCollision() throws {
        var r = TunnelRegistry()
        let t1 = tunnel(1, .v3)
        let t2 = tunnel(2, .v3)
        let t3 = tunnel(3, .v3, .ip)
        for t in [t1, t2, t3] { try r.add(t) }
        try r.add(session(100, in: t1))
        try r.add(session(100, in: t2))
        #expect(throws: RegistryError.sessionExists) { try r.add(session(100, in: t3)) }
        #expect(r.sessionCount == 2)
    }

    @Test("a duplicate session id in the same tunnel is refused", arguments: [ProtocolVersion.v2, .v3], [EncapType.udp, .ip])
    func duplicateInTunnel(_ version: ProtocolVersion, _ encap: EncapType) throws {
        if version == .v2 && encap == .ip { return }  // L2TPv2 has no IP encapsulation
        var r = TunnelRegistry()
        let t = tunnel(1, version, encap)
        try r.add(t)
        let a = session(7, in: t)
        try r.add(a)
        #expect(throws: RegistryError.sessionExists) { try r.add(session(7, in: t)) }
        #expect(r.session(tunnelID: TunnelID(1), sessionID: SessionID(7)) === a)
        #expect(r.sessionCount == 1)
    }

    @Test("check validates without registering")
    func checkDoesNotRegister() throws {
        var r = TunnelRegistry()
        let t = tunnel(1, .v3)
        try r.add(t)
        let s = session(7, in: t)
        try r.check(s)
        #expect(r.sessionCount == 0)
        #expect(lookupV3(r.makeTable(), sessionID: 7, receivedBy: t) == nil)
        try r.add(s)
        #expect(throws: RegistryError.sessionExists) { try r.check(session(7, in: t)) }
    }

    @Test("a session needs its own tunnel to be registered")
    func unknownTunnel() throws {
        var r = TunnelRegistry()
        let registered = tunnel(1, .v3)
        try r.add(registered)
        #expect(throws: RegistryError.noSuchTunnel) { try r.add(session(7, in: tunnel(2, .v3))) }
        // Same id, different tunnel object (for example one being replaced): refused as well.
        #expect(throws: RegistryError.noSuchTunnel) { try r.add(session(7, in: tunnel(1, .v3))) }
        #expect(r.sessionCount == 0)
    }

    // MARK: Tunnels

    @Test("tunnel ids are one namespace shared by v2 and v3, UDP and IP")
    func tunnelIDsShared() throws {
        var r = TunnelRegistry()
        try r.add(tunnel(7, .v2))
        #expect(throws: RegistryError.tunnelExists) { try r.add(tunnel(7, .v3)) }
        #expect(throws: RegistryError.tunnelExists) { try r.add(tunnel(7, .v3, .ip)) }
        #expect(throws: RegistryError.tunnelExists) { try r.add(tunnel(7, .v2)) }
        #expect(r.tunnelCount == 1)
        #expect(r.tunnel(TunnelID(7))?.version == .v2)
        _ = r.removeTunnel(TunnelID(7))
        try r.add(tunnel(7, .v3, .ip))
        #expect(r.tunnel(TunnelID(7))?.encap == .ip)
    }

    @Test("removeTunnel returns its sessions in id order and unindexes them")
    func removeTunnel() throws {
        var r = TunnelRegistry()
        let t1 = tunnel(1, .v3)
        let t2 = tunnel(2, .v2)
        try r.add(t1)
        try r.add(t2)
        for id: UInt32 in [30, 4, 200, 17] { try r.add(session(id, in: t1)) }
        try r.add(session(9, in: t2))
        let before = r.makeTable()

        let result = r.removeTunnel(TunnelID(1))
        let removed = try #require(result)
        #expect(removed.0 === t1)
        #expect(removed.1.map(\.id.rawValue) == [4, 17, 30, 200])
        let again = r.removeTunnel(TunnelID(1))
        #expect(again == nil)
        #expect(r.tunnel(TunnelID(1)) == nil)
        #expect(r.tunnelCount == 1)
        #expect(r.sessionCount == 1)

        let after = r.makeTable()
        for id: UInt32 in [30, 4, 200, 17] { #expect(lookupV3(after, sessionID: id, receivedBy: t1) == nil) }
        #expect(after.tunnel(TunnelID(1)) == nil)
        #expect(after.tunnel(TunnelID(2)) === t2)
        #expect(lookupV2(after, tunnelID: 2, sessionID: 9) != nil)
        #expect(after.sessionCount == 1)
        // The old snapshot is unchanged: the datapath may still be using it.
        #expect(lookupV3(before, sessionID: 30, receivedBy: nil)?.tunnel === t1)
        #expect(before.sessionCount == 5)
        // The ids are free again, for another tunnel too.
        let t3 = tunnel(3, .v3, .ip)
        try r.add(t3)
        try r.add(session(30, in: t3))
    }

    @Test("after one of two collided sessions goes, the other is found without a receiving tunnel")
    func collisionResolves() throws {
        var r = TunnelRegistry()
        let t1 = tunnel(1, .v3)
        let t2 = tunnel(2, .v3)
        try r.add(t1)
        try r.add(t2)
        let a = session(100, in: t1)
        let b = session(100, in: t2)
        try r.add(a)
        try r.add(b)
        let first = r.removeSession(tunnelID: TunnelID(1), sessionID: SessionID(100))
        let second = r.removeSession(tunnelID: TunnelID(1), sessionID: SessionID(100))
        #expect(first === a)
        #expect(second == nil)
        let table = r.makeTable()
        #expect(lookupV3(table, sessionID: 100, receivedBy: nil) === b)
        #expect(lookupV3(table, sessionID: 100, receivedBy: t2) === b)
        #expect(table.sessionCount == 1)
        // With the collision gone, an IP-encap session may not take the id, but nothing else changed.
        let ip = tunnel(3, .v3, .ip)
        try r.add(ip)
        #expect(throws: RegistryError.sessionExists) { try r.add(session(100, in: ip)) }
        // Removing the last one frees the id entirely.
        let last = r.removeSession(tunnelID: TunnelID(2), sessionID: SessionID(100))
        #expect(last === b)
        try r.add(session(100, in: ip))
        #expect(lookupV3(r.makeTable(), sessionID: 100, form: .ip, receivedBy: nil)?.tunnel === ip)
    }

    @Test("removing from a three-way collision keeps the other two apart")
    func threeWayCollision() throws {
        var r = TunnelRegistry()
        let ts = [tunnel(1, .v3), tunnel(2, .v3), tunnel(3, .v3)]
        for t in ts { try r.add(t) }
        let ss = ts.map { session(100, in: $0) }
        for s in ss { try r.add(s) }
        r.removeSession(tunnelID: TunnelID(2), sessionID: SessionID(100))
        let table = r.makeTable()
        #expect(lookupV3(table, sessionID: 100, receivedBy: ts[0]) === ss[0])
        #expect(lookupV3(table, sessionID: 100, receivedBy: ts[1]) == nil)
        #expect(lookupV3(table, sessionID: 100, receivedBy: ts[2]) === ss[2])
        #expect(lookupV3(table, sessionID: 100, receivedBy: nil) == nil)
        #expect(table.sessionCount == 2)
    }

    // MARK: Dumps and snapshots

    @Test("dump order: tunnels ascending, sessions ascending within each tunnel")
    func dumpOrder() throws {
        var r = TunnelRegistry()
        let t100 = tunnel(100, .v3)
        let t2 = tunnel(2, .v2)
        let t30 = tunnel(30, .v3, .ip)
        for t in [t100, t2, t30] { try r.add(t) }
        for id: UInt32 in [9, 1, 5] { try r.add(session(id, in: t100)) }
        for id: UInt32 in [65535, 3] { try r.add(session(id, in: t2)) }
        for id: UInt32 in [70000, 600] { try r.add(session(id, in: t30)) }
        #expect(r.tunnelsInOrder.map(\.id.rawValue) == [2, 30, 100])
        #expect(r.sessionsInOrder(of: TunnelID(100)).map(\.id.rawValue) == [1, 5, 9])
        #expect(r.sessionsInOrder(of: TunnelID(4)).isEmpty)
        #expect(
            r.allSessionsInOrder.map { "\($0.tunnel.id)/\($0.id)" }
                == ["2/3", "2/65535", "30/600", "30/70000", "100/1", "100/5", "100/9"])
        #expect(r.tunnelCount == 3)
        #expect(r.sessionCount == 7)
    }

    @Test("each table is a new generation; the empty table finds nothing")
    func generations() throws {
        #expect(SessionTable.empty.generation == 0)
        #expect(SessionTable.empty.sessionCount == 0)
        #expect(lookupV3(SessionTable.empty, sessionID: 1, receivedBy: nil) == nil)
        #expect(lookupV2(SessionTable.empty, tunnelID: 1, sessionID: 1) == nil)
        var r = TunnelRegistry()
        #expect(r.makeTable().generation == 1)
        try r.add(tunnel(1, .v3))
        #expect(r.makeTable().generation == 2)
        #expect(r.makeTable().tunnel(TunnelID(1))?.id == TunnelID(1))
    }

    @Test("control and short classifications never find a session")
    func nonDataLookups() throws {
        var r = TunnelRegistry()
        let t = tunnel(9, .v3, .ip)
        try r.add(t)
        try r.add(session(9, in: t))
        let table = r.makeTable()
        #expect(table.lookup(.control(connectionID: 9), receivedBy: t) == nil)
        #expect(table.lookup(.control(connectionID: nil), receivedBy: t) == nil)
        #expect(table.lookup(.short, receivedBy: t) == nil)
        // The IP-form control frame's connection id names the tunnel.
        #expect(table.tunnel(TunnelID(9)) === t)
    }
}
