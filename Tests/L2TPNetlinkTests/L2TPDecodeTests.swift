// SPDX-License-Identifier: GPL-2.0-only
// Decoder behaviour on good, odd and malformed input, checked against lib/nlattr.c's liberal validation.

#if canImport(Glibc)
import Glibc
#endif
import L2TPNetlink
import L2TPTestSupport
import L2TPWire
import Testing

@Suite("L2TPMessageCodec.decode: header and attribute validation")
struct L2TPDecodeTests {
    /// Decodes and returns the error, failing the test if there was none.
    func decodeError(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> NetlinkError? {
        do {
            let message = try L2TPMessageCodec.decode(bytes)
            Issue.record("expected an error, decoded \(message)", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    let connID1 = tlv(9, le32(1))  // CONN_ID = 1, 8 bytes

    // MARK: Headers

    @Test("truncated nlmsghdr → EINVAL")
    func truncatedHeader() {
        for count in [0, 1, 15] {
            #expect(decodeError([UInt8](repeating: 0x14, count: count))?.errno == EINVAL)
        }
    }

    @Test("nlmsg_len overrunning the buffer → EINVAL")
    func lengthOverrun() {
        let error = decodeError(genl(connID1, length: 29))
        #expect(error?.errno == EINVAL)
        #expect(error?.message.contains("nlmsg_len 29") == true)
    }

    @Test("genlmsghdr missing or cut short → EINVAL")
    func genlHeaderMissing() {
        let headerOnly = le32(16) + le16(0x1c) + le16(5) + le32(1) + le32(0)
        #expect(decodeError(headerOnly)?.errno == EINVAL)
        let cut = le32(19) + le16(0x1c) + le16(5) + le32(1) + le32(0) + [1, 1, 0]
        #expect(decodeError(cut)?.errno == EINVAL)
        // A length field below 16 is refused even when the buffer is long.
        #expect(decodeError(genl(connID1, length: 8))?.errno == EINVAL)
    }

    @Test("a bare genl header is a valid message without attributes")
    func emptyMessage() throws {
        let message = try L2TPMessageCodec.decode(genl(command: 4, []))
        #expect(message.attributes == L2TPAttributes())
        #expect(message.l2tpCommand == .tunnelGet)
        #expect(message.header.length == 20)
    }

    @Test("bytes after nlmsg_len are not part of the message")
    func bytesAfterLength() throws {
        let message = try L2TPMessageCodec.decode(genl(connID1) + tlv(11, le32(5)))
        #expect(message.attributes.connID == 1)
        #expect(message.attributes.sessionID == nil)
    }

    @Test("an unpadded last attribute (nlmsg_len not a multiple of 4) is read")
    func unpaddedTail() throws {
        let bytes = genl(connID1 + [5, 0, 7, 0, 3])  // PROTO_VERSION = 3, no padding
        #expect(bytes.count == 33)
        let message = try L2TPMessageCodec.decode(bytes)
        #expect(message.attributes.protoVersion == 3)
        #expect(message.attributes.connID == 1)
    }

    // MARK: Liberal walking (nla_ok / nla_next)

    @Test("an attribute whose nla_len overruns the message ends the walk; earlier ones are kept")
    func attributeOverrun() throws {
        // lib/nlattr.c __nla_validate_parse: nla_for_each_attr stops, "bytes leftover" is only logged
        // unless NL_VALIDATE_TRAILING, which liberal validation does not set.
        let bytes = genl(connID1 + tlv(11, le32(7), length: 200) + tlv(12, le32(8)))
        let message = try L2TPMessageCodec.decode(bytes)
        #expect(message.attributes.connID == 1)
        #expect(message.attributes.sessionID == nil)
        #expect(message.attributes.peerSessionID == nil)
    }

    @Test("an nla_len below 4 ends the walk; trailing bytes shorter than a header are ignored")
    func shortHeaders() throws {
        let tiny = genl(connID1 + le16(2) + le16(11) + tlv(12, le32(8)))
        #expect(try L2TPMessageCodec.decode(tiny).attributes == { var a = L2TPAttributes(); a.connID = 1; return a }())
        let trailing = genl(connID1 + [0xff, 0xff])
        #expect(try L2TPMessageCodec.decode(trailing).attributes.connID == 1)
    }

    @Test("unknown types, type 0 and PAD are skipped")
    func ignoredTypes() throws {
        let bytes = genl(
            tlv(0, [1, 2, 3]) + tlv(36, [9]) + tlv(100, []) + tlv(0x3fff, le32(1)) + tlv(35, le64(0))
                + tlv(35, [1]) + connID1)
        let message = try L2TPMessageCodec.decode(bytes)
        var expected = L2TPAttributes()
        expected.connID = 1
        #expect(message.attributes == expected)
    }

    @Test("duplicates: the last one wins, but every copy is validated")
    func duplicates() throws {
        let message = try L2TPMessageCodec.decode(genl(connID1 + tlv(9, le32(2))))
        #expect(message.attributes.connID == 2)
        let error = decodeError(genl(tlv(9, le16(1)) + tlv(9, le32(2))))
        #expect(error?.errno == ERANGE)
        #expect(error?.attributeOffset == 20)
    }

    @Test("NLA_F_NESTED and NLA_F_NET_BYTEORDER are masked off the type and not checked")
    func typeFlags() throws {
        let bytes = genl(tlv(0x4000 | 9, le32(1)) + tlv(0x8000 | 11, le32(2)))
        let message = try L2TPMessageCodec.decode(bytes)
        #expect(message.attributes.connID == 1)
        #expect(message.attributes.sessionID == 2)
    }

    // MARK: Value lengths (validate_nla)

    @Test("u32 attribute with 2 bytes → ERANGE naming L2TP_ATTR_CONN_ID and its offset")
    func shortU32() {
        let error = decodeError(genl(tlv(11, le32(5)) + tlv(9, le16(1))))
        #expect(error?.errno == ERANGE)
        #expect(error?.message.hasPrefix("L2TP_ATTR_CONN_ID:") == true)
        #expect(error?.attributeOffset == 28)
    }

    @Test("every integer type needs its full size: u8, u16, u32, msecs")
    func shortIntegers() {
        #expect(decodeError(genl(tlv(7, [])))?.message.hasPrefix("L2TP_ATTR_PROTO_VERSION:") == true)
        #expect(decodeError(genl(tlv(1, [5])))?.errno == ERANGE)
        #expect(decodeError(genl(tlv(24, [192, 0, 2])))?.errno == ERANGE)
        let timeout = decodeError(genl(tlv(22, le32(300))))
        #expect(timeout?.errno == ERANGE)
        #expect(timeout?.message.hasPrefix("L2TP_ATTR_RECV_TIMEOUT:") == true)
    }

    @Test("longer values are read from their first bytes")
    func longIntegers() throws {
        let bytes = genl(tlv(7, [3, 9, 9, 9]) + tlv(1, [5, 0, 9, 9]) + tlv(24, [192, 0, 2, 1, 7, 7, 7, 7])
                         + tlv(9, le64(0xdead_beef_0000_0001)))
        let a = try L2TPMessageCodec.decode(bytes).attributes
        #expect(a.protoVersion == 3)
        #expect(a.pwType == 5)
        #expect(a.ipSaddr == IPAddress("192.0.2.1"))
        #expect(a.connID == 1)
    }

    @Test("zero-checksum flags mean presence, whatever their length (no policy entry)")
    func flags() throws {
        let a = try L2TPMessageCodec.decode(genl(tlv(33, []) + tlv(34, le32(0)))).attributes
        #expect(a.udpZeroCsum6Tx)
        #expect(a.udpZeroCsum6Rx)
    }

    @Test("IFNAME of 16+ bytes is refused")
    func longIfname() {
        // 16 characters + NUL: no NUL within the first IFNAMSIZ bytes → EINVAL.
        let sixteen = decodeError(genl(tlv(8, Array("abcdefghijklmnop".utf8) + [0])))
        #expect(sixteen?.errno == EINVAL)
        #expect(sixteen?.message == "L2TP_ATTR_IFNAME: longer than 15 bytes (no NUL within the first 16 of 17 bytes)")
        #expect(sixteen?.attributeOffset == 20)
        // A short name padded with NULs to 20 bytes: the NUL is there, but 19 bytes remain → ERANGE.
        let padded = decodeError(genl(tlv(8, Array("eth0".utf8) + [UInt8](repeating: 0, count: 16))))
        #expect(padded?.errno == ERANGE)
        #expect(padded?.message.hasPrefix("L2TP_ATTR_IFNAME: longer than 15 bytes") == true)
    }

    @Test("IFNAME without NUL is refused; 15 bytes + NUL and an inner NUL are accepted")
    func ifnameNUL() throws {
        let error = decodeError(genl(tlv(8, Array("eth0".utf8))))
        #expect(error?.errno == EINVAL)
        #expect(error?.message == "L2TP_ATTR_IFNAME: not NUL-terminated; send the string followed by a 0 byte")
        #expect(decodeError(genl(tlv(8, [])))?.errno == EINVAL)
        let fifteen = try L2TPMessageCodec.decode(genl(tlv(8, Array("abcdefghijklmno".utf8) + [0])))
        #expect(fifteen.attributes.ifname == "abcdefghijklmno")
        let inner = try L2TPMessageCodec.decode(genl(tlv(8, Array("ab".utf8) + [0] + Array("cd".utf8))))
        #expect(inner.attributes.ifname == "ab")
    }

    @Test("cookies: 9 bytes → ERANGE; 0 to 8 bytes kept as sent")
    func cookies() throws {
        let error = decodeError(genl(tlv(15, [UInt8](repeating: 1, count: 9))))
        #expect(error?.errno == ERANGE)
        #expect(error?.message == "L2TP_ATTR_COOKIE: 9 bytes, at most 8 allowed")
        #expect(decodeError(genl(tlv(16, [UInt8](repeating: 1, count: 12))))?.message
                    .hasPrefix("L2TP_ATTR_PEER_COOKIE") == true)
        let a = try L2TPMessageCodec.decode(genl(tlv(15, []) + tlv(16, [1, 2, 3]))).attributes
        #expect(a.cookie == [])
        #expect(a.peerCookie == [1, 2, 3])
    }

    @Test("IPv6 addresses must be exactly 16 bytes")
    func ipv6Lengths() throws {
        #expect(decodeError(genl(tlv(31, [UInt8](repeating: 0, count: 17))))?.errno == ERANGE)
        let short = decodeError(genl(tlv(32, [UInt8](repeating: 0, count: 15))))
        #expect(short?.errno == ERANGE)
        #expect(short?.message.hasPrefix("L2TP_ATTR_IP6_DADDR: 15 bytes") == true)
        let a = try L2TPMessageCodec.decode(genl(tlv(31, [0xfe, 0x80] + [UInt8](repeating: 0, count: 13) + [1])))
        #expect(a.attributes.ip6Saddr == IPAddress("fe80::1"))
    }

    @Test("validating: false drops bad attributes instead of failing")
    func lenient() throws {
        let bytes = genl(tlv(9, le16(1)) + tlv(11, le32(4)) + tlv(8, Array("eth0".utf8)))
        #expect(decodeError(bytes)?.errno == ERANGE)
        let message = try L2TPMessageCodec.decode(bytes, validating: false)
        #expect(message.attributes.connID == nil)
        #expect(message.attributes.sessionID == 4)
        #expect(message.attributes.ifname == nil)
        // Header errors still throw.
        #expect(throws: NetlinkError.self) { try L2TPMessageCodec.decode([1, 2, 3], validating: false) }
    }

    // MARK: STATS

    @Test("STATS decodes into L2TPStats; STATS_PAD, unknown counters and NLA_F_NESTED are fine")
    func statsNest() throws {
        let inner = tlv(1, le64(10)) + tlv(9, le32(0)) + tlv(11, le64(11)) + tlv(10, le64(12)) + tlv(99, le64(1))
            + tlv(8, le64(13))
        let plain = try L2TPMessageCodec.decode(genl(tlv(30, inner))).attributes.stats
        var expected = L2TPStats()
        expected.txPackets = 10
        expected.rxInvalid = 11
        expected.rxCookieDiscards = 12
        expected.rxErrors = 13
        #expect(plain == expected)
        let flagged = try L2TPMessageCodec.decode(genl(tlv(0x8000 | 30, inner))).attributes.stats
        #expect(flagged == expected)
        #expect(try L2TPMessageCodec.decode(genl(tlv(30, []))).attributes.stats == L2TPStats())
    }

    @Test("STATS whose nla_len overruns the message is dropped with the rest of the walk")
    func statsOverrunsMessage() throws {
        let bytes = genl(connID1 + tlv(30, tlv(1, le64(1)), length: 64))
        let a = try L2TPMessageCodec.decode(bytes).attributes
        #expect(a.connID == 1)
        #expect(a.stats == nil)
    }

    @Test("an inner counter overrunning the STATS nest ends the inner walk only")
    func statsInnerOverrun() throws {
        // STATS is 20 bytes: TX_PACKETS (12) and the header of an RX_BYTES claiming 12 bytes, i.e. 8 bytes
        // past the nest's end, into the CONN_ID that follows.
        let nest = le16(20) + le16(30) + tlv(1, le64(1)) + le16(12) + le16(5)
        let a = try L2TPMessageCodec.decode(genl(nest + tlv(9, le32(3)))).attributes
        var expected = L2TPStats()
        expected.txPackets = 1
        #expect(a.stats == expected)
        #expect(a.connID == 3)
    }

    @Test("STATS of 1-3 bytes → ERANGE; a short counter → ERANGE naming it")
    func statsTooShort() {
        let nest = decodeError(genl(tlv(30, [0, 0])))
        #expect(nest?.errno == ERANGE)
        #expect(nest?.message.hasPrefix("L2TP_ATTR_STATS:") == true)
        let counter = decodeError(genl(connID1 + tlv(30, tlv(1, le64(1)) + tlv(5, le32(1)))))
        #expect(counter?.errno == ERANGE)
        #expect(counter?.message.hasPrefix("L2TP_ATTR_STATS/L2TP_ATTR_RX_BYTES:") == true)
        #expect(counter?.attributeOffset == UInt32(20 + 8 + 4 + 12))  // after CONN_ID, the nest header, TX_PACKETS
    }
}
