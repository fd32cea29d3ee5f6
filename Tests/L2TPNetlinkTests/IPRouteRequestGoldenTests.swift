// SPDX-License-Identifier: GPL-2.0-only
// Golden bytes for every IPRouteRequest builder, written by hand from the netlink TLV layout (x86-64, little endian).

import L2TPNetlink
import L2TPTestSupport
import L2TPWire
import Testing

@Suite("IPRouteRequest golden bytes (hand-derived)")
struct IPRouteRequestGoldenTests {
    func expectBytes(_ ours: [UInt8], _ expected: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(ours == expected, "\nours:\n\(hexDump(ours))\nexpected:\n\(hexDump(expected))",
                sourceLocation: sourceLocation)
    }

    @Test("tunnel create, UDP/IPv4, udp_csum on")
    func tunnelCreateUDPv4() {
        var a = L2TPAttributes()
        a.connID = 1
        a.peerConnID = 2
        a.ipSaddr = IPAddress("192.0.2.1")
        a.ipDaddr = IPAddress("192.0.2.2")
        a.udpSport = 5000
        a.udpDport = 6000
        a.udpCsum = 1
        let expected = hex(
            "5c000000 1c00 0500 44332211 00000000",  // nlmsghdr: len 92, family 0x1c, REQUEST|ACK, seq, pid 0
            "01 01 0000",  // genlmsghdr: TUNNEL_CREATE, version 1
            "0800 0900 01000000",  // CONN_ID = 1
            "0800 0a00 02000000",  // PEER_CONN_ID = 2
            "0500 0700 03 000000",  // PROTO_VERSION = 3, 3 bytes pad
            "0600 0200 0000 0000",  // ENCAP_TYPE = UDP
            "0800 1800 c0000201",  // IP_SADDR = 192.0.2.1 (network order)
            "0800 1900 c0000202",  // IP_DADDR = 192.0.2.2
            "0600 1a00 8813 0000",  // UDP_SPORT = 5000
            "0600 1b00 7017 0000",  // UDP_DPORT = 6000
            "0500 0d00 01 000000")  // UDP_CSUM = 1
        expectBytes(IPRouteRequest.tunnelCreate(a, familyID: 0x1c, sequence: 0x1122_3344), expected)
    }

    @Test("tunnel create, UDP/IPv6, udp6_csum_tx off")
    func tunnelCreateUDPv6() {
        var a = L2TPAttributes()
        a.connID = 3
        a.peerConnID = 4
        a.ip6Saddr = IPAddress("2001:db8::1")
        a.ip6Daddr = IPAddress("2001:db8::2")
        a.udpSport = 1701
        a.udpDport = 1702
        a.udpZeroCsum6Tx = true
        let expected = hex(
            "70000000 1c00 0500 01000000 00000000",  // len 112, REQUEST|ACK, seq 1
            "01 01 0000",  // TUNNEL_CREATE v1
            "0800 0900 03000000",  // CONN_ID = 3
            "0800 0a00 04000000",  // PEER_CONN_ID = 4
            "0500 0700 03 000000",  // PROTO_VERSION = 3
            "0600 0200 0000 0000",  // ENCAP_TYPE = UDP
            "1400 1f00 20010db8 00000000 00000000 00000001",  // IP6_SADDR = 2001:db8::1
            "1400 2000 20010db8 00000000 00000000 00000002",  // IP6_DADDR = 2001:db8::2
            "0600 1a00 a506 0000",  // UDP_SPORT = 1701
            "0600 1b00 a606 0000",  // UDP_DPORT = 1702
            "0400 2100")  // UDP_ZERO_CSUM6_TX (flag, no payload)
        expectBytes(IPRouteRequest.tunnelCreate(a, familyID: 0x1c, sequence: 1), expected)
    }

    @Test("tunnel create, L2TP/IP over IPv4: no UDP attributes")
    func tunnelCreateIP() {
        var a = L2TPAttributes()
        a.connID = 5
        a.peerConnID = 6
        a.encapType = EncapType.ip.rawValue
        a.ipSaddr = IPAddress("198.51.100.1")
        a.ipDaddr = IPAddress("198.51.100.2")
        a.udpSport = 99  // ignored for IP encap, as iproute2 does
        let expected = hex(
            "44000000 2000 0500 02000000 00000000",  // len 68, family 0x20, REQUEST|ACK, seq 2
            "01 01 0000",  // TUNNEL_CREATE v1
            "0800 0900 05000000",  // CONN_ID = 5
            "0800 0a00 06000000",  // PEER_CONN_ID = 6
            "0500 0700 03 000000",  // PROTO_VERSION = 3
            "0600 0200 0100 0000",  // ENCAP_TYPE = IP
            "0800 1800 c6336401",  // IP_SADDR = 198.51.100.1
            "0800 1900 c6336402")  // IP_DADDR = 198.51.100.2
        expectBytes(IPRouteRequest.tunnelCreate(a, familyID: 0x20, sequence: 2), expected)
    }

    @Test("tunnel delete")
    func tunnelDelete() {
        let expected = hex(
            "1c000000 1c00 0500 03000000 00000000",  // len 28, REQUEST|ACK, seq 3
            "02 01 0000",  // TUNNEL_DELETE v1
            "0800 0900 ffffffff")  // CONN_ID = 4294967295
        expectBytes(IPRouteRequest.tunnelDelete(tunnelID: .max, familyID: 0x1c, sequence: 3), expected)
    }

    @Test("session create with name, cookies, seq both, l2spec_type none")
    func sessionCreate() {
        var a = L2TPAttributes()
        a.connID = 1
        a.sessionID = 10
        a.peerSessionID = 20
        a.cookie = [1, 2, 3, 4]
        a.peerCookie = [0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11]
        a.ifname = "l2tpeth7"
        a.recvSeq = 1
        a.sendSeq = 1
        a.l2specType = 0
        let expected = hex(
            "80000000 1c00 0500 04000000 00000000",  // len 128, REQUEST|ACK, seq 4
            "05 01 0000",  // SESSION_CREATE v1
            "0800 0900 01000000",  // CONN_ID = 1
            "0800 0a00 00000000",  // PEER_CONN_ID = 0 (iproute2 always sends it)
            "0800 0b00 0a000000",  // SESSION_ID = 10
            "0800 0c00 14000000",  // PEER_SESSION_ID = 20
            "0600 0100 0500 0000",  // PW_TYPE = ETH
            "0500 0500 00 000000",  // L2SPEC_TYPE = NONE
            "0500 0600 00 000000",  // L2SPEC_LEN = 0
            "0500 1200 01 000000",  // RECV_SEQ = 1
            "0500 1300 01 000000",  // SEND_SEQ = 1
            "0800 0f00 01020304",  // COOKIE (4 bytes)
            "0c00 1000 0a0b0c0d 0e0f1011",  // PEER_COOKIE (8 bytes)
            "0d00 0800 6c327470 65746837 00 000000")  // IFNAME "l2tpeth7\0", 3 bytes pad
        expectBytes(IPRouteRequest.sessionCreate(a, familyID: 0x1c, sequence: 4), expected)
    }

    @Test("session create with defaults and a reorder timeout")
    func sessionCreateDefaults() {
        var a = L2TPAttributes()
        a.connID = 7
        a.sessionID = 8
        a.peerSessionID = 9
        a.recvTimeout = 250
        a.cookie = []  // empty: not sent
        let expected = hex(
            "58000000 1c00 0500 05000000 00000000",  // len 88, REQUEST|ACK, seq 5
            "05 01 0000",  // SESSION_CREATE v1
            "0800 0900 07000000",  // CONN_ID = 7
            "0800 0a00 00000000",  // PEER_CONN_ID = 0
            "0800 0b00 08000000",  // SESSION_ID = 8
            "0800 0c00 09000000",  // PEER_SESSION_ID = 9
            "0600 0100 0500 0000",  // PW_TYPE = ETH
            "0500 0500 01 000000",  // L2SPEC_TYPE = DEFAULT
            "0500 0600 04 000000",  // L2SPEC_LEN = 4
            "0c00 1600 fa000000 00000000")  // RECV_TIMEOUT = 250 ms (u64, no pad attribute)
        expectBytes(IPRouteRequest.sessionCreate(a, familyID: 0x1c, sequence: 5), expected)
    }

    @Test("session delete")
    func sessionDelete() {
        let expected = hex(
            "24000000 1c00 0500 06000000 00000000",  // len 36, REQUEST|ACK, seq 6
            "06 01 0000",  // SESSION_DELETE v1
            "0800 0900 01000000",  // CONN_ID = 1
            "0800 0b00 0a000000")  // SESSION_ID = 10
        expectBytes(IPRouteRequest.sessionDelete(tunnelID: 1, sessionID: 10, familyID: 0x1c, sequence: 6), expected)
    }

    @Test("tunnel dump, all and one")
    func tunnelDump() {
        expectBytes(
            IPRouteRequest.tunnelDump(tunnelID: nil, familyID: 0x1c, sequence: 7),
            hex("14000000 1c00 0103 07000000 00000000",  // len 20, ROOT|MATCH|REQUEST, seq 7
                "04 01 0000"))  // TUNNEL_GET v1, no attributes
        expectBytes(
            IPRouteRequest.tunnelDump(tunnelID: 0, familyID: 0x1c, sequence: 7),
            hex("14000000 1c00 0103 07000000 00000000", "04 01 0000"))  // id 0 means "all"
        expectBytes(
            IPRouteRequest.tunnelDump(tunnelID: 42, familyID: 0x1c, sequence: 8),
            hex("1c000000 1c00 0103 08000000 00000000",  // len 28, ROOT|MATCH|REQUEST
                "04 01 0000",  // TUNNEL_GET v1
                "0800 0900 2a000000"))  // CONN_ID = 42
    }

    @Test("session dump: ids only when both are given")
    func sessionDump() {
        let all = hex("14000000 1c00 0103 09000000 00000000",  // len 20, ROOT|MATCH|REQUEST, seq 9
                      "08 01 0000")  // SESSION_GET v1
        expectBytes(IPRouteRequest.sessionDump(tunnelID: nil, sessionID: nil, familyID: 0x1c, sequence: 9), all)
        expectBytes(IPRouteRequest.sessionDump(tunnelID: 1, sessionID: nil, familyID: 0x1c, sequence: 9), all)
        expectBytes(IPRouteRequest.sessionDump(tunnelID: 0, sessionID: 3, familyID: 0x1c, sequence: 9), all)
        expectBytes(
            IPRouteRequest.sessionDump(tunnelID: 1, sessionID: 3, familyID: 0x1c, sequence: 9),
            hex("24000000 1c00 0103 09000000 00000000",  // len 36
                "08 01 0000",  // SESSION_GET v1
                "0800 0900 01000000",  // CONN_ID = 1
                "0800 0b00 03000000"))  // SESSION_ID = 3
    }
}
