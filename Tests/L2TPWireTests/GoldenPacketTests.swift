// SPDX-License-Identifier: GPL-2.0-only
// The golden fixtures against the L2TPWire parsers and writers.

import L2TPTestSupport
import L2TPWire
import Testing

/// Runs our parser over a fixture: Demux for the form, then the v2 or v3 option parser.
func parse(_ fixture: Fixture) -> Decoded {
    parse(fixture.bytes, form: fixture.form, cookie: fixture.cookie, l2spec: fixture.l2spec)
}

func parse(_ bytes: [UInt8], form: Form, cookie: Cookie, l2spec: L2SpecType) -> Decoded {
    bytes.withUnsafeBytes { raw in
        let p = raw.baseAddress!
        let n = raw.count
        let demux = form == .udp ? Demux.udp(p, length: n) : Demux.ip(p, length: n)
        switch demux {
        case .short:
            return Decoded(kind: .unclassified)
        case .control(let connectionID):
            // Control frames stay unparsed; only the version nibble is read here, for the cross-check.
            let flags = UInt16(bigEndian: p.loadUnaligned(fromByteOffset: form == .udp ? 0 : 4, as: UInt16.self))
            return Decoded(kind: .control, version: UInt8(flags & L2TPHeaderFlags.versionMask), connectionID: connectionID)
        case .v2(let tid, let sid, let flags, let offset):
            guard let options = L2TPv2Header.parseOptions(p, length: n, flags: flags, offset: offset) else {
                return Decoded(kind: .truncated, version: 2, tunnelID: tid, sessionID: UInt32(sid))
            }
            return Decoded(
                kind: .data, version: 2, tunnelID: tid, sessionID: UInt32(sid), ns: options.ns.map(UInt32.init),
                payloadOffset: options.payloadOffset)
        case .v3(let sid, let version, let offset):
            let v: UInt8? = form == .udp ? version : nil
            switch L2TPv3Header.parseOptions(p, length: n, offset: offset, expectedCookie: cookie, l2spec: l2spec) {
            case .truncated:
                return Decoded(kind: .truncated, version: v, sessionID: sid)
            case .cookieMismatch:
                return Decoded(kind: .cookieMismatch, version: v, sessionID: sid)
            case .ok(let ns, let payloadOffset):
                return Decoded(
                    kind: .data, version: v, sessionID: sid, ns: ns, cookie: cookie.bytes, payloadOffset: payloadOffset)
            }
        }
    }
}

/// Builds a fixture's header with the writer it names into a buffer holding the fixture's payload.
func build(_ writer: Writer, payload: [UInt8]) -> [UInt8] {
    switch writer {
    case .v2(let tid, let sid, let ns):
        return PacketBuilder.v2(tunnelID: tid, sessionID: sid, ns: ns, payload: payload)
    case .v3(let encap, let sid, let cookie, let l2spec, let ns):
        return PacketBuilder.v3(encap: encap, sessionID: sid, cookie: cookie, l2spec: l2spec, ns: ns, payload: payload)
    }
}

@Suite struct GoldenPacketTests {
    static let payload: [UInt8] = [0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7]

    @Test("parser reads every fixture field as written by hand", arguments: Fixtures.all)
    func parsesFixture(_ fixture: Fixture) {
        #expect(parse(fixture) == fixture.expect)
    }

    @Test("payload starts where the parser says", arguments: Fixtures.all.filter { $0.expect.payloadOffset != nil })
    func payloadOffset(_ fixture: Fixture) throws {
        let offset = try #require(parse(fixture).payloadOffset)
        #expect(Array(fixture.bytes[offset...]) == Self.payload)
    }

    @Test("kernel-format writers produce the golden bytes", arguments: Fixtures.written)
    func writerMatchesFixture(_ fixture: Fixture) throws {
        let writer = try #require(fixture.writer)
        let built = build(writer, payload: Self.payload)
        #expect(built.hex == fixture.bytes.hex)
        // Header length as l2tp_session_set_header_len computes it.
        let headerLength: Int
        switch writer {
        case .v2(_, _, let ns): headerLength = L2TPv2Header.length(sendSeq: ns != nil)
        case .v3(let encap, _, let cookie, let l2spec, _):
            headerLength = L2TPv3Header.length(encap: encap, cookieLength: cookie.count, l2spec: l2spec)
        }
        #expect(headerLength == fixture.expect.payloadOffset)
    }

    @Test("writers overwrite every header byte, including Nr and an idle sublayer", arguments: Fixtures.written)
    func writerLeavesNoStaleBytes(_ fixture: Fixture) throws {
        let writer = try #require(fixture.writer)
        let length = try #require(fixture.expect.payloadOffset)
        for fill: UInt8 in [0x00, 0xff, 0x5a] {
            var buffer = [UInt8](repeating: fill, count: length)
            let written = buffer.withUnsafeMutableBytes { raw -> Int in
                switch writer {
                case .v2(let tid, let sid, let ns):
                    return L2TPv2Header.write(to: raw.baseAddress!, peerTunnelID: tid, peerSessionID: sid, ns: ns)
                case .v3(let encap, let sid, let cookie, let l2spec, let ns):
                    return L2TPv3Header.write(
                        to: raw.baseAddress!, encap: encap, peerSessionID: sid, cookie: cookie, l2spec: l2spec, ns: ns)
                }
            }
            #expect(written == length)
            #expect(buffer.hex == Array(fixture.bytes.prefix(length)).hex)
        }
    }

    @Test("a wrong cookie byte anywhere is a mismatch", arguments: Fixtures.all.filter { $0.cookie.count > 0 })
    func cookieMismatch(_ fixture: Fixture) throws {
        let start = try #require(fixture.expect.payloadOffset) - fixture.l2spec.length - fixture.cookie.count
        for i in 0..<fixture.cookie.count {
            var bytes = fixture.bytes
            bytes[start + i] ^= 0x80
            let got = parse(bytes, form: fixture.form, cookie: fixture.cookie, l2spec: fixture.l2spec)
            #expect(got.kind == .cookieMismatch, "cookie byte \(i) flipped")
        }
    }

    @Test(
        "v3 options one byte short are truncated; exactly present is fine",
        arguments: Fixtures.all.filter { $0.writer != nil && $0.expect.version != 2 })
    func v3Truncation(_ fixture: Fixture) throws {
        let headerLength = try #require(fixture.expect.payloadOffset)
        let minimum = fixture.form == .udp ? Demux.udpMinimum : 4
        let exact = Array(fixture.bytes.prefix(headerLength))
        let exactParse = parse(exact, form: fixture.form, cookie: fixture.cookie, l2spec: fixture.l2spec)
        #expect(exactParse.kind == (exact.count >= minimum ? .data : .unclassified))
        let short = Array(fixture.bytes.prefix(headerLength - 1))
        let shortParse = parse(short, form: fixture.form, cookie: fixture.cookie, l2spec: fixture.l2spec)
        if short.count < minimum {
            #expect(shortParse.kind == .unclassified)
        } else {
            // Options are only missing when the session expects a cookie or a sublayer.
            #expect(shortParse.kind == (fixture.cookie.count + fixture.l2spec.length > 0 ? .truncated : .data))
        }
    }

    @Test("a v2 offset pad that runs past the end is refused")
    func v2OffsetPastEnd() {
        let packet = [UInt8](hexFields: [
            "0202",  // flags: O=1, Ver=2
            "1234",  // Tunnel ID
            "5678",  // Session ID
            "0009",  // Offset Size = 9, one more than the 8 bytes that follow
            "a0a1a2a3a4a5a6a7",
        ])
        #expect(parse(packet, form: .udp, cookie: .none, l2spec: .none).kind == .truncated)
        var exact = packet
        exact[7] = 8  // Offset Size = 8: the pad ends exactly at the end, the payload is empty
        #expect(parse(exact, form: .udp, cookie: .none, l2spec: .none).payloadOffset == exact.count)
    }

    @Test("a v2 S bit with no room for Ns and Nr is refused")
    func v2SequenceMissing() {
        let packet = [UInt8](hex: "0802 1234 5678 00")
        let options = packet.withUnsafeBytes { raw in
            L2TPv2Header.parseOptions(raw.baseAddress!, length: raw.count, flags: 0x0802, offset: 6)
        }
        #expect(options == nil)
    }

    @Test("v2 ids and Ns are 16-bit; Nr is written as zero")
    func v2Extremes() {
        let packet = PacketBuilder.v2(tunnelID: 0xffff, sessionID: 0xfffe, ns: 0xffff, payload: Self.payload)
        #expect(Array(packet.prefix(10)).hex == "0802" + "ffff" + "fffe" + "ffff" + "0000")
    }

    @Test("the v3 writer masks the sequence number to 24 bits")
    func v3SequenceMask() {
        let packet = PacketBuilder.v3(encap: .ip, sessionID: 7, l2spec: .default, ns: 0x0100_0003, payload: Self.payload)
        #expect(Array(packet.prefix(8)).hex == "00000007" + "40000003")
    }
}
