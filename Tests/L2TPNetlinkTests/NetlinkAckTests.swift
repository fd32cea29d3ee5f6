// SPDX-License-Identifier: GPL-2.0-only
// NLMSG_ERROR / NLMSG_DONE layout (net/netlink/af_netlink.c netlink_ack) and the client-side parser.

#if canImport(Glibc)
import Glibc
#endif
import L2TPNetlink
import L2TPTestSupport
import Testing

@Suite("NetlinkAck")
struct NetlinkAckTests {
    /// TUNNEL_DELETE of tunnel 9, seq 0x10, pid 0: the request every ACK below answers.
    let request = hex(
        "1c000000 1c00 0500 10000000 00000000",  // len 28, REQUEST|ACK, seq 16
        "02 01 0000",  // TUNNEL_DELETE v1
        "0800 0900 09000000")  // CONN_ID = 9
    let requestHex = "1c000000 1c00 0500 10000000 00000000 02010000 08000900 09000000"

    func expectBytes(_ ours: [UInt8], _ expected: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(ours == expected, "\nours:\n\(hexDump(ours))\nexpected:\n\(hexDump(expected))",
                sourceLocation: sourceLocation)
    }

    @Test("ACK: NLM_F_CAPPED, error 0, only the request's header echoed")
    func ack() throws {
        let bytes = NetlinkAck.encode(answering: request, error: nil, portID: 0x1234)
        expectBytes(bytes, hex(
            "24000000 0200 0001 10000000 34120000",  // len 36, NLMSG_ERROR, NLM_F_CAPPED, seq 16, pid 0x1234
            "00000000",  // error 0
            "1c000000 1c00 0500 10000000 00000000"))  // the request's nlmsghdr
        #expect(NetlinkAck.encode(answering: request, error: NetlinkError(0), portID: 0x1234) == bytes)
        let parsed = try #require(NetlinkAck.parse(bytes))
        #expect(parsed.errno == 0 && parsed.message == nil && parsed.offset == nil)
    }

    @Test("error without extack: the whole request echoed, flags 0")
    func plainError() throws {
        let bytes = NetlinkAck.encode(answering: request, error: NetlinkError(ENODEV), portID: 0x1234)
        expectBytes(bytes, hex(
            "30000000 0200 0000 10000000 34120000",  // len 48, NLMSG_ERROR, flags 0
            "edffffff",  // -ENODEV (-19)
            requestHex))  // the request, all 28 bytes
        let parsed = try #require(NetlinkAck.parse(bytes))
        #expect(parsed.errno == ENODEV && parsed.message == nil && parsed.offset == nil)
    }

    @Test("error with extack: message and offset TLVs after the echoed request, NLM_F_ACK_TLVS")
    func extackError() throws {
        let error = NetlinkError(ENODEV, "no tunnel 9", attributeOffset: 20)
        let bytes = NetlinkAck.encode(answering: request, error: error, portID: 0x1234)
        expectBytes(bytes, hex(
            "48000000 0200 0002 10000000 34120000",  // len 72, NLMSG_ERROR, NLM_F_ACK_TLVS
            "edffffff",  // -ENODEV
            requestHex,  // the request
            "1000 0100 6e6f2074 756e6e65 6c203900",  // NLMSGERR_ATTR_MSG "no tunnel 9\0"
            "0800 0200 14000000"))  // NLMSGERR_ATTR_OFFS = 20
        let parsed = try #require(NetlinkAck.parse(bytes))
        #expect(parsed.errno == ENODEV)
        #expect(parsed.message == "no tunnel 9")
        #expect(parsed.offset == 20)
    }

    @Test("capped error with extack (NETLINK_CAP_ACK): header only, then the TLVs")
    func cappedError() throws {
        let error = NetlinkError(EINVAL, "no tunnel 9", attributeOffset: 20)
        let bytes = NetlinkAck.encode(answering: request, error: error, portID: 7, capped: true)
        expectBytes(bytes, hex(
            "3c000000 0200 0003 10000000 07000000",  // len 60, NLM_F_CAPPED | NLM_F_ACK_TLVS
            "eaffffff",  // -EINVAL
            "1c000000 1c00 0500 10000000 00000000",  // the request's header only
            "1000 0100 6e6f2074 756e6e65 6c203900",  // NLMSGERR_ATTR_MSG
            "0800 0200 14000000"))  // NLMSGERR_ATTR_OFFS
        let parsed = try #require(NetlinkAck.parse(bytes))
        #expect(parsed.errno == EINVAL && parsed.message == "no tunnel 9" && parsed.offset == 20)
    }

    @Test("a message on success is a warning: ACK with NLMSGERR_ATTR_MSG, never an offset")
    func warning() throws {
        let bytes = NetlinkAck.encode(answering: request, error: NetlinkError(0, "deprecated", attributeOffset: 20),
                                      portID: 0x1234)
        expectBytes(bytes, hex(
            "34000000 0200 0003 10000000 34120000",  // len 52, CAPPED | ACK_TLVS
            "00000000",  // error 0
            "1c000000 1c00 0500 10000000 00000000",  // request header
            "0f00 0100 64657072 65636174 656400 00"))  // NLMSGERR_ATTR_MSG "deprecated\0", 1 byte pad
        let parsed = try #require(NetlinkAck.parse(bytes))
        #expect(parsed.errno == 0 && parsed.message == "deprecated" && parsed.offset == nil)
    }

    @Test("NLMSG_DONE: int 0, NLM_F_MULTI")
    func done() {
        expectBytes(NetlinkAck.done(sequence: 7, portID: 0x1234),
                    hex("14000000 0300 0200 07000000 34120000",  // len 20, NLMSG_DONE, NLM_F_MULTI
                        "00000000"))  // dump_done_errno = 0
        #expect(NetlinkAck.parse(NetlinkAck.done(sequence: 7, portID: 1)) == nil)
    }

    @Test("odd input: short requests are echoed zero-padded; parse refuses what is not an error")
    func oddInput() throws {
        let short = NetlinkAck.encode(answering: [1, 2, 3], error: NetlinkError(EINVAL), portID: 1)
        #expect(short.count == 36)
        #expect(Array(short[20..<36]) == [1, 2, 3] + [UInt8](repeating: 0, count: 13))
        #expect(NetlinkAck.parse([]) == nil)
        #expect(NetlinkAck.parse(Array(NetlinkAck.encode(answering: request, error: nil, portID: 1).prefix(19))) == nil)
        #expect(NetlinkAck.parse(request) == nil)
        // ACK_TLVS set but the TLV area cut off or garbage: the errno still comes through.
        var cut = NetlinkAck.encode(answering: request, error: NetlinkError(ENOENT, "x"), portID: 1)
        cut = Array(cut.prefix(52))
        cut[0] = 52
        let parsed = try #require(NetlinkAck.parse(cut))
        #expect(parsed.errno == ENOENT && parsed.message == nil)
    }
}
