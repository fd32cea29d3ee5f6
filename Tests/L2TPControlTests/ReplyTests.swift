// SPDX-License-Identifier: GPL-2.0-only
// What comes back: GET replies byte for byte in the kernel's order and header flags, NOOP, the
// permission check, when ACKs are sent, and how one datagram with several nlmsgs is answered.

import Glibc
import L2TPControl
import L2TPCore
import L2TPNetlink
import L2TPTestSupport
import L2TPWire
import Testing

@Suite("GET replies")
struct GetReplyTests {
    /// Tunnel 10 (IPv4 UDP, udp_csum on) with session 100, and traffic on both: tx 3 packets of 258
    /// bytes and 1 error, one delivered packet, one with the wrong version (tunnel rx_invalid) and one
    /// with the wrong cookie (session rx_cookie_discards and rx_errors).
    static func fixtureWithTraffic() throws -> (Fixture, Session) {
        let f = Fixture()
        f.expectSuccess(Requests.tunnelCreate(10, peer: 11, sport: 1701, dport: 1702, udpCsum: true))
        var a = Requests.sessionAttributes(10, 100)
        a.cookie = [1, 2, 3, 4]
        a.peerCookie = [0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8]
        a.recvSeq = 1
        a.sendSeq = 1
        a.lnsMode = 1
        a.recvTimeout = 250
        f.expectSuccess(Requests.make(.sessionCreate, a))
        let session = try #require(f.eth.session(10, 100))
        session.countTransmitted(packets: 3, bytes: 258)
        session.countTransmitErrors(1)
        #expect(Traffic.receive(Traffic.inbound(to: session, ns: 0), by: session) == nil)
        #expect(Traffic.receive(Traffic.wrongVersion(to: session), by: session) == .versionMismatch)
        #expect(Traffic.receive(Traffic.inbound(to: session, ns: 1, cookie: Cookie(bytes: [0, 0, 0, 0, 0, 0, 0, 0])),
                                by: session) == .cookieMismatch)
        return (f, session)
    }

    @Test("TUNNEL_GET doit, IPv4 UDP: NLM_F_ACK, the kernel's order, STATS before the addresses")
    func tunnelIPv4UDP() throws {
        let (f, _) = try Self.fixtureWithTraffic()
        let out = f.send(Requests.make(.tunnelGet, Requests.ids(10), flags: NetlinkFlags.request, sequence: 9))
        let expected = hex("""
            e0000000 326c 0400 09000000 34120000  // len 224, l2tp, NLM_F_ACK, seq 9, port 0x1234
            04 01 0000                            // TUNNEL_GET, version 1
            0500 0700 03000000                    // PROTO_VERSION 3
            0800 0900 0a000000                    // CONN_ID 10
            0800 0a00 0b000000                    // PEER_CONN_ID 11
            0800 1100 00000000                    // DEBUG 0
            0600 0200 0000 0000                   // ENCAP_TYPE UDP
            7c00 1e00                             // STATS
            0c00 0100 03000000 00000000           //   TX_PACKETS 3
            0c00 0200 02010000 00000000           //   TX_BYTES 258
            0c00 0300 01000000 00000000           //   TX_ERRORS 1
            0c00 0400 01000000 00000000           //   RX_PACKETS 1
            0c00 0500 28000000 00000000           //   RX_BYTES 40 (L2TP header included)
            0c00 0600 00000000 00000000           //   RX_SEQ_DISCARDS
            0c00 0a00 00000000 00000000           //   RX_COOKIE_DISCARDS (session level only)
            0c00 0700 00000000 00000000           //   RX_OOS_PACKETS
            0c00 0800 00000000 00000000           //   RX_ERRORS (session level only)
            0c00 0b00 01000000 00000000           //   RX_INVALID 1
            0500 0d00 01000000                    // UDP_CSUM 1
            0600 1a00 a506 0000                   // UDP_SPORT 1701
            0600 1b00 a606 0000                   // UDP_DPORT 1702
            0800 1800 c0000201                    // IP_SADDR 192.0.2.1
            0800 1900 c0000202                    // IP_DADDR 192.0.2.2
            """)
        #expect(out.replies == [expected], "\(out.replies.map(hexDump))")
    }

    @Test("SESSION_GET doit: flags 0, IFNAME and cookies, RECV_TIMEOUT, no L2SPEC_TYPE/ENCAP/PROTO_VERSION")
    func session() throws {
        let (f, _) = try Self.fixtureWithTraffic()
        let out = f.send(Requests.make(.sessionGet, Requests.ids(10, 100), flags: NetlinkFlags.request, sequence: 10))
        let expected = hex("""
            08010000 326c 0000 0a000000 34120000  // len 264, l2tp, flags 0, seq 10, port 0x1234
            08 01 0000                            // SESSION_GET, version 1
            0800 0900 0a000000                    // CONN_ID 10
            0800 0b00 64000000                    // SESSION_ID 100
            0800 0a00 0b000000                    // PEER_CONN_ID 11
            0800 0c00 65000000                    // PEER_SESSION_ID 101
            0800 1100 00000000                    // DEBUG 0
            0600 0100 0500 0000                   // PW_TYPE ETH
            0d00 0800 6c327470 65746830 00000000  // IFNAME "l2tpeth0"
            0800 0f00 01020304                    // COOKIE
            0c00 1000 a1a2a3a4 a5a6a7a8           // PEER_COOKIE
            0500 1200 01000000                    // RECV_SEQ 1
            0500 1300 01000000                    // SEND_SEQ 1
            0500 1400 01000000                    // LNS_MODE 1
            0c00 1600 fa000000 00000000           // RECV_TIMEOUT 250 ms
            7c00 1e00                             // STATS
            0c00 0100 03000000 00000000           //   TX_PACKETS 3
            0c00 0200 02010000 00000000           //   TX_BYTES 258
            0c00 0300 01000000 00000000           //   TX_ERRORS 1
            0c00 0400 01000000 00000000           //   RX_PACKETS 1
            0c00 0500 28000000 00000000           //   RX_BYTES 40
            0c00 0600 00000000 00000000           //   RX_SEQ_DISCARDS
            0c00 0a00 01000000 00000000           //   RX_COOKIE_DISCARDS 1
            0c00 0700 00000000 00000000           //   RX_OOS_PACKETS
            0c00 0800 01000000 00000000           //   RX_ERRORS 1
            0c00 0b00 00000000 00000000           //   RX_INVALID
            """)
        #expect(out.replies == [expected], "\(out.replies.map(hexDump))")
        // With NLM_F_ACK the same reply is followed by the ACK.
        let request = Requests.make(.sessionGet, Requests.ids(10, 100), sequence: 10)
        #expect(f.send(request).replies == [expected, ackBytes(answering: request, portID: Fixture.admin.portID)])
    }

    @Test("TUNNEL_GET doit, IPv6 UDP: zero-checksum flags first, no UDP_CSUM")
    func tunnelIPv6UDP() {
        let f = Fixture()
        f.expectSuccess(Requests.tunnelCreate(30, peer: 31, local: "2001:db8::1", remote: "2001:db8::2",
                                              zeroCsum6Tx: true))
        let out = f.send(Requests.make(.tunnelGet, Requests.ids(30), flags: NetlinkFlags.request, sequence: 11))
        let expected = hex("""
            f4000000 326c 0400 0b000000 34120000  // len 244, l2tp, NLM_F_ACK, seq 11
            04 01 0000                            // TUNNEL_GET
            0500 0700 03000000                    // PROTO_VERSION 3
            0800 0900 1e000000                    // CONN_ID 30
            0800 0a00 1f000000                    // PEER_CONN_ID 31
            0800 1100 00000000                    // DEBUG 0
            0600 0200 0000 0000                   // ENCAP_TYPE UDP
            7c00 1e00                             // STATS, all zero
            0c00 0100 00000000 00000000
            0c00 0200 00000000 00000000
            0c00 0300 00000000 00000000
            0c00 0400 00000000 00000000
            0c00 0500 00000000 00000000
            0c00 0600 00000000 00000000
            0c00 0a00 00000000 00000000
            0c00 0700 00000000 00000000
            0c00 0800 00000000 00000000
            0c00 0b00 00000000 00000000
            0400 2100                             // UDP_ZERO_CSUM6_TX (flag)
            0600 1a00 a506 0000                   // UDP_SPORT 1701
            0600 1b00 a606 0000                   // UDP_DPORT 1702
            1400 1f00 20010db8 00000000 00000000 00000001  // IP6_SADDR 2001:db8::1
            1400 2000 20010db8 00000000 00000000 00000002  // IP6_DADDR 2001:db8::2
            """)
        #expect(out.replies == [expected], "\(out.replies.map(hexDump))")
    }

    @Test("TUNNEL_GET doit, IP encap: addresses only, no ports or checksum attributes")
    func tunnelIP() throws {
        let f = Fixture()
        f.expectSuccess(Requests.tunnelCreate(40, encap: .ip, local: "192.0.2.1", remote: "192.0.2.2"))
        f.expectSuccess(Requests.tunnelCreate(41, encap: .ip, local: "2001:db8::1", remote: "2001:db8::2"))
        for (id, local, remote) in [(UInt32(40), "192.0.2.1", "192.0.2.2"), (41, "2001:db8::1", "2001:db8::2")] {
            let out = f.send(Requests.make(.tunnelGet, Requests.ids(id), flags: NetlinkFlags.request, sequence: 12))
            let expected = Expected.tunnel(id, encap: .ip, local: local, remote: remote)
            #expect(out.replies == [Expected.tunnelMessage(expected, .tunnelGet, flags: NetlinkFlags.ack, sequence: 12)])
            let a = try #require(decode(out.replies[0])?.attributes)
            #expect(a.udpSport == nil && a.udpDport == nil && a.udpCsum == nil)
            #expect(!a.udpZeroCsum6Tx && !a.udpZeroCsum6Rx)
        }
        let reply = f.send(Requests.make(.tunnelGet, Requests.ids(40), flags: NetlinkFlags.request)).replies
        #expect(reply.first?.count == 200, "20 + PROTO_VERSION..ENCAP_TYPE 40 + STATS 124 + two addresses 16")
    }

    @Test("RECV_TIMEOUT is left out when 0; COOKIE, PEER_COOKIE and IFNAME when empty")
    func omittedWhenEmpty() throws {
        let f = Fixture()
        f.addTunnel(10)
        f.addSession(10, 100)
        let session = try #require(f.eth.session(10, 100))
        (session.device as? FakeDevice)?.interfaceName = nil  // a pseudowire without an interface name
        let out = f.send(Requests.make(.sessionGet, Requests.ids(10, 100), flags: NetlinkFlags.request, sequence: 3))
        #expect(out.replies == [Expected.sessionMessage(Expected.session(10, 100), .sessionGet, flags: 0, sequence: 3)])
        let a = try #require(decode(out.replies[0])?.attributes)
        #expect(a.recvTimeout == nil && a.cookie == nil && a.peerCookie == nil && a.ifname == nil)
        #expect(a.l2specType == nil && a.encapType == nil && a.protoVersion == nil && a.usingIPsec == nil)
        #expect(a.recvSeq == 0 && a.sendSeq == 0 && a.lnsMode == 0)
    }
}

@Suite("Permissions, ACKs and framing")
struct RequestHandlingTests {
    @Test("NOOP is answered with an empty NOOP, even without CAP_NET_ADMIN")
    func noop() {
        let f = Fixture()
        let request = Requests.make(.noop, L2TPAttributes(), order: [], sequence: 12)
        let out = f.send(request, as: Fixture.user)
        let reply = hex("""
            14000000 326c 0000 0c000000 78560000  // len 20, l2tp, flags 0, seq 12, port 0x5678
            00 01 0000                            // L2TP_CMD_NOOP, version 1, no attributes
            """)
        #expect(out.replies == [reply, ackBytes(answering: request, portID: Fixture.user.portID)])
        #expect(out.error == nil)
        let quiet = Requests.make(.noop, L2TPAttributes(), order: [], flags: NetlinkFlags.request, sequence: 12)
        #expect(f.send(quiet, as: Fixture.user).replies == [reply])
    }

    /// Every command but NOOP, well-formed and naming existing objects, doit and (for GETs) dump.
    static let privileged: [(L2TPCommand, Bool)] = [
        (.tunnelCreate, false), (.tunnelDelete, false), (.tunnelModify, false), (.tunnelGet, false),
        (.tunnelGet, true), (.sessionCreate, false), (.sessionDelete, false), (.sessionModify, false),
        (.sessionGet, false), (.sessionGet, true),
    ]

    @Test("Without CAP_NET_ADMIN every other command is EPERM, GETs and dumps included", arguments: privileged)
    func permission(command: L2TPCommand, dump: Bool) {
        let f = Fixture()
        f.addTunnel(10)
        f.addSession(10, 100)
        f.log.clear()
        var a: L2TPAttributes
        switch command {
        case .tunnelCreate: a = Requests.tunnelAttributes(20)
        case .sessionCreate: a = Requests.sessionAttributes(10, 101)
        case .tunnelDelete, .tunnelModify, .tunnelGet: a = Requests.ids(10)
        default: a = Requests.ids(10, 100)
        }
        let flags = dump ? IPRouteRequest.dumpFlags : IPRouteRequest.changeFlags
        let request = Requests.make(command, a, flags: flags)
        expectError(f.send(request, as: Fixture.user), answering: request, EPERM, portID: Fixture.user.portID)
        // The permission is checked before the attributes: a malformed one does not change the answer.
        let malformed = request + le16(6) + le16(L2TPAttr.connID.rawValue) + [1, 0, 0, 0]
        var fixed = malformed
        fixed.replaceSubrange(0..<4, with: le32(UInt32(malformed.count)))
        expectError(f.send(fixed, as: Fixture.user), answering: fixed, EPERM, portID: Fixture.user.portID)
        #expect(f.log.events.isEmpty)
        #expect(f.control.tunnelCount == 1 && f.control.sessionCount == 1)
    }

    @Test("A change without NLM_F_ACK gets no ACK (the notification still goes out); an error is always answered")
    func ackOnlyWhenAsked() {
        let f = Fixture()
        var create = Requests.tunnelCreate(10)
        create.replaceSubrange(6..<8, with: le16(NetlinkFlags.request))
        let out = f.send(create)
        #expect(out.replies.isEmpty)
        #expect(out.notifications.count == 1)
        #expect(f.control.tunnelCount == 1)
        let again = f.send(create)
        #expect(again.replies.count == 1)
        #expect(ErrorReply(again.replies[0])?.errno == EEXIST)
    }

    @Test("A message without NLM_F_REQUEST is not processed; it is only ACKed if it asks for that")
    func notARequest() {
        let f = Fixture()
        var silent = Requests.tunnelCreate(10)
        silent.replaceSubrange(6..<8, with: le16(0))
        #expect(f.send(silent).replies.isEmpty)
        var acked = Requests.tunnelCreate(10)
        acked.replaceSubrange(6..<8, with: le16(NetlinkFlags.ack))
        let out = f.send(acked)
        #expect(out.replies == [ackBytes(answering: acked, portID: Fixture.admin.portID)])
        #expect(out.notifications.isEmpty)
        #expect(f.control.tunnelCount == 0)
        #expect(f.log.events.isEmpty)
    }

    @Test("Reserved control types (below NLMSG_MIN_TYPE) are skipped, and ACKed when asked", arguments: [
        UInt16(0), 1, 2, 3, 4, 5, 0x0f,
    ])
    func controlTypes(type: UInt16) {
        let f = Fixture()
        var message = le32(20) + le16(type) + le16(NetlinkFlags.request | NetlinkFlags.ack) + le32(4) + le32(0)
        message += [1, 1, 0, 0]
        #expect(f.send(message).replies == [ackBytes(answering: message, portID: Fixture.admin.portID)])
        message.replaceSubrange(6..<8, with: le16(NetlinkFlags.request))
        let out = f.send(message)
        #expect(out.replies.isEmpty)
        #expect(out.error == nil)
    }

    @Test("Several nlmsgs in one datagram are each answered, in order")
    func severalMessages() throws {
        let f = Fixture()
        let create = Requests.tunnelCreate(1, sequence: 1)
        let duplicate = Requests.tunnelCreate(1, sequence: 2)
        let get = Requests.make(.tunnelGet, Requests.ids(1), flags: NetlinkFlags.request, sequence: 3)
        let noop = Requests.make(.noop, L2TPAttributes(), order: [], sequence: 4)
        let out = f.send(create + duplicate + get + noop)
        try #require(out.replies.count == 5)
        #expect(out.replies[0] == ackBytes(answering: create, portID: Fixture.admin.portID))
        #expect(ErrorReply(out.replies[1])?.errno == EEXIST)
        #expect(ErrorReply(out.replies[1])?.echoed == duplicate)
        #expect(out.replies[2] == Expected.tunnelMessage(Expected.tunnel(1), .tunnelGet, flags: NetlinkFlags.ack,
                                                         sequence: 3))
        #expect(NetlinkHeader(out.replies[3])?.sequence == 4)
        #expect(out.replies[4] == ackBytes(answering: noop, portID: Fixture.admin.portID))
        #expect(out.notifications.count == 1)
        #expect(out.error?.errno == EEXIST)
    }

    @Test("An nlmsg_len that is not a multiple of 4 is padded to the next message")
    func unalignedLength() {
        let f = Fixture()
        f.addTunnel(1)
        // NOOP with one stray byte: nlmsg_len 21, then 3 bytes of padding.
        let noop = le32(21) + le16(L2TPGenl.familyID) + le16(0x0005) + le32(5) + le32(0) + [0, 1, 0, 0] + [0xee]
        let delete = Requests.tunnelDelete(1, sequence: 6)
        let out = f.send(noop + [0, 0, 0] + delete)
        #expect(out.replies.count == 3)
        #expect(out.replies.last == ackBytes(answering: delete, portID: Fixture.admin.portID))
        #expect(f.control.tunnelCount == 0)
    }

    @Test("A header that does not fit ends the walk; the messages before it are still answered")
    func brokenFraming() {
        let f = Fixture()
        let create = Requests.tunnelCreate(1)
        var broken = Requests.tunnelDelete(1, sequence: 2)
        broken.replaceSubrange(0..<4, with: le32(1000))
        let out = f.send(create + broken)
        #expect(out.replies == [ackBytes(answering: create, portID: Fixture.admin.portID)])
        #expect(out.error?.errno == EINVAL)
        #expect(f.control.tunnelCount == 1)
        // Shorter than a header, or an nlmsg_len below 16: nothing to answer.
        #expect(f.send([1, 2, 3]).replies.isEmpty)
        #expect(f.send(le32(8) + [UInt8](repeating: 0, count: 12)).replies.isEmpty)
        // Fewer than 16 bytes after the last message are ignored.
        let get = Requests.make(.tunnelGet, Requests.ids(1), flags: NetlinkFlags.request)
        let trailing = f.send(get + [0, 0, 0, 0, 0, 0, 0, 0])
        #expect(trailing.replies.count == 1)
        #expect(trailing.error == nil)
    }

    @Test("NLM_F_DUMP on a command without a dump is EOPNOTSUPP, and nothing changes",
          arguments: [L2TPCommand.noop, .tunnelCreate, .tunnelDelete, .tunnelModify, .sessionCreate, .sessionDelete,
                      .sessionModify])
    func dumpOfChange(command: L2TPCommand) {
        let f = Fixture()
        f.addTunnel(10)
        f.addSession(10, 100)
        f.log.clear()
        var a: L2TPAttributes
        switch command {
        case .tunnelCreate: a = Requests.tunnelAttributes(20)
        case .sessionCreate: a = Requests.sessionAttributes(10, 101)
        case .tunnelDelete, .tunnelModify: a = Requests.ids(10)
        default: a = Requests.ids(10, 100)
        }
        let request = Requests.make(command, a, flags: IPRouteRequest.dumpFlags | NetlinkFlags.ack)
        expectError(f.send(request), answering: request, EOPNOTSUPP)
        #expect(f.log.events.isEmpty)
        #expect(f.control.tunnelCount == 1 && f.control.sessionCount == 1)
    }

    @Test("An unknown command is EOPNOTSUPP, for anyone; a message too short for genlmsghdr is EINVAL")
    func unknownCommand() {
        let f = Fixture()
        var request = Requests.make(.noop, L2TPAttributes(), order: [])
        request[16] = 99
        expectError(f.send(request), answering: request, EOPNOTSUPP)
        expectError(f.send(request, as: Fixture.user), answering: request, EOPNOTSUPP, portID: Fixture.user.portID)
        let short = le32(16) + le16(L2TPGenl.familyID) + le16(0x0005) + le32(1) + le32(0)
        expectError(f.send(short), answering: short, EINVAL)
    }
}
