// SPDX-License-Identifier: GPL-2.0-only
// Managed tunnels (L2TP_ATTR_FD) in the control plane, the connection-level commands of the l2tpd
// family (SET_PORT, ADD/DROP_MEMBERSHIP) and the nlctrl GETFAMILY dump.

import Glibc
import L2TPControl
import L2TPCore
import L2TPNetlink
import L2TPWire
import Testing

@Suite struct ManagedAndConnectionTests {
    /// A TUNNEL_CREATE with L2TP_ATTR_FD and no addresses, as a managed-tunnel application sends it.
    static func managedCreate(_ id: UInt32, fd: UInt32 = 7, encap: EncapType = .udp) -> [UInt8] {
        var a = L2TPAttributes()
        a.connID = id
        a.peerConnID = id + 1
        a.protoVersion = 3
        a.encapType = encap.rawValue
        a.fd = fd
        return Requests.make(.tunnelCreate, a)
    }

    @Test("L2TP_ATTR_FD without a passed descriptor is EBADF; with one, the factory adopts it and owns it")
    func adoption() {
        let f = Fixture()
        let out = f.send(Self.managedCreate(5))
        #expect(out.error?.errno == EBADF)
        #expect(f.udp.adopted.isEmpty)

        var owner = Fixture.admin
        owner.connectionID = 42
        var passed: Int32? = 99
        let ok = f.control.handle(Self.managedCreate(5), from: owner, passing: &passed)
        #expect(ok.error == nil)
        #expect(passed == nil, "the control plane took the descriptor")
        #expect(f.udp.adopted.count == 1)
        #expect(f.udp.adopted.first?.socket == 99 && f.udp.adopted.first?.owner == 42)
        #expect(f.udp.requests.isEmpty, "no socket was opened for a managed tunnel")
        #expect(ok.notifications.count == 1)
    }

    @Test("A failed adoption leaves the descriptor with the caller")
    func failedAdoption() {
        let f = Fixture()
        f.udp.failure = NetlinkError(ENOTCONN, "L2TP_ATTR_FD: the socket is not connected to the peer")
        var passed: Int32? = 99
        let out = f.control.handle(Self.managedCreate(5), from: Fixture.admin, passing: &passed)
        #expect(out.error?.errno == ENOTCONN)
        #expect(passed == 99)
        #expect(f.control.tunnelCount == 0)
    }

    @Test("Closing a connection closes exactly its managed tunnels, without notifications")
    func connectionClose() {
        let f = Fixture()
        f.addTunnel(1)  // unmanaged, created by the daemon's admin connection (id 0)
        for (id, conn) in [(UInt32(10), UInt64(7)), (20, 8), (30, 7)] {
            var r = Fixture.admin
            r.connectionID = conn
            var passed: Int32? = Int32(id)
            #expect(f.control.handle(Self.managedCreate(id), from: r, passing: &passed).error == nil)
        }
        f.addSession(10, 100)
        f.control.connectionClosed(7)
        #expect(f.control.tunnelCount == 2)
        let tunnels = f.datapath.table.tunnel(TunnelID(20))
        #expect(tunnels != nil)
        #expect(f.datapath.table.tunnel(TunnelID(10)) == nil)
        #expect(f.datapath.table.tunnel(TunnelID(30)) == nil)
        #expect(f.datapath.table.tunnel(TunnelID(1)) != nil, "unmanaged tunnels stay")
        f.control.connectionClosed(7)  // idempotent
        #expect(f.control.tunnelCount == 2)
    }

    @Test("SET_PORT and membership requests become connection changes; unknown groups are EINVAL")
    func connectionCommands() {
        let f = Fixture()
        let setPort = L2TPDGenl.request(.setPort, [(.port, 0xabcd)], ack: true, sequence: 3, portID: 0)
        let out = f.send(setPort, as: Fixture.user)
        #expect(out.error == nil)
        #expect(out.connectionChanges == [.setPort(0xabcd)])
        #expect(out.replies.count == 1, "the ACK")

        let join = L2TPDGenl.request(.addMembership, [(.group, L2TPGenl.multicastGroupID)], sequence: 4, portID: 0)
        #expect(f.send(join, as: Fixture.user).connectionChanges == [.join(group: L2TPGenl.multicastGroupID)])
        let leave = L2TPDGenl.request(.dropMembership, [(.group, L2TPGenl.multicastGroupID)], sequence: 5, portID: 0)
        #expect(f.send(leave, as: Fixture.user).connectionChanges == [.leave(group: L2TPGenl.multicastGroupID)])

        let bad = f.send(L2TPDGenl.request(.addMembership, [(.group, 3)], sequence: 6, portID: 0), as: Fixture.user)
        #expect(bad.error?.errno == EINVAL && bad.connectionChanges.isEmpty)
        let missing = f.send(L2TPDGenl.request(.setPort, sequence: 7, portID: 0))
        #expect(missing.error?.errno == EINVAL)
        let frame = f.send(L2TPDGenl.request(.controlFrame, sequence: 8, portID: 0))
        #expect(frame.error?.errno == EOPNOTSUPP)
    }

    @Test("An nlctrl GETFAMILY dump lists both families, then NLMSG_DONE")
    func familyDump() throws {
        let f = Fixture()
        var request = GenlControl.getFamilyRequest(name: "x", sequence: 9, portID: 0)
        request[6] = UInt8(truncatingIfNeeded: NetlinkFlags.request | NetlinkFlags.dump)
        request[7] = UInt8(truncatingIfNeeded: (NetlinkFlags.request | NetlinkFlags.dump) >> 8)
        let out = f.send(request, as: Fixture.user)
        #expect(out.error == nil)
        let messages = try splitNetlinkMessages(try #require(out.replies.first))
        #expect(messages.count == 3)
        #expect(messages.prefix(2).compactMap { GenlControl.parseNewFamily($0)?.name } == ["l2tp", "l2tpd"])
        #expect(messages.prefix(2).allSatisfy { NetlinkHeader($0)!.flags & NetlinkFlags.multi != 0 })
        #expect(NetlinkHeader(messages[2])?.type == NetlinkMessageType.done)
    }
}
