// SPDX-License-Identifier: GPL-2.0-only
// Session.receive outside sequencing: cookies, truncated options, version checks, header parsing,
// and which counters move at tunnel and at session level (kernel-facts §2.4).

import L2TPCore
import L2TPTestSupport
import L2TPWire
import Testing

@Suite struct ReceiveTests {
    static let cookie4 = Cookie(bytes: [0xde, 0xad, 0xbe, 0xef])!
    static let cookie8 = Cookie(bytes: [1, 2, 3, 4, 5, 6, 7, 8])!

    // MARK: Cookies

    @Test(
        "a wrong cookie counts rx_cookie_discards and rx_errors and delivers nothing",
        arguments: [EncapType.udp, .ip], [cookie4, cookie8])
    func cookieMismatch(_ encap: EncapType, _ cookie: Cookie) throws {
        let h = Harness(encap: encap, peerCookie: cookie)
        var wrong = cookie.bytes
        wrong[wrong.count - 1] ^= 0xff
        #expect(h.session.receivePacket(h.packet(ns: nil, tag: 1, cookie: Cookie(bytes: wrong)!)) == .cookieMismatch)
        #expect(h.device.frames.isEmpty)
        #expect(h.stats == stats(rxErrors: 1, rxCookieDiscards: 1))
        #expect(h.tunnelStats == stats())

        let good = h.packet(ns: nil, tag: 2)
        #expect(h.session.receivePacket(good) == nil)
        #expect(h.device.frames == [PacketBuilder.payload(tag: 2)])
        #expect(h.stats == stats(rxPackets: 1, rxBytes: UInt64(good.count), rxErrors: 1, rxCookieDiscards: 1))
    }

    @Test("received packets are checked against peer_cookie, not the cookie we send")
    func peerCookieIsChecked() {
        let h = Harness(cookie: Self.cookie4, peerCookie: Self.cookie8)
        #expect(h.session.receivePacket(h.packet(ns: nil, tag: 1, cookie: Self.cookie4)) != nil)
        #expect(h.session.receivePacket(h.packet(ns: nil, tag: 2, cookie: Self.cookie8)) == nil)
        #expect(h.device.tags == [2])
        // And we send our cookie.
        #expect(Array(h.session.encapsulate([0xee])[8..<12]) == Self.cookie4.bytes)
    }

    @Test("the cookie is checked before sequencing: a mismatch does not switch the LAC to sequencing")
    func cookieBeforeSequencing() {
        let h = Harness(peerCookie: Self.cookie4, recvSeq: true)
        let wrong = Cookie(bytes: [0, 0, 0, 0])!
        #expect(h.session.receivePacket(h.packet(ns: nil, tag: 1, cookie: wrong)) == .cookieMismatch)
        #expect(h.session.receivePacket(h.packet(ns: 0, tag: 2, cookie: wrong)) == .cookieMismatch)
        #expect(h.stats == stats(rxErrors: 2, rxCookieDiscards: 2))
        #expect(!h.session.sendingSequenceNumbers)
    }

    // MARK: Truncated options and versions

    @Test("UDP: v3 options too short for cookie and sublayer count tunnel rx_invalid only")
    func truncatedOptionsUDP() {
        let h = Harness(encap: .udp, peerCookie: Self.cookie8)
        // 8 bytes of flags and session id, the 8-byte cookie, 3 of the 4 sublayer bytes: 19 ≥ 14.
        let packet = Array(h.packet(ns: 1, tag: 1).prefix(19))
        #expect(h.session.receivePacket(packet) == .truncatedOptions)
        #expect(h.tunnelStats == stats(rxInvalid: 1))
        #expect(h.stats == stats())
        #expect(h.device.frames.isEmpty)
    }

    @Test("IP: v3 options too short are dropped uncounted (l2tp_ip_recv: discard_sess)")
    func truncatedOptionsIP() {
        let h = Harness(encap: .ip, peerCookie: Self.cookie8)
        let packet = Array(h.packet(ns: 1, tag: 1).prefix(15))
        #expect(h.session.receivePacket(packet) == .truncatedOptions)
        #expect(h.tunnelStats == stats())
        #expect(h.stats == stats())
        #expect(h.device.frames.isEmpty)
    }

    @Test("v3 options exactly present with an empty payload are delivered")
    func emptyPayload() {
        let h = Harness(encap: .ip, peerCookie: Self.cookie8)
        let packet = h.packet(ns: nil, tag: 0).dropLast(8)
        #expect(packet.count == 16)
        #expect(h.session.receivePacket(Array(packet)) == nil)
        #expect(h.device.frames == [[]])
        #expect(h.stats.rxBytes == 16)
    }

    @Test("UDP: a Ver other than the tunnel's counts tunnel rx_invalid only", arguments: [UInt8(0), 1, 4, 15])
    func versionMismatchV3(_ version: UInt8) {
        let h = Harness(version: .v3, encap: .udp)
        var packet = h.packet(ns: nil, tag: 1)
        packet[1] = version  // the low nibble of the flags word is Ver
        #expect(h.session.receivePacket(packet) == .versionMismatch)
        #expect(h.tunnelStats == stats(rxInvalid: 1))
        #expect(h.stats == stats())
        #expect(h.device.frames.isEmpty)
    }

    @Test("a v2 header given to a v3 session, and a v3 header to a v2 session, are version mismatches")
    func versionMismatchAcross() {
        let v3 = Harness(version: .v3, encap: .udp)
        let v2Packet = PacketBuilder.v2(tunnelID: 10, sessionID: 100, payload: PacketBuilder.payload(tag: 1))
        #expect(v3.session.receivePacket(v2Packet) == .versionMismatch)
        #expect(v3.tunnelStats == stats(rxInvalid: 1))

        let v2 = Harness(version: .v2, encap: .udp)
        let v3Packet = PacketBuilder.v3(encap: .udp, sessionID: 100, payload: PacketBuilder.payload(tag: 1))
        #expect(v2.session.receivePacket(v3Packet) == .versionMismatch)
        #expect(v2.tunnelStats == stats(rxInvalid: 1))
        #expect(v2.stats == stats())
    }

    // MARK: v2 header options

    @Test("v2: L, S and O are honoured on receive and rx_bytes is the whole L2TP packet")
    func v2OptionalFields() {
        let h = Harness(version: .v2, tunnelID: 0x1234, sessionID: 0x5678)
        let packet = [UInt8](hexFields: [
            "4a02",  // L=1 S=1 O=1, Ver=2
            "0018",  // Length 24
            "1234",  // Tunnel ID
            "5678",  // Session ID
            "0000",  // Ns 0
            "0007",  // Nr (ignored)
            "0002",  // Offset Size 2
            "eeee",  // pad
            "a0a1a2a3a4a5a6a7",  // payload
        ])
        #expect(h.session.receivePacket(packet) == nil)
        #expect(h.device.frames == [[0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7]])
        #expect(h.stats == stats(rxPackets: 1, rxBytes: 24))
        #expect(h.tunnelStats == stats(rxPackets: 1, rxBytes: 24))
        // Ns was read: the LAC now sends sequence numbers too.
        #expect(h.session.sendingSequenceNumbers)
    }

    @Test("v2: an offset pad past the end is discarded with rx_errors")
    func v2OffsetPastEnd() {
        let h = Harness(version: .v2, tunnelID: 0x1234, sessionID: 0x5678)
        let packet = [UInt8](hex: "0202 1234 5678 0020 a0a1a2a3a4a5a6a7")
        #expect(h.session.receivePacket(packet) == .malformed)
        #expect(h.stats == stats(rxErrors: 1))
        #expect(h.device.frames.isEmpty)
    }

    @Test("v2: the sequencing mode is applied before the offset pad is checked, as in l2tp_recv_common")
    func v2OffsetPastEndAfterSequenceMode() {
        // recv_seq with an unsequenced packet: rx_seq_discards, even though the pad is also bad.
        let strict = Harness(version: .v2, tunnelID: 0x1234, sessionID: 0x5678, recvSeq: true)
        #expect(strict.session.receivePacket([UInt8](hex: "0202 1234 5678 0020 a0a1a2a3a4a5a6a7")) == .sequenceRequired)
        #expect(strict.stats == stats(rxSeqDiscards: 1, rxErrors: 1))
        // A LAC that sees S set switches to sequencing before the bad pad discards the packet.
        let lac = Harness(version: .v2, tunnelID: 0x1234, sessionID: 0x5678)
        #expect(lac.session.receivePacket([UInt8](hex: "0a02 1234 5678 0000 0000 0020 a0a1a2a3")) == .malformed)
        #expect(lac.stats == stats(rxErrors: 1))
        #expect(lac.session.sendingSequenceNumbers)
    }

    @Test("v2 sessions ignore cookie and sublayer settings")
    func v2IgnoresV3Settings() {
        let h = Harness(version: .v2, cookie: Self.cookie4, peerCookie: Self.cookie8, l2spec: .default)
        #expect(h.session.cookie == .none)
        #expect(h.session.peerCookie == .none)
        #expect(h.session.l2spec == .none)
        #expect(h.session.headerLength == 6)
        #expect(h.session.maxHeaderLength == 10)
        #expect(h.sendUnsequenced(tag: 3) == nil)
        #expect(h.device.frames == [PacketBuilder.payload(tag: 3)])
    }

    // MARK: rx_bytes and tunnel vs session counters

    struct LengthCase: Sendable, CustomTestStringConvertible {
        let version: ProtocolVersion
        let encap: EncapType
        let cookieLength: Int
        let l2spec: L2SpecType
        let sequenced: Bool
        /// The L2TP header length, worked out by hand.
        let header: Int
        var testDescription: String {
            "\(version) \(encap) cookie \(cookieLength) \(l2spec) \(sequenced ? "sequenced" : "unsequenced")"
        }
    }

    @Test(
        "rx_bytes is the L2TP packet length including the header, at tunnel and session level",
        arguments: [
            LengthCase(version: .v2, encap: .udp, cookieLength: 0, l2spec: .none, sequenced: false, header: 6),
            LengthCase(version: .v2, encap: .udp, cookieLength: 0, l2spec: .none, sequenced: true, header: 10),
            LengthCase(version: .v3, encap: .udp, cookieLength: 0, l2spec: .default, sequenced: true, header: 12),
            LengthCase(version: .v3, encap: .udp, cookieLength: 8, l2spec: .default, sequenced: false, header: 20),
            LengthCase(version: .v3, encap: .udp, cookieLength: 4, l2spec: .none, sequenced: false, header: 12),
            LengthCase(version: .v3, encap: .ip, cookieLength: 0, l2spec: .default, sequenced: true, header: 8),
            LengthCase(version: .v3, encap: .ip, cookieLength: 8, l2spec: .default, sequenced: false, header: 16),
            LengthCase(version: .v3, encap: .ip, cookieLength: 4, l2spec: .none, sequenced: false, header: 8),
        ])
    func rxBytes(_ c: LengthCase) {
        let cookie = c.cookieLength == 8 ? Self.cookie8 : c.cookieLength == 4 ? Self.cookie4 : .none
        let h = Harness(version: c.version, encap: c.encap, peerCookie: cookie, l2spec: c.l2spec)
        let payload = PacketBuilder.payload(tag: 7, count: 100)
        let packet = PacketBuilder.inbound(to: h.session, ns: c.sequenced ? 0 : nil, payload: payload)
        #expect(packet.count == c.header + 100)
        #expect(h.session.receivePacket(packet) == nil)
        #expect(h.device.frames == [payload])
        let expected = stats(rxPackets: 1, rxBytes: UInt64(c.header + 100))
        #expect(h.stats == expected)
        #expect(h.tunnelStats == expected)
    }

    @Test("only rx/tx packets, bytes, tx_errors and rx_invalid are counted at tunnel level")
    func tunnelVersusSession() {
        let tunnel = Tunnel(id: TunnelID(1), peerID: TunnelID(2), version: .v3, encap: .udp)
        let a = Harness(sessionID: 100, peerCookie: Self.cookie4, reorderTimeout: 100, tunnel: tunnel)
        let b = Harness(sessionID: 200, tunnel: tunnel)

        a.send(0)  // delivered
        a.send(2)  // queued
        a.send(1)  // delivered ahead of 2: rx_oos_packets, then 2 delivered
        a.send(5, at: 0)  // queued, waits for 3
        a.send(9_000_000, at: 0)  // outside the window: rx_errors
        a.session.receivePacket(a.packet(ns: nil, tag: 1, cookie: Cookie(bytes: [1, 2, 3, 4])!))  // rx_cookie_discards
        a.send(6, at: 500)  // 5 expired: rx_seq_discards, rx_errors; 6 delivered
        var badVersion = a.packet(ns: nil, tag: 1)
        badVersion[1] = 1  // Ver=1
        a.session.receivePacket(badVersion, now: 500)  // rx_invalid, at tunnel level only

        b.send(0)
        b.sendUnsequenced(tag: 1)
        b.session.recvSeq.store(true, ordering: .relaxed)
        b.sendUnsequenced(tag: 2)  // rx_seq_discards

        let len = a.sequencedPacketLength
        let sa = a.stats
        let sb = b.stats
        #expect(sa == stats(rxPackets: 4, rxBytes: 4 * len, rxSeqDiscards: 1, rxOOSPackets: 1, rxErrors: 3, rxCookieDiscards: 1))
        #expect(sb == stats(rxPackets: 2, rxBytes: 2 * b.sequencedPacketLength, rxSeqDiscards: 1, rxErrors: 1))
        #expect(sa.rxInvalid == 0 && sb.rxInvalid == 0)

        a.session.countTransmitted(packets: 3, bytes: 300)
        a.session.countTransmitErrors(2)
        b.session.countTransmitted(packets: 1, bytes: 50)
        b.session.countTransmitted(packets: 0, bytes: 0)
        b.session.countTransmitErrors(0)

        #expect(a.stats.txPackets == 3 && a.stats.txBytes == 300 && a.stats.txErrors == 2)
        #expect(b.stats.txPackets == 1 && b.stats.txBytes == 50 && b.stats.txErrors == 0)
        #expect(
            tunnel.stats.snapshot
                == stats(
                    txPackets: 4, txBytes: 350, txErrors: 2,
                    rxPackets: sa.rxPackets + sb.rxPackets, rxBytes: sa.rxBytes + sb.rxBytes, rxInvalid: 1))
    }
}
