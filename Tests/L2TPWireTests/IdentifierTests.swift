// SPDX-License-Identifier: GPL-2.0-only
// Identifiers, uapi enum values, IPAddress and the stats value type.

import L2TPWire
import Testing

@Suite struct IdentifierTests {
    @Test("uapi enum values")
    func uapiValues() {
        #expect(EncapType.udp.rawValue == 0)
        #expect(EncapType.ip.rawValue == 1)
        #expect(PseudowireType.eth.rawValue == 5)
        #expect(PseudowireType.ethVLAN.rawValue == 4)
        #expect(PseudowireType.ppp.rawValue == 7)
        #expect(PseudowireType.pppAC.rawValue == 8)
        #expect(PseudowireType.ip.rawValue == 11)
        #expect(PseudowireType.limit == 12)
        #expect(L2SpecType.none.rawValue == 0)
        #expect(L2SpecType.default.rawValue == 1)
        #expect(L2SpecType.none.length == 0)
        #expect(L2SpecType.default.length == 4)
        #expect(ProtocolVersion(rawValue: 2) == .v2)
        #expect(ProtocolVersion(rawValue: 3) == .v3)
        #expect(ProtocolVersion(rawValue: 1) == nil)
    }

    @Test("ids order and print as unsigned 32-bit numbers")
    func ids() {
        #expect(TunnelID(1) < TunnelID(0xffff_ffff))
        #expect([SessionID(30), SessionID(2), SessionID(100)].sorted() == [SessionID(2), SessionID(30), SessionID(100)])
        #expect(TunnelID(4_294_967_295).description == "4294967295")
        #expect(SessionID(rawValue: 7) == SessionID(7))
    }

    @Test("IPv4 text and bytes")
    func ipv4() throws {
        let a = try #require(IPAddress("192.0.2.1"))
        #expect(a == .v4(192, 0, 2, 1))
        #expect(a.bytes == [192, 0, 2, 1])
        #expect(a.description == "192.0.2.1")
        #expect(!a.isIPv6)
        #expect(IPAddress(networkBytes: [10, 0, 0, 1]) == .v4(10, 0, 0, 1))
    }

    @Test("IPv6 text and bytes, printed in inet_ntop's compressed form")
    func ipv6() throws {
        let a = try #require(IPAddress("2001:0db8:0000:0000:0000:0000:0000:0001"))
        #expect(a.bytes == [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1])
        #expect(a.description == "2001:db8::1")
        #expect(a.isIPv6)
        #expect(IPAddress("::ffff:192.0.2.1")?.description == "::ffff:192.0.2.1")
    }

    @Test("malformed addresses are refused", arguments: ["", "192.0.2", "192.0.2.256", "1.2.3.4.5", "2001:db8::1::2", "host"])
    func malformed(_ text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test("only 4 or 16 network bytes make an address")
    func networkBytesLength() {
        #expect(IPAddress(networkBytes: [1, 2, 3]) == nil)
        #expect(IPAddress(networkBytes: [UInt8](repeating: 0, count: 15)) == nil)
        #expect(IPAddress(networkBytes: [UInt8](repeating: 0, count: 16))?.description == "::")
    }

    @Test("stats start at zero")
    func statsZero() {
        let s = L2TPStats()
        #expect(s.txPackets == 0 && s.txBytes == 0 && s.txErrors == 0)
        #expect(s.rxPackets == 0 && s.rxBytes == 0 && s.rxSeqDiscards == 0 && s.rxOOSPackets == 0)
        #expect(s.rxErrors == 0 && s.rxCookieDiscards == 0 && s.rxInvalid == 0)
    }
}
