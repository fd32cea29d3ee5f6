// SPDX-License-Identifier: GPL-2.0-only
// Tunnel and session replies in the kernel's exact attribute order and encoding, and decode(encode(x)) round trips.

import L2TPNetlink
import L2TPTestSupport
import L2TPWire
import Testing

@Suite("Reply encoding (l2tp_nl_tunnel_send / l2tp_nl_session_send)")
struct L2TPReplyEncodingTests {
    /// Distinct counter values, so a swapped pair shows.
    static let stats: L2TPStats = {
        var s = L2TPStats()
        s.txPackets = 1
        s.txBytes = 0x0102_0304_0506_0708
        s.txErrors = 3
        s.rxPackets = 4
        s.rxBytes = 5
        s.rxSeqDiscards = 6
        s.rxCookieDiscards = 7
        s.rxOOSPackets = 8
        s.rxErrors = 9
        s.rxInvalid = 10
        return s
    }()

    /// The STATS nest for `stats`, in the current kernel's order, with no NLA_F_NESTED bit.
    static let statsHex = """
        7c00 1e00                   // STATS: 4 + 10 * 12 = 124 bytes, type 30 without NLA_F_NESTED
        0c00 0100 01000000 00000000 // TX_PACKETS = 1
        0c00 0200 08070605 04030201 // TX_BYTES = 0x0102030405060708
        0c00 0300 03000000 00000000 // TX_ERRORS = 3
        0c00 0400 04000000 00000000 // RX_PACKETS = 4
        0c00 0500 05000000 00000000 // RX_BYTES = 5
        0c00 0600 06000000 00000000 // RX_SEQ_DISCARDS = 6
        0c00 0a00 07000000 00000000 // RX_COOKIE_DISCARDS = 7 (type 10, written before type 7)
        0c00 0700 08000000 00000000 // RX_OOS_PACKETS = 8
        0c00 0800 09000000 00000000 // RX_ERRORS = 9
        0c00 0b00 0a000000 00000000 // RX_INVALID = 10
        """

    static let zeroStatsHex = """
        7c00 1e00                   // STATS, 124 bytes
        0c00 0100 00000000 00000000 // TX_PACKETS
        0c00 0200 00000000 00000000 // TX_BYTES
        0c00 0300 00000000 00000000 // TX_ERRORS
        0c00 0400 00000000 00000000 // RX_PACKETS
        0c00 0500 00000000 00000000 // RX_BYTES
        0c00 0600 00000000 00000000 // RX_SEQ_DISCARDS
        0c00 0a00 00000000 00000000 // RX_COOKIE_DISCARDS
        0c00 0700 00000000 00000000 // RX_OOS_PACKETS
        0c00 0800 00000000 00000000 // RX_ERRORS
        0c00 0b00 00000000 00000000 // RX_INVALID
        """

    func tunnel(_ id: UInt32, _ peer: UInt32, encap: EncapType) -> L2TPAttributes {
        var a = L2TPAttributes()
        a.protoVersion = 3
        a.connID = id
        a.peerConnID = peer
        a.debug = 0
        a.encapType = encap.rawValue
        a.stats = L2TPStats()
        return a
    }

    /// Encodes with `order`, compares with `expected`, and checks that decoding gives `a` back.
    func check(_ command: L2TPCommand, _ a: L2TPAttributes, order: [L2TPAttr], flags: UInt16, sequence: UInt32,
               portID: UInt32, expected: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws
    {
        let bytes = L2TPMessageCodec.encode(command: command, attributes: a, order: order, flags: flags,
                                            sequence: sequence, portID: portID)
        #expect(bytes == expected, "\nours:\n\(hexDump(bytes))\nexpected:\n\(hexDump(expected))",
                sourceLocation: sourceLocation)
        let decoded = try L2TPMessageCodec.decode(bytes)
        let header = NetlinkHeader(length: UInt32(bytes.count), type: L2TPGenl.familyID, flags: flags,
                                   sequence: sequence, portID: portID)
        #expect(decoded == GenlMessage(header: header, command: command.rawValue, version: 1, attributes: a),
                sourceLocation: sourceLocation)
    }

    @Test("tunnel reply, UDP over IPv4 (TUNNEL_GET doit: NLM_F_ACK quirk)")
    func tunnelUDPv4() throws {
        var a = tunnel(1, 2, encap: .udp)
        a.stats = Self.stats
        a.udpCsum = 1
        a.udpSport = 1701
        a.udpDport = 1702
        a.ipSaddr = IPAddress("192.0.2.1")
        a.ipDaddr = IPAddress("192.0.2.2")
        let expected = hex(
            "e0000000 326c 0400 0b000000 e8030000",  // len 224, family 0x6c32, NLM_F_ACK, seq 11, pid 1000
            "04 01 0000",  // TUNNEL_GET v1
            "0500 0700 03 000000",  // PROTO_VERSION = 3
            "0800 0900 01000000",  // CONN_ID = 1
            "0800 0a00 02000000",  // PEER_CONN_ID = 2
            "0800 1100 00000000",  // DEBUG = 0
            "0600 0200 0000 0000",  // ENCAP_TYPE = UDP
            Self.statsHex,
            "0500 0d00 01 000000",  // UDP_CSUM = 1
            "0600 1a00 a506 0000",  // UDP_SPORT = 1701
            "0600 1b00 a606 0000",  // UDP_DPORT = 1702
            "0800 1800 c0000201",  // IP_SADDR
            "0800 1900 c0000202")  // IP_DADDR
        try check(.tunnelGet, a, order: L2TPMessageCodec.tunnelReplyOrder, flags: NetlinkFlags.ack, sequence: 11,
                  portID: 1000, expected: expected)
    }

    @Test("tunnel reply, UDP over IPv6 with both zero-checksum flags (dump entry)")
    func tunnelUDPv6() throws {
        var a = tunnel(10, 20, encap: .udp)
        a.udpZeroCsum6Tx = true
        a.udpZeroCsum6Rx = true
        a.udpSport = 1701
        a.udpDport = 1701
        a.ip6Saddr = IPAddress("fd00::a")
        a.ip6Daddr = IPAddress("fd00::b")
        let expected = hex(
            "f8000000 326c 0200 0c000000 e8030000",  // len 248, NLM_F_MULTI, seq 12
            "04 01 0000",  // TUNNEL_GET v1
            "0500 0700 03 000000",  // PROTO_VERSION = 3
            "0800 0900 0a000000",  // CONN_ID = 10
            "0800 0a00 14000000",  // PEER_CONN_ID = 20
            "0800 1100 00000000",  // DEBUG = 0
            "0600 0200 0000 0000",  // ENCAP_TYPE = UDP
            Self.zeroStatsHex,
            "0400 2100",  // UDP_ZERO_CSUM6_TX
            "0400 2200",  // UDP_ZERO_CSUM6_RX
            "0600 1a00 a506 0000",  // UDP_SPORT = 1701
            "0600 1b00 a506 0000",  // UDP_DPORT = 1701
            "1400 1f00 fd000000 00000000 00000000 0000000a",  // IP6_SADDR = fd00::a
            "1400 2000 fd000000 00000000 00000000 0000000b")  // IP6_DADDR = fd00::b
        try check(.tunnelGet, a, order: L2TPMessageCodec.tunnelReplyOrder, flags: NetlinkFlags.multi,
                  sequence: 12, portID: 1000, expected: expected)
    }

    @Test("tunnel reply, L2TP/IP over IPv4 (notification)")
    func tunnelIPv4() throws {
        var a = tunnel(5, 6, encap: .ip)
        a.ipSaddr = IPAddress("10.0.0.1")
        a.ipDaddr = IPAddress("10.0.0.2")
        let expected = hex(
            "c8000000 326c 0400 0d000000 00000000",  // len 200, NLM_F_ACK (notifications carry it), seq 13
            "01 01 0000",  // TUNNEL_CREATE v1
            "0500 0700 03 000000",  // PROTO_VERSION = 3
            "0800 0900 05000000",  // CONN_ID = 5
            "0800 0a00 06000000",  // PEER_CONN_ID = 6
            "0800 1100 00000000",  // DEBUG = 0
            "0600 0200 0100 0000",  // ENCAP_TYPE = IP
            Self.zeroStatsHex,
            "0800 1800 0a000001",  // IP_SADDR = 10.0.0.1
            "0800 1900 0a000002")  // IP_DADDR = 10.0.0.2
        try check(.tunnelCreate, a, order: L2TPMessageCodec.tunnelReplyOrder, flags: NetlinkFlags.ack,
                  sequence: 13, portID: 0, expected: expected)
    }

    @Test("tunnel reply, L2TP/IP over IPv6")
    func tunnelIPv6() throws {
        var a = tunnel(7, 8, encap: .ip)
        a.protoVersion = 3
        a.ip6Saddr = IPAddress("2001:db8::7")
        a.ip6Daddr = IPAddress("2001:db8::8")
        let expected = hex(
            "e0000000 326c 0200 0e000000 e8030000",  // len 224, NLM_F_MULTI, seq 14
            "04 01 0000",  // TUNNEL_GET v1
            "0500 0700 03 000000",  // PROTO_VERSION = 3
            "0800 0900 07000000",  // CONN_ID = 7
            "0800 0a00 08000000",  // PEER_CONN_ID = 8
            "0800 1100 00000000",  // DEBUG = 0
            "0600 0200 0100 0000",  // ENCAP_TYPE = IP
            Self.zeroStatsHex,
            "1400 1f00 20010db8 00000000 00000000 00000007",  // IP6_SADDR
            "1400 2000 20010db8 00000000 00000000 00000008")  // IP6_DADDR
        try check(.tunnelGet, a, order: L2TPMessageCodec.tunnelReplyOrder, flags: NetlinkFlags.multi,
                  sequence: 14, portID: 1000, expected: expected)
    }

    @Test("session reply with ifname, cookies, recv_timeout and stats (SESSION_GET doit: flags 0)")
    func session() throws {
        var a = L2TPAttributes()
        a.connID = 1
        a.sessionID = 10
        a.peerConnID = 2
        a.peerSessionID = 20
        a.debug = 0
        a.pwType = PseudowireType.eth.rawValue
        a.ifname = "l2tpeth0"
        a.cookie = [0xde, 0xad, 0xbe, 0xef]
        a.peerCookie = [1, 2, 3, 4, 5, 6, 7, 8]
        a.recvSeq = 1
        a.sendSeq = 0
        a.lnsMode = 0
        a.recvTimeout = 300
        a.stats = Self.stats
        let expected = hex(
            "08010000 326c 0000 0f000000 e8030000",  // len 264, flags 0, seq 15, pid 1000
            "08 01 0000",  // SESSION_GET v1
            "0800 0900 01000000",  // CONN_ID = 1
            "0800 0b00 0a000000",  // SESSION_ID = 10
            "0800 0a00 02000000",  // PEER_CONN_ID = 2
            "0800 0c00 14000000",  // PEER_SESSION_ID = 20
            "0800 1100 00000000",  // DEBUG = 0
            "0600 0100 0500 0000",  // PW_TYPE = ETH
            "0d00 0800 6c327470 65746830 00 000000",  // IFNAME = "l2tpeth0\0"
            "0800 0f00 deadbeef",  // COOKIE
            "0c00 1000 01020304 05060708",  // PEER_COOKIE
            "0500 1200 01 000000",  // RECV_SEQ = 1
            "0500 1300 00 000000",  // SEND_SEQ = 0
            "0500 1400 00 000000",  // LNS_MODE = 0
            "0c00 1600 2c010000 00000000",  // RECV_TIMEOUT = 300 ms
            Self.statsHex)
        try check(.sessionGet, a, order: L2TPMessageCodec.sessionReplyOrder, flags: 0, sequence: 15,
                  portID: 1000, expected: expected)
    }

    @Test("session reply: fields outside the order are not written")
    func orderFilters() throws {
        var a = L2TPAttributes()
        a.connID = 1
        a.sessionID = 2
        a.l2specType = 1  // not in session replies
        a.protoVersion = 3  // not in session replies
        let bytes = L2TPMessageCodec.encode(command: .sessionGet, attributes: a,
                                            order: L2TPMessageCodec.sessionReplyOrder, flags: 0, sequence: 1,
                                            portID: 0)
        #expect(bytes == hex("24000000 326c 0000 01000000 00000000", "08 01 0000",
                             "0800 0900 01000000", "0800 0b00 02000000"))
    }

    @Test("the orders are the kernel's")
    func orders() {
        #expect(L2TPMessageCodec.statsOrder.map(\.rawValue) == [1, 2, 3, 4, 5, 6, 10, 7, 8, 11])
        #expect(L2TPMessageCodec.tunnelReplyOrder.map(\.rawValue)
                    == [7, 9, 10, 17, 2, 30, 13, 33, 34, 26, 27, 24, 25, 31, 32])
        #expect(L2TPMessageCodec.sessionReplyOrder.map(\.rawValue)
                    == [9, 11, 10, 12, 17, 1, 8, 15, 16, 18, 19, 20, 21, 22, 30])
    }

    @Test("every field survives decode(encode(x)) in numeric order, custom family and version")
    func fullRoundTrip() throws {
        var a = L2TPAttributes()
        a.pwType = 7
        a.encapType = 1
        a.offset = 3
        a.dataSeq = 2
        a.l2specType = 0
        a.l2specLen = 0
        a.protoVersion = 2
        a.ifname = "ppp-15-chars-ok"
        a.connID = 0xffff_ffff
        a.peerConnID = 1
        a.sessionID = 2
        a.peerSessionID = 3
        a.udpCsum = 0
        a.vlanID = 100
        a.cookie = []
        a.peerCookie = [9]
        a.debug = 0xff
        a.recvSeq = 1
        a.sendSeq = 1
        a.lnsMode = 1
        a.usingIPsec = 1
        a.recvTimeout = .max
        a.fd = 17
        a.ipSaddr = IPAddress("0.0.0.0")
        a.ipDaddr = IPAddress("255.255.255.255")
        a.udpSport = 0
        a.udpDport = 65535
        a.mtu = 1500
        a.mru = 1400
        a.stats = Self.stats
        a.ip6Saddr = IPAddress("::")
        a.ip6Daddr = IPAddress("ff02::1")
        a.udpZeroCsum6Tx = true
        a.udpZeroCsum6Rx = true
        let bytes = L2TPMessageCodec.encode(command: .sessionModify, attributes: a,
                                            order: L2TPMessageCodec.numericOrder, flags: 5, sequence: 9,
                                            portID: 8, familyID: 0x2a, version: 3)
        let decoded = try L2TPMessageCodec.decode(bytes)
        #expect(decoded.attributes == a)
        #expect(decoded.header == NetlinkHeader(length: UInt32(bytes.count), type: 0x2a, flags: 5, sequence: 9,
                                                portID: 8))
        #expect(decoded.command == L2TPCommand.sessionModify.rawValue)
        #expect(decoded.l2tpCommand == .sessionModify)
        #expect(decoded.version == 3)
        #expect(bytes.count % 4 == 0)
    }
}
