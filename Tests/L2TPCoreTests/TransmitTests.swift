// SPDX-License-Identifier: GPL-2.0-only
// Session.writeHeader: the headers l2tp_build_l2tpv2_header / l2tp_build_l2tpv3_header produce, Ns
// numbering and wrap-around, and transmit counters.

import L2TPCore
import L2TPTestSupport
import L2TPWire
import Testing

@Suite struct TransmitTests {
    static let cookie4 = Cookie(bytes: [0xde, 0xad, 0xbe, 0xef])!
    static let cookie8 = Cookie(bytes: [1, 2, 3, 4, 5, 6, 7, 8])!

    func session(
        _ version: ProtocolVersion, _ encap: EncapType = .udp, cookie: Cookie = .none, l2spec: L2SpecType = .default,
        sendSeq: Bool, peerTunnel: UInt32 = 0x1234, peerSession: UInt32 = 0x5678
    ) -> Session {
        let tunnel = Tunnel(id: TunnelID(1), peerID: TunnelID(peerTunnel), version: version, encap: encap)
        return Session(
            id: SessionID(2), peerID: SessionID(peerSession), tunnel: tunnel, pseudowireType: .eth, cookie: cookie,
            l2spec: l2spec, sendSeq: sendSeq)
    }

    @Test("v2 without sequencing: flags, the peer's tunnel and session ids; Ns does not move")
    func v2Plain() {
        let s = session(.v2, sendSeq: false)
        #expect(s.headerLength == 6)
        #expect(s.maxHeaderLength == 10)
        for _ in 0..<3 { #expect(s.encapsulate([0xee]).hex == "0002" + "1234" + "5678" + "ee") }
        #expect(s.nextNs == 0)
    }

    @Test("v2 with sequencing: S set, Ns counts from 0, Nr is 0")
    func v2Sequenced() {
        let s = session(.v2, sendSeq: true)
        #expect(s.headerLength == 10)
        #expect(s.encapsulate([0xee]).hex == "0802" + "1234" + "5678" + "0000" + "0000" + "ee")
        #expect(s.encapsulate([0xee]).hex == "0802" + "1234" + "5678" + "0001" + "0000" + "ee")
        #expect(s.encapsulate([]).hex == "0802" + "1234" + "5678" + "0002" + "0000")
    }

    @Test("v2 Ns wraps modulo 2^16")
    func v2Wrap() {
        let s = session(.v2, sendSeq: true)
        for _ in 0..<0xffff { _ = s.encapsulate([]) }
        #expect(s.nextNs == 0xffff)
        #expect(s.encapsulate([]).hex == "0802" + "1234" + "5678" + "ffff" + "0000")
        #expect(s.nextNs == 0)
        #expect(s.encapsulate([]).hex == "0802" + "1234" + "5678" + "0000" + "0000")
    }

    @Test("v2 peer ids are written as their low 16 bits")
    func v2Truncation() {
        let s = session(.v2, sendSeq: false, peerTunnel: 0x0001_0007, peerSession: 0xffff_0009)
        #expect(s.encapsulate([]).hex == "0002" + "0007" + "0009")
    }

    struct V3Case: Sendable, CustomTestStringConvertible {
        let encap: EncapType
        let cookieLength: Int
        let l2spec: L2SpecType
        /// The expected header with the sublayer (if any) as `SL`.
        let template: String
        var testDescription: String { "\(encap) cookie \(cookieLength) \(l2spec)" }
    }

    @Test(
        "v3 headers: the sublayer is all zeros when not sequencing, 0x40000000|Ns when sequencing",
        arguments: [
            V3Case(encap: .udp, cookieLength: 0, l2spec: .default, template: "00030000" + "00005678" + "SL"),
            V3Case(encap: .udp, cookieLength: 4, l2spec: .default, template: "00030000" + "00005678" + "deadbeef" + "SL"),
            V3Case(encap: .udp, cookieLength: 8, l2spec: .none, template: "00030000" + "00005678" + "0102030405060708"),
            V3Case(encap: .ip, cookieLength: 0, l2spec: .default, template: "00005678" + "SL"),
            V3Case(encap: .ip, cookieLength: 8, l2spec: .default, template: "00005678" + "0102030405060708" + "SL"),
            V3Case(encap: .ip, cookieLength: 4, l2spec: .none, template: "00005678" + "deadbeef"),
            V3Case(encap: .ip, cookieLength: 0, l2spec: .none, template: "00005678"),
        ])
    func v3Headers(_ c: V3Case) {
        let cookie = c.cookieLength == 8 ? Self.cookie8 : c.cookieLength == 4 ? Self.cookie4 : .none
        let plain = session(.v3, c.encap, cookie: cookie, l2spec: c.l2spec, sendSeq: false)
        let expectedLength = c.template.replacingSL("00000000").count / 2
        #expect(plain.headerLength == expectedLength)
        #expect(plain.maxHeaderLength == expectedLength)
        for _ in 0..<2 { #expect(plain.encapsulate([0xee]).hex == c.template.replacingSL("00000000") + "ee") }

        let sequenced = session(.v3, c.encap, cookie: cookie, l2spec: c.l2spec, sendSeq: true)
        #expect(sequenced.headerLength == expectedLength)
        #expect(sequenced.encapsulate([0xee]).hex == c.template.replacingSL("40000000") + "ee")
        #expect(sequenced.encapsulate([0xee]).hex == c.template.replacingSL("40000001") + "ee")
    }

    @Test("v3 Ns wraps modulo 2^24")
    func v3Wrap() {
        let s = session(.v3, .ip, sendSeq: true)
        var buffer = [UInt8](repeating: 0, count: 16)
        let n = 0xff_ffff
        buffer.withUnsafeMutableBytes { raw in
            for _ in 0..<n { _ = s.writeHeader(before: raw.baseAddress! + 8) }
        }
        #expect(s.nextNs == 0xff_ffff)
        #expect(s.encapsulate([]).hex == "00005678" + "40ffffff")
        #expect(s.nextNs == 0)
        #expect(s.encapsulate([]).hex == "00005678" + "40000000")
    }

    @Test("writeHeader writes only into the headroom it reports")
    func headroom() {
        let s = session(.v3, .udp, cookie: Self.cookie8, sendSeq: true)
        #expect(s.maxHeaderLength == 20)
        var buffer = [UInt8](repeating: 0x77, count: 32)
        let written = buffer.withUnsafeMutableBytes { s.writeHeader(before: $0.baseAddress! + 24) }
        #expect(written == 20)
        #expect(buffer[0..<4].allSatisfy { $0 == 0x77 })
        #expect(buffer[24...].allSatisfy { $0 == 0x77 })
        #expect(Array(buffer[4..<24]).hex == "00030000" + "00005678" + "0102030405060708" + "40000000")
    }

    @Test("transmit counters count at session and tunnel level")
    func transmitCounters() {
        let s = session(.v3, sendSeq: false)
        let packet = s.encapsulate(PacketBuilder.payload(tag: 1, count: 50))
        s.countTransmitted(packets: 1, bytes: packet.count)
        s.countTransmitErrors(1)
        s.countTransmitted(packets: 0, bytes: 0)
        #expect(s.stats.snapshot == stats(txPackets: 1, txBytes: 62, txErrors: 1))
        #expect(s.tunnel.stats.snapshot == stats(txPackets: 1, txBytes: 62, txErrors: 1))
    }

    @Test("names as the kernel logs them")
    func names() {
        let s = session(.v3, sendSeq: false)
        #expect(s.description == "sess 1/2")
        #expect(s.tunnel.description == "tunl 1")
    }
}

extension String {
    /// The template with its sublayer placeholder filled in (or removed, if it has none).
    func replacingSL(_ sublayer: String) -> String {
        replacing("SL", with: sublayer)
    }
}
