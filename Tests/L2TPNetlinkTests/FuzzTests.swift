// SPDX-License-Identifier: GPL-2.0-only
// Seeded random input and mutations of valid messages: every parser must return or throw, never crash.

#if canImport(Glibc)
import Glibc
#endif
import L2TPNetlink
import L2TPTestSupport
import L2TPWire
import Testing

@Suite("Fuzz-ish robustness")
struct FuzzTests {
    /// Feeds `bytes` to every parser in the module. Returns whether decode succeeded.
    @discardableResult
    func parseEverything(_ bytes: [UInt8]) -> Bool {
        _ = try? splitNetlinkMessages(bytes)
        _ = NetlinkHeader(bytes)
        _ = try? GenlControl.parseGetFamily(bytes)
        _ = GenlControl.parseNewFamily(bytes)
        _ = NetlinkAck.parse(bytes)
        _ = NetlinkAck.encode(answering: bytes, error: NetlinkError(EINVAL, "x", attributeOffset: 20), portID: 1)
        _ = try? L2TPMessageCodec.decode(bytes, validating: false)
        guard let message = try? L2TPMessageCodec.decode(bytes) else { return false }
        // Whatever decodes re-encodes, and decodes again to the same attributes, unless a repaired
        // (invalid UTF-8) interface name no longer fits in 15 bytes.
        let again = L2TPMessageCodec.encode(command: .noop, attributes: message.attributes,
                                            order: L2TPMessageCodec.numericOrder, flags: 0, sequence: 0, portID: 0)
        if (message.attributes.ifname?.utf8.count ?? 0) <= 15 {
            #expect((try? L2TPMessageCodec.decode(again))?.attributes == message.attributes)
        }
        return true
    }

    /// Valid messages of every kind this module writes.
    static func seeds() -> [[UInt8]] {
        var a = L2TPAttributes()
        a.connID = 1
        a.peerConnID = 2
        a.protoVersion = 3
        a.encapType = 0
        a.debug = 0
        a.ipSaddr = IPAddress("192.0.2.1")
        a.ipDaddr = IPAddress("192.0.2.2")
        a.udpSport = 1701
        a.udpDport = 1701
        a.udpCsum = 1
        var stats = L2TPStats()
        stats.rxBytes = 77
        a.stats = stats
        var s = L2TPAttributes()
        s.connID = 1
        s.sessionID = 2
        s.peerConnID = 3
        s.peerSessionID = 4
        s.pwType = 5
        s.ifname = "l2tpeth0"
        s.cookie = [1, 2, 3, 4]
        s.peerCookie = [1, 2, 3, 4, 5, 6, 7, 8]
        s.recvTimeout = 10
        s.stats = stats
        s.ip6Saddr = IPAddress("2001:db8::1")
        let tunnel = L2TPMessageCodec.encode(command: .tunnelGet, attributes: a,
                                             order: L2TPMessageCodec.tunnelReplyOrder, flags: 2, sequence: 1, portID: 2)
        let session = L2TPMessageCodec.encode(command: .sessionGet, attributes: s,
                                              order: L2TPMessageCodec.numericOrder, flags: 0, sequence: 1, portID: 2)
        return [
            tunnel, session,
            IPRouteRequest.tunnelCreate(a, familyID: 0x1c, sequence: 1),
            IPRouteRequest.sessionCreate(s, familyID: 0x1c, sequence: 2),
            IPRouteRequest.sessionDump(tunnelID: 1, sessionID: 2, familyID: 0x1c, sequence: 3),
            GenlControl.getFamilyRequest(name: "l2tp", sequence: 1, portID: 2),
            GenlControl.newFamilyReply(GenlControl.l2tp, sequence: 1, portID: 2),
            NetlinkAck.encode(answering: tunnel, error: NetlinkError(EINVAL, "bad", attributeOffset: 24), portID: 1),
            NetlinkAck.encode(answering: tunnel, error: nil, portID: 1),
            NetlinkAck.done(sequence: 1, portID: 1),
            tunnel + session,
        ]
    }

    @Test("4000 random byte strings")
    func randomBytes() {
        var rng = SplitMix64(seed: 0x6c32_7470)
        for _ in 0..<4000 {
            let count = Int.random(in: 0...160, using: &rng)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Half the time make the header plausible so the attribute walk is reached.
            if count >= 20, Bool.random(using: &rng) {
                bytes.replaceSubrange(0..<4, with: le32(UInt32.random(in: 16...UInt32(count + 8), using: &rng)))
            }
            parseEverything(bytes)
        }
    }

    @Test("6000 mutations of valid messages")
    func mutations() {
        var rng = SplitMix64(seed: 2026)
        let seeds = Self.seeds()
        var decoded = 0
        for round in 0..<6000 {
            var bytes = seeds[round % seeds.count]
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                guard !bytes.isEmpty else { break }
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<6, using: &rng) {
                case 0: bytes[at] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
                case 1: bytes[at] = UInt8.random(in: 0...255, using: &rng)
                case 2:  // a random length field somewhere (nlmsg_len or nla_len)
                    let value = UInt16.random(in: 0...600, using: &rng)
                    let start = at & ~3
                    if start + 2 <= bytes.count { bytes.replaceSubrange(start..<start + 2, with: le16(value)) }
                case 3: bytes.removeLast(Int.random(in: 0...min(bytes.count, 12), using: &rng))
                case 4: bytes += (0..<Int.random(in: 1...12, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                default: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: at)
                }
            }
            if parseEverything(bytes) { decoded += 1 }
        }
        #expect(decoded > 0)
    }

    @Test("random valid attributes round-trip in any order")
    func randomRoundTrip() throws {
        var rng = SplitMix64(seed: 99)
        func maybe<T>(_ make: () -> T) -> T? { Bool.random(using: &rng) ? make() : nil }
        for _ in 0..<500 {
            var a = L2TPAttributes()
            a.pwType = maybe { UInt16.random(in: 0...0xffff, using: &rng) }
            a.encapType = maybe { UInt16.random(in: 0...1, using: &rng) }
            a.l2specType = maybe { UInt8.random(in: 0...1, using: &rng) }
            a.protoVersion = maybe { UInt8.random(in: 2...3, using: &rng) }
            a.ifname = maybe {
                String((0..<Int.random(in: 0...15, using: &rng)).map { _ in
                    Character(Unicode.Scalar(UInt8.random(in: 0x21...0x7e, using: &rng)))
                })
            }
            a.connID = maybe { UInt32.random(in: 0...UInt32.max, using: &rng) }
            a.sessionID = maybe { UInt32.random(in: 0...UInt32.max, using: &rng) }
            a.cookie = maybe { (0..<Int.random(in: 0...8, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) } }
            a.peerCookie = maybe { [UInt8.random(in: 0...255, using: &rng)] }
            a.recvTimeout = maybe { UInt64.random(in: 0...UInt64.max, using: &rng) }
            a.ipSaddr = maybe { .v4(1, 2, 3, UInt8.random(in: 0...255, using: &rng)) }
            a.ip6Daddr = maybe { .v6((0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }) }
            a.udpZeroCsum6Rx = Bool.random(using: &rng)
            a.stats = maybe {
                var s = L2TPStats()
                s.rxInvalid = UInt64.random(in: 0...UInt64.max, using: &rng)
                s.txBytes = UInt64.random(in: 0...UInt64.max, using: &rng)
                return s
            }
            let order = L2TPMessageCodec.numericOrder.shuffled(using: &rng)
            let bytes = L2TPMessageCodec.encode(command: .sessionCreate, attributes: a, order: order, flags: 5,
                                                sequence: 1, portID: 0)
            #expect(try L2TPMessageCodec.decode(bytes).attributes == a)
        }
    }
}
