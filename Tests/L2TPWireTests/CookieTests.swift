// SPDX-License-Identifier: GPL-2.0-only
// Cookie: every length the kernel accepts (0 to 8 bytes), on its own and inside a v3 header.

import L2TPTestSupport
import L2TPWire
import Testing

@Suite struct CookieTests {
    /// Distinct, non-zero bytes so that a byte written in the wrong place shows.
    static func sample(_ n: Int) -> [UInt8] { (0..<n).map { UInt8(0x11 * ($0 + 1)) } }

    @Test("bytes, count and description round trip", arguments: 0...8)
    func roundTrip(_ n: Int) throws {
        let bytes = Self.sample(n)
        let cookie = try #require(Cookie(bytes: bytes))
        #expect(cookie.count == n)
        #expect(cookie.bytes == bytes)
        #expect(cookie.description == bytes.hex)
    }

    @Test("writes exactly its bytes and nothing after them", arguments: 0...8)
    func write(_ n: Int) throws {
        let cookie = try #require(Cookie(bytes: Self.sample(n)))
        var buffer = [UInt8](repeating: 0xee, count: 9)
        let written = buffer.withUnsafeMutableBytes { cookie.write(to: $0.baseAddress!) }
        #expect(written == n)
        #expect(Array(buffer.prefix(n)) == Self.sample(n))
        #expect(buffer[n...].allSatisfy { $0 == 0xee })
    }

    @Test("matches its bytes, ignores what follows, and rejects any single wrong byte", arguments: 0...8)
    func matches(_ n: Int) throws {
        let cookie = try #require(Cookie(bytes: Self.sample(n)))
        let good = Self.sample(n) + [0x99, 0x98]
        #expect(good.withUnsafeBytes { cookie.matches($0.baseAddress!) })
        for i in 0..<n {
            var bad = good
            bad[i] ^= 0x01
            #expect(!bad.withUnsafeBytes { cookie.matches($0.baseAddress!) }, "byte \(i) differs")
        }
    }

    @Test("more than 8 bytes is refused")
    func tooLong() {
        #expect(Cookie(bytes: Self.sample(9)) == nil)
        #expect(Cookie(bytes: [UInt8](repeating: 0, count: 16)) == nil)
    }

    @Test("length is part of the value")
    func lengthMatters() throws {
        #expect(Cookie(bytes: [UInt8]()) == Cookie.none)
        #expect(Cookie.none.count == 0)
        #expect(Cookie(bytes: [0, 0, 0, 0]) != Cookie.none)
        #expect(Cookie(bytes: [1, 2]) != Cookie(bytes: [1, 2, 0]))
        // A zero cookie still has to be present and zero in the packet.
        let zero = try #require(Cookie(bytes: [0, 0, 0, 0]))
        #expect([UInt8]([0, 0, 0, 0]).withUnsafeBytes { zero.matches($0.baseAddress!) })
        #expect(![UInt8]([0, 0, 1, 0]).withUnsafeBytes { zero.matches($0.baseAddress!) })
    }

    @Test("description is lowercase hex with leading zeros, as iproute2 prints it")
    func description() throws {
        #expect(try #require(Cookie(bytes: [0x00, 0xff, 0x0a, 0xB0])).description == "00ff0ab0")
        #expect(Cookie.none.description == "")
    }

    @Test("a v3 header with an n-byte cookie writes and parses back", arguments: [EncapType.udp, .ip], 1...8)
    func inHeader(_ encap: EncapType, _ n: Int) throws {
        let cookie = try #require(Cookie(bytes: Self.sample(n)))
        let payload: [UInt8] = [0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7]
        let packet = PacketBuilder.v3(
            encap: encap, sessionID: 0x0102_0304, cookie: cookie, l2spec: .default, ns: 9, payload: payload)
        let flags = encap == .udp ? "00030000" : ""
        let expected = flags + "01020304" + Self.sample(n).hex + "40000009" + payload.hex
        #expect(packet.hex == expected)

        let form: Form = encap == .udp ? .udp : .ip
        let decoded = parse(packet, form: form, cookie: cookie, l2spec: .default)
        #expect(decoded.kind == .data)
        #expect(decoded.ns == 9)
        #expect(decoded.cookie == Self.sample(n))
        #expect(decoded.payloadOffset == L2TPv3Header.length(encap: encap, cookieLength: n, l2spec: .default))
        // A cookie differing only in its last byte is another session's cookie.
        let other = try #require(Cookie(bytes: Self.sample(n - 1) + [0xff]))
        #expect(parse(packet, form: form, cookie: other, l2spec: .default).kind == .cookieMismatch)
    }
}
