// SPDX-License-Identifier: GPL-2.0-only
// NetlinkHeader parsing and splitNetlinkMessages on good and malformed datagrams (NLMSG_OK / NLMSG_NEXT).

#if canImport(Glibc)
import Glibc
#endif
import L2TPNetlink
import L2TPTestSupport
import Testing

@Suite("splitNetlinkMessages and NetlinkHeader")
struct NetlinkHeaderTests {
    let first = genl(sequence: 1, [5, 0, 7, 0, 3])  // 25 bytes, padded to 28 in a datagram
    let second = genl(sequence: 2, tlv(9, le32(1)))

    @Test("NetlinkHeader reads 16 bytes and writes them back")
    func header() throws {
        let header = try #require(NetlinkHeader(hex("2c000000 1c00 0103 78563412 21430000 ffff")))
        #expect(header == NetlinkHeader(length: 44, type: 0x1c, flags: 0x301, sequence: 0x1234_5678, portID: 0x4321))
        #expect(header.bytes == hex("2c000000 1c00 0103 78563412 21430000"))
        #expect(NetlinkHeader([UInt8](repeating: 0, count: 15)) == nil)
        #expect(NetlinkHeader(hex("10000000 0300 0200 01000000 02000000")[...]) != nil)
    }

    @Test("two messages, the first with an unaligned length")
    func twoMessages() throws {
        let datagram = first + [0, 0, 0] + second
        #expect(try splitNetlinkMessages(datagram) == [first, second])
    }

    @Test("empty datagram, header-only message, unpadded last message, short trailing bytes")
    func edges() throws {
        #expect(try splitNetlinkMessages([]) == [])
        let bare = NetlinkAck.done(sequence: 1, portID: 2).prefix(16)
        var headerOnly = Array(bare)
        headerOnly[0] = 16
        #expect(try splitNetlinkMessages(headerOnly) == [headerOnly])
        #expect(try splitNetlinkMessages(second + first) == [second, first])
        #expect(try splitNetlinkMessages(second + [0, 0, 0, 0, 0, 0, 0, 0]) == [second])
        #expect(try splitNetlinkMessages([1, 2, 3]) == [])
    }

    @Test("a length below the header or past the datagram → EINVAL")
    func badLengths() {
        var short = second
        short[0] = 15
        #expect(throws: NetlinkError(EINVAL, "netlink message at byte 0: nlmsg_len 15 is shorter than the 16-byte nlmsghdr")) {
            try splitNetlinkMessages(short)
        }
        let overrun = second + genl(sequence: 3, [], length: 64)
        do {
            _ = try splitNetlinkMessages(overrun)
            Issue.record("expected EINVAL")
        } catch {
            #expect(error.errno == EINVAL)
            #expect(error.message.contains("byte 28"))
        }
        var zero = second
        zero[0] = 0
        #expect(throws: NetlinkError.self) { try splitNetlinkMessages(zero) }
    }
}
