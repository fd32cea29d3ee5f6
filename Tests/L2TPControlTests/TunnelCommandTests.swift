// SPDX-License-Identifier: GPL-2.0-only
// TUNNEL_CREATE, TUNNEL_DELETE, TUNNEL_MODIFY and TUNNEL_GET: required attributes in the order
// l2tp_nl_cmd_tunnel_create checks them, the errnos, and what reaches the encapsulation factory.

import Glibc
import L2TPControl
import L2TPCore
import L2TPNetlink
import L2TPTestSupport
import L2TPWire
import Testing

/// TUNNEL_CREATE encoded with the codec, leaving out `omitted`.
private func tunnelCreate(_ a: L2TPAttributes, omitting omitted: [L2TPAttr] = [], flags: UInt16 = IPRouteRequest.changeFlags)
    -> [UInt8]
{
    Requests.make(.tunnelCreate, a, order: L2TPMessageCodec.numericOrder.filter { !omitted.contains($0) }, flags: flags)
}

@Suite("TUNNEL_CREATE")
struct TunnelCreateTests {
    static let required: [L2TPAttr] = [.connID, .peerConnID, .protoVersion, .encapType]
    static let addresses: [L2TPAttr] = [.ipSaddr, .ipDaddr, .ip6Saddr, .ip6Daddr]

    @Test("ip l2tp add tunnel: ACK, the socket request, then publish and attach")
    func created() throws {
        let f = Fixture()
        let request = Requests.tunnelCreate(10, peer: 20, local: "192.0.2.1", remote: "192.0.2.2", sport: 1701,
                                            dport: 1702)
        f.expectSuccess(request)
        #expect(f.udp.requests == [
            UnmanagedTunnelRequest(
                local: IPAddress("192.0.2.1")!, peer: IPAddress("192.0.2.2")!, localPort: 1701, peerPort: 1702,
                udpChecksum: false, udp6ZeroChecksumTx: false, udp6ZeroChecksumRx: false)
        ])
        #expect(f.log.events == ["open tunnel 10", "publish", "attach tunnel 10"])
        #expect(f.control.tunnelCount == 1)
        let tunnel = try #require(f.datapath.table.tunnel(TunnelID(10)))
        #expect(tunnel.peerID == TunnelID(20))
        #expect(tunnel.version == .v3)
        #expect(tunnel.encap == .udp)
        #expect(f.ip.requests.isEmpty)
    }

    @Test("A missing CONN_ID, PEER_CONN_ID, PROTO_VERSION or ENCAP_TYPE is EINVAL, checked in that order",
          arguments: 0..<4)
    func missingRequired(index: Int) {
        let attribute = Self.required[index]
        // Alone: the one attribute is named.
        let f = Fixture()
        let alone = tunnelCreate(Requests.tunnelAttributes(10), omitting: [attribute])
        expectError(f.send(alone), answering: alone, EINVAL, attribute: attribute.cName)
        // Together with every later required attribute and the addresses: still this one, so it is
        // checked before them.
        let many = tunnelCreate(
            Requests.tunnelAttributes(10), omitting: Array(Self.required[index...]) + Self.addresses)
        expectError(f.send(many), answering: many, EINVAL, attribute: attribute.cName)
        #expect(f.udp.requests.isEmpty)
        #expect(f.control.tunnelCount == 0)
        #expect(f.datapath.publications == 0)
    }

    @Test("Without a complete address pair (and without FD) it is EINVAL", arguments: [
        [L2TPAttr](),
        [.ipSaddr],
        [.ipDaddr],
        [.ip6Saddr, .ipDaddr],
        [.ipSaddr, .ip6Daddr],
        [.ip6Saddr],
    ])
    func noAddressPair(present: [L2TPAttr]) {
        var a = Requests.tunnelAttributes(10)
        a.ip6Saddr = IPAddress("2001:db8::1")!
        a.ip6Daddr = IPAddress("2001:db8::2")!
        let request = tunnelCreate(a, omitting: Self.addresses.filter { !present.contains($0) })
        let f = Fixture()
        let out = f.send(request)
        expectError(out, answering: request, EINVAL)
        let names = attributeNames(in: out.error?.message)
        #expect(Set(names).isSuperset(of: Self.addresses.map(\.cName)), "\(out.error?.message ?? "")")
        #expect(f.udp.requests.isEmpty)
    }

    @Test("With both pairs the IPv6 pair wins; an incomplete IPv6 pair falls back to IPv4")
    func ipv6Wins() throws {
        let f = Fixture()
        var both = Requests.tunnelAttributes(10)
        both.ip6Saddr = IPAddress("2001:db8::1")!
        both.ip6Daddr = IPAddress("2001:db8::2")!
        f.expectSuccess(tunnelCreate(both))
        var halfV6 = Requests.tunnelAttributes(11)
        halfV6.ip6Saddr = IPAddress("2001:db8::1")!
        f.expectSuccess(tunnelCreate(halfV6))
        try #require(f.udp.requests.count == 2)
        #expect(f.udp.requests[0].local == IPAddress("2001:db8::1")!)
        #expect(f.udp.requests[0].peer == IPAddress("2001:db8::2")!)
        #expect(f.udp.requests[1].local == IPAddress("192.0.2.1")!)
        #expect(f.udp.requests[1].peer == IPAddress("192.0.2.2")!)
    }

    @Test("An ENCAP_TYPE other than UDP (0) or IP (1) is EINVAL, after the address check",
          arguments: [UInt16(2), 0xffff])
    func badEncap(encap: UInt16) {
        let f = Fixture()
        var a = Requests.tunnelAttributes(10)
        a.encapType = encap
        let request = tunnelCreate(a)
        expectError(f.send(request), answering: request, EINVAL, attribute: "L2TP_ATTR_ENCAP_TYPE")
        let noAddresses = tunnelCreate(a, omitting: Self.addresses)
        expectError(f.send(noAddresses), answering: noAddresses, EINVAL, attribute: "L2TP_ATTR_IP_SADDR")
        #expect(f.udp.requests.isEmpty && f.ip.requests.isEmpty)
    }

    @Test("A taken tunnel id is EEXIST before any socket is opened, whatever the encap or version")
    func duplicate() {
        let f = Fixture()
        f.addTunnel(10)
        f.log.clear()
        // The socket would fail too; the kernel's idr_alloc_u32 answers first.
        f.udp.failure = NetlinkError(EADDRINUSE, "cannot open the tunnel's UDP socket: Address already in use")
        f.ip.failure = f.udp.failure
        let again = Requests.tunnelCreate(10, peer: 99, local: "198.51.100.1", remote: "198.51.100.2")
        expectError(f.send(again), answering: again, EEXIST)
        let overIP = Requests.tunnelCreate(10, encap: .ip)
        expectError(f.send(overIP), answering: overIP, EEXIST)
        var v2 = Requests.tunnelAttributes(10)
        v2.protoVersion = 2
        let asV2 = tunnelCreate(v2)
        expectError(f.send(asV2), answering: asV2, EEXIST)
        #expect(f.udp.requests.count == 1)
        #expect(f.ip.requests.isEmpty)
        #expect(f.log.events.isEmpty)
        #expect(f.control.tunnelCount == 1)
    }

    @Test("The socket's errno passes through and nothing is registered", arguments: [EADDRINUSE, EADDRNOTAVAIL])
    func socketFailure(errno: Int32) {
        let f = Fixture()
        f.udp.failure = NetlinkError(errno, "cannot open the tunnel's UDP socket 192.0.2.1:1701 → 192.0.2.2:1702")
        let request = Requests.tunnelCreate(10)
        let out = f.send(request)
        expectError(out, answering: request, errno)
        #expect(ErrorReply(out.replies[0])?.message == f.udp.failure?.message)
        #expect(f.log.events == ["open tunnel 10 failed"])
        #expect(f.control.tunnelCount == 0)
        #expect(f.datapath.table.tunnel(TunnelID(10)) == nil)
        // The id is free again.
        f.udp.failure = nil
        f.expectSuccess(request)
        #expect(f.control.tunnelCount == 1)
    }

    @Test("L2TP_ATTR_FD without a socket passed along is EBADF, addresses or not")
    func managedTunnel() {
        let f = Fixture()
        var a = Requests.tunnelAttributes(10)
        a.fd = 3
        for request in [tunnelCreate(a), tunnelCreate(a, omitting: Self.addresses)] {
            expectError(f.send(request), answering: request, EBADF, attribute: "L2TP_ATTR_FD")
        }
        #expect(f.udp.requests.isEmpty)
        #expect(f.control.tunnelCount == 0)
    }

    @Test("l2tpd refuses what it cannot carry: PROTO_VERSION other than 2 or 3, v2 over IP, an unregistered encap")
    func unsupported() {
        let f = Fixture(registerIP: false)
        var v4 = Requests.tunnelAttributes(10)
        v4.protoVersion = 4
        let badVersion = tunnelCreate(v4)
        expectError(f.send(badVersion), answering: badVersion, EINVAL, attribute: "L2TP_ATTR_PROTO_VERSION")
        var v2 = Requests.tunnelAttributes(10, encap: .ip)
        v2.protoVersion = 2
        let v2OverIP = tunnelCreate(v2)
        expectError(f.send(v2OverIP), answering: v2OverIP, EPROTONOSUPPORT)
        let overIP = Requests.tunnelCreate(10, encap: .ip)
        expectError(f.send(overIP), answering: overIP, EPROTONOSUPPORT)
        #expect(f.control.tunnelCount == 0)
    }

    @Test("An L2TPv2 tunnel (not something iproute2 can ask for) is created over UDP")
    func v2Tunnel() throws {
        let f = Fixture()
        f.addV2Tunnel(7, peer: 8)
        let tunnel = try #require(f.udp.endpoint(7)?.tunnel)
        #expect(tunnel.version == .v2)
        #expect(tunnel.peerID == TunnelID(8))
    }

    @Test("UDP checksum options reach the socket request as the kernel reads them")
    func checksums() throws {
        let f = Fixture()
        f.expectSuccess(Requests.tunnelCreate(1, udpCsum: true))
        // iproute2 sends the IPv6 zero-checksum flags for IPv4 tunnels too; they mean nothing there.
        f.expectSuccess(Requests.tunnelCreate(2, zeroCsum6Tx: true, zeroCsum6Rx: true))
        f.expectSuccess(Requests.tunnelCreate(3, local: "2001:db8::1", remote: "2001:db8::2", zeroCsum6Tx: true))
        f.expectSuccess(Requests.tunnelCreate(4, local: "2001:db8::1", remote: "2001:db8::2", zeroCsum6Rx: true))
        let r = f.udp.requests
        try #require(r.count == 4)
        #expect(r[0].udpChecksum && !r[0].udp6ZeroChecksumTx && !r[0].udp6ZeroChecksumRx)
        #expect(!r[1].udpChecksum && !r[1].udp6ZeroChecksumTx && !r[1].udp6ZeroChecksumRx)
        #expect(r[2].udp6ZeroChecksumTx && !r[2].udp6ZeroChecksumRx)
        #expect(!r[3].udp6ZeroChecksumTx && r[3].udp6ZeroChecksumRx)
    }

    @Test("An attribute that fails the policy is refused with its offset (ERANGE for a short CONN_ID)")
    func policyFailure() throws {
        let f = Fixture()
        // CONN_ID with a 2-byte payload, by hand: nla_len 6, type 9.
        let request = le32(28) + le16(L2TPGenl.familyID) + le16(0x0005) + le32(3) + le32(0) + [1, 1, 0, 0]
            + le16(6) + le16(9) + [10, 0, 0, 0]
        let out = f.send(request)
        expectError(out, answering: request, ERANGE, attribute: "L2TP_ATTR_CONN_ID")
        #expect(ErrorReply(out.replies[0])?.offset == 20)
    }
}

@Suite("TUNNEL_DELETE, TUNNEL_MODIFY, TUNNEL_GET")
struct TunnelLookupTests {
    @Test("A missing CONN_ID is EINVAL; an unknown one is ENODEV",
          arguments: [L2TPCommand.tunnelDelete, .tunnelModify, .tunnelGet])
    func lookupErrors(command: L2TPCommand) {
        let f = Fixture()
        f.addTunnel(10)
        f.log.clear()
        let missing = Requests.make(command, Requests.ids(nil, 10))
        expectError(f.send(missing), answering: missing, EINVAL, attribute: "L2TP_ATTR_CONN_ID")
        let unknown = Requests.make(command, Requests.ids(11))
        expectError(f.send(unknown), answering: unknown, ENODEV)
        #expect(f.control.tunnelCount == 1)
        #expect(f.log.events.isEmpty)
    }

    @Test("TUNNEL_DELETE of a known tunnel: ACK, one notification, gone")
    func delete() {
        let f = Fixture()
        f.addTunnel(10)
        f.expectSuccess(Requests.tunnelDelete(10))
        #expect(f.control.tunnelCount == 0)
        #expect(f.datapath.table.tunnel(TunnelID(10)) == nil)
        let again = Requests.tunnelDelete(10)
        expectError(f.send(again), answering: again, ENODEV)
    }

    @Test("TUNNEL_MODIFY accepts DEBUG but replies keep DEBUG 0, as current kernels do")
    func modify() throws {
        let f = Fixture()
        f.addTunnel(10)
        var a = Requests.ids(10)
        a.debug = 7
        let out = f.expectSuccess(Requests.make(.tunnelModify, a))
        #expect(decode(out.notifications[0])?.attributes.debug == 0)
        let tunnel = try #require(f.udp.endpoint(10)?.tunnel)
        let debug = tunnel.debug.load(ordering: .relaxed)
        #expect(debug == 7)
    }

    @Test("TUNNEL_GET doit: the unicast reply, then the ACK only when NLM_F_ACK was set")
    func get() throws {
        let f = Fixture()
        f.addTunnel(10)
        let withAck = Requests.make(.tunnelGet, Requests.ids(10), sequence: 5)
        let out = f.send(withAck)
        let reply = Expected.tunnelMessage(Expected.tunnel(10), .tunnelGet, flags: NetlinkFlags.ack, sequence: 5)
        #expect(out.replies == [reply, ackBytes(answering: withAck, portID: Fixture.admin.portID)])
        #expect(out.notifications.isEmpty)
        #expect(out.error == nil)
        let withoutAck = Requests.make(.tunnelGet, Requests.ids(10), flags: NetlinkFlags.request, sequence: 5)
        #expect(f.send(withoutAck).replies == [reply])
    }
}
