// SPDX-License-Identifier: GPL-2.0-only
// The requests each command sends: byte-identical to iproute2's (IPRouteRequest), with its sequence
// numbering, and one golden request assembled by hand from ip/ipl2tp.c's addattr calls.

import L2TPNetlink
import L2TPWire
import Testing

@testable import L2TPTool

@Suite("Requests sent to l2tpd")
struct RequestTests {
    /// FakeIO starts at 1000; the family lookup takes 1001, the first l2tp request 1002.
    static let firstSequence: UInt32 = 1002
    static let family = GenlControl.l2tp.id

    func requests(_ line: String) -> (RunResult, [[UInt8]]) {
        let daemon = FakeDaemon()
        let r = l2tp(line, daemon: daemon)
        return (r, daemon.requests)
    }

    @Test func familyLookupComesFirst() throws {
        let daemon = FakeDaemon()
        _ = l2tp("show tunnel", daemon: daemon)
        let lookup = try #require(daemon.sent.first)
        #expect(lookup == GenlControl.getFamilyRequest(name: "l2tp", sequence: 1001, portID: 0))
    }

    @Test func addTunnelGoldenBytes() {
        let (r, sent) = requests(
            "add tunnel tunnel_id 42 peer_tunnel_id 45 encap udp local 192.168.1.1 remote 192.168.1.2 udp_sport 5000 udp_dport 5001")
        #expect(r == RunResult(status: 0, standardOutput: "", standardError: ""))
        // struct nlmsghdr, struct genlmsghdr, then addattr32/8/16 as create_tunnel() writes them
        // (little-endian host).
        let seq = Self.firstSequence
        let f = Self.family
        var golden: [UInt8] = [
            84, 0, 0, 0, UInt8(f & 0xff), UInt8(f >> 8), 0x05, 0x00,
            UInt8(seq & 0xff), UInt8(seq >> 8 & 0xff), UInt8(seq >> 16 & 0xff), UInt8(seq >> 24), 0, 0, 0, 0,
            1, 1, 0, 0,
        ]
        golden += [8, 0, 9, 0, 42, 0, 0, 0]  // L2TP_ATTR_CONN_ID
        golden += [8, 0, 10, 0, 45, 0, 0, 0]  // L2TP_ATTR_PEER_CONN_ID
        golden += [5, 0, 7, 0, 3, 0, 0, 0]  // L2TP_ATTR_PROTO_VERSION
        golden += [6, 0, 2, 0, 0, 0, 0, 0]  // L2TP_ATTR_ENCAP_TYPE
        golden += [8, 0, 24, 0, 192, 168, 1, 1]  // L2TP_ATTR_IP_SADDR
        golden += [8, 0, 25, 0, 192, 168, 1, 2]  // L2TP_ATTR_IP_DADDR
        golden += [6, 0, 26, 0, 0x88, 0x13, 0, 0]  // L2TP_ATTR_UDP_SPORT 5000
        golden += [6, 0, 27, 0, 0x89, 0x13, 0, 0]  // L2TP_ATTR_UDP_DPORT 5001
        #expect(sent == [golden])
    }

    @Test func addTunnelMatchesIPRouteRequest() throws {
        let (r, sent) = requests(
            "add tunnel tid 7 ptid 8 local 2001:db8::1 remote 2001:db8::2 udp_sport 1701 udp_dport 1702 udp_csum on udp6_csum_tx off udp6_csum_rx off")
        #expect(r.status == 0)
        var a = L2TPAttributes()
        a.connID = 7
        a.peerConnID = 8
        a.protoVersion = 3
        a.encapType = 0
        a.ip6Saddr = IPAddress("2001:db8::1")
        a.ip6Daddr = IPAddress("2001:db8::2")
        a.udpSport = 1701
        a.udpDport = 1702
        a.udpCsum = 1
        a.udpZeroCsum6Tx = true
        a.udpZeroCsum6Rx = true
        #expect(sent == [IPRouteRequest.tunnelCreate(a, familyID: Self.family, sequence: Self.firstSequence)])
        let decoded = try L2TPMessageCodec.decode(sent[0])
        #expect(decoded.attributes == a)
        #expect(decoded.header.flags == NetlinkFlags.request | NetlinkFlags.ack)
    }

    @Test func addIPEncapTunnelLeavesOutUDPAttributes() throws {
        let (r, sent) = requests(
            "add tunnel tunnel_id 1 peer_tunnel_id 2 encap ip local 10.0.0.1 remote 10.0.0.2 udp_sport 9 udp_csum on")
        #expect(r.status == 0)
        let decoded = try L2TPMessageCodec.decode(try #require(sent.first))
        var a = L2TPAttributes()
        a.connID = 1
        a.peerConnID = 2
        a.protoVersion = 3
        a.encapType = 1
        a.ipSaddr = IPAddress("10.0.0.1")
        a.ipDaddr = IPAddress("10.0.0.2")
        #expect(decoded.attributes == a)
        #expect(sent == [IPRouteRequest.tunnelCreate(a, familyID: Self.family, sequence: Self.firstSequence)])
    }

    @Test func legacyIPv4Forms() throws {
        let (r, sent) = requests("add tunnel tunnel_id 1 peer_tunnel_id 2 encap ip local 10.8 remote 0x0a.0.0.012")
        #expect(r.status == 0)
        let decoded = try L2TPMessageCodec.decode(try #require(sent.first))
        #expect(decoded.attributes.ipSaddr == IPAddress("10.8.0.0"))
        #expect(decoded.attributes.ipDaddr == IPAddress("10.0.0.10"))
    }

    @Test func addSessionDefaults() throws {
        let (r, sent) = requests("add session tunnel_id 42 session_id 1 peer_session_id 2")
        #expect(r == RunResult(status: 0, standardOutput: "", standardError: ""))
        var a = L2TPAttributes()
        a.connID = 42
        a.peerConnID = 0
        a.sessionID = 1
        a.peerSessionID = 2
        a.pwType = PseudowireType.eth.rawValue
        a.l2specType = 1
        a.l2specLen = 4
        #expect(sent == [IPRouteRequest.sessionCreate(a, familyID: Self.family, sequence: Self.firstSequence)])
        #expect(try L2TPMessageCodec.decode(sent[0]).attributes == a)
    }

    @Test func addSessionWithEverything() throws {
        let (r, sent) = requests(
            "add session name l2tpeth7 tunnel_id 42 peer_tunnel_id 45 session_id 1 peer_session_id 2 cookie 0A0b0C0d peer_cookie 0123456789abcdef seq both l2spec_type NONE")
        #expect(r.status == 0)
        var a = L2TPAttributes()
        a.connID = 42
        a.peerConnID = 45
        a.sessionID = 1
        a.peerSessionID = 2
        a.pwType = PseudowireType.eth.rawValue
        a.l2specType = 0
        a.l2specLen = 0
        a.recvSeq = 1
        a.sendSeq = 1
        a.cookie = [0x0a, 0x0b, 0x0c, 0x0d]
        a.peerCookie = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]
        a.ifname = "l2tpeth7"
        #expect(sent == [IPRouteRequest.sessionCreate(a, familyID: Self.family, sequence: Self.firstSequence)])
        #expect(try L2TPMessageCodec.decode(sent[0]).attributes == a)
    }

    @Test(arguments: [("send", false, true), ("recv", true, false), ("none", false, false), ("BOTH", true, true)])
    func sequencing(word: String, recv: Bool, send: Bool) throws {
        let (_, sent) = requests("add session tunnel_id 1 session_id 2 peer_session_id 3 seq \(word)")
        let a = try L2TPMessageCodec.decode(try #require(sent.first)).attributes
        #expect(a.recvSeq == (recv ? 1 : nil))
        #expect(a.sendSeq == (send ? 1 : nil))
    }

    @Test func addTunnelAndSessionSendsBoth() {
        let (r, sent) = requests(
            "add tunnel session tunnel_id 1 peer_tunnel_id 2 session_id 3 peer_session_id 4 local 10.0.0.1 remote 10.0.0.2 encap ip")
        #expect(r.status == 0)
        #expect(sent.count == 2)
        #expect(sent.map { NetlinkHeader($0)?.sequence } == [Self.firstSequence, Self.firstSequence + 1])
        #expect(sent.map { $0[NetlinkHeader.size] } == [L2TPCommand.tunnelCreate.rawValue, L2TPCommand.sessionCreate.rawValue])
    }

    @Test func deleteTunnel() {
        let (r, sent) = requests("del tunnel tunnel_id 42")
        #expect(r == RunResult(status: 0, standardOutput: "", standardError: ""))
        #expect(sent == [IPRouteRequest.tunnelDelete(tunnelID: 42, familyID: Self.family, sequence: Self.firstSequence)])
    }

    @Test func deleteSession() {
        let (r, sent) = requests("delete session tunnel_id 42 session_id 7")
        #expect(r.status == 0)
        #expect(sent == [
            IPRouteRequest.sessionDelete(tunnelID: 42, sessionID: 7, familyID: Self.family, sequence: Self.firstSequence)
        ])
    }

    @Test func deleteWithASessionIDDeletesTheSession() {
        // do_del: "if (p.session_id) delete_session(...) else delete_tunnel(...)".
        let (_, sent) = requests("del tunnel tunnel_id 42 session_id 7")
        #expect(sent == [
            IPRouteRequest.sessionDelete(tunnelID: 42, sessionID: 7, familyID: Self.family, sequence: Self.firstSequence)
        ])
        let (_, sent2) = requests("del session session_id 7")
        #expect(sent2 == [
            IPRouteRequest.sessionDelete(tunnelID: 0, sessionID: 7, familyID: Self.family, sequence: Self.firstSequence)
        ])
    }

    @Test func showRequests() {
        #expect(requests("show tunnel").1 == [
            IPRouteRequest.tunnelDump(tunnelID: nil, familyID: Self.family, sequence: Self.firstSequence)
        ])
        #expect(requests("show tunnel tunnel_id 42").1 == [
            IPRouteRequest.tunnelDump(tunnelID: 42, familyID: Self.family, sequence: Self.firstSequence)
        ])
        #expect(requests("lst session").1 == [
            IPRouteRequest.sessionDump(tunnelID: nil, sessionID: nil, familyID: Self.family, sequence: Self.firstSequence)
        ])
        // Both ids, or neither (get_session).
        #expect(requests("show session tunnel_id 42").1 == [
            IPRouteRequest.sessionDump(tunnelID: nil, sessionID: nil, familyID: Self.family, sequence: Self.firstSequence)
        ])
        #expect(requests("show session tunnel_id 42 session_id 7").1 == [
            IPRouteRequest.sessionDump(tunnelID: 42, sessionID: 7, familyID: Self.family, sequence: Self.firstSequence)
        ])
        // "session" wins over "tunnel".
        #expect(requests("s tunnel session").1 == [
            IPRouteRequest.sessionDump(tunnelID: nil, sessionID: nil, familyID: Self.family, sequence: Self.firstSequence)
        ])
    }

    @Test func dumpRequestFlags() throws {
        let sent = try #require(requests("show tunnel").1.first)
        let header = try #require(NetlinkHeader(sent))
        #expect(header.flags == NetlinkFlags.request | NetlinkFlags.root | NetlinkFlags.match)
        #expect(header.type == Self.family)
    }

    @Test(arguments: ["a", "ad", "add"])
    func addPrefixes(verb: String) {
        let (r, sent) = requests("\(verb) tunnel tunnel_id 1 peer_tunnel_id 2 encap ip local 10.0.0.1 remote 10.0.0.2")
        #expect(r.status == 0)
        #expect(sent.count == 1)
    }

    @Test(arguments: ["s", "sh", "show", "l", "ls", "lst", "li", "list"])
    func showPrefixes(verb: String) {
        let (r, sent) = requests("\(verb) tunnel")
        #expect(r.status == 0)
        #expect(sent.count == 1)
    }
}
