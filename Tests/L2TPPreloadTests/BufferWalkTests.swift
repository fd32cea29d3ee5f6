// SPDX-License-Identifier: GPL-2.0-only
// The first look at a send buffer: does any of its nlmsgs go to l2tpd (l2tpd_preload_any_for_l2tpd)?

import L2TPNetlink
import Testing

@Suite("Send buffers: l2tpd_preload_any_for_l2tpd")
struct BufferWalkTests {
    typealias P = PreloadParser

    /// A message that goes to the kernel: iproute2's lookup of nl80211 (32 bytes).
    let kernel = Lookup.ipResolve("nl80211")
    /// `ip l2tp show tunnel`'s TUNNEL_GET dump (20 bytes).
    let l2tp = L2TPRequest.tunnelDump()

    @Test("one message: l2tp traffic and lookups of l2tp/l2tpd are found, kernel traffic is not")
    func single() {
        #expect(P.anyForL2TPD(l2tp))
        #expect(P.anyForL2TPD(Captured.ipResolveL2TP))
        #expect(P.anyForL2TPD(Captured.libnlResolveL2TP))
        #expect(P.anyForL2TPD(Captured.genlGetID))
        #expect(P.anyForL2TPD(L2TPDGenl.request(.addMembership, [(.group, L2TPGenl.multicastGroupID)], ack: true,
                                                sequence: 1, portID: 0)))
        #expect(!P.anyForL2TPD(kernel))
        #expect(!P.anyForL2TPD(Captured.genlList))
        #expect(!P.anyForL2TPD(Captured.libnlDump))
    }

    @Test("a kernel message followed by an l2tp one is found (the buffer gets split)")
    func kernelThenL2TP() {
        #expect(P.anyForL2TPD(kernel + l2tp))
        #expect(P.anyForL2TPD(kernel + kernel + Lookup.genlGetName("l2tpd")))
        #expect(P.anyForL2TPD(l2tp + kernel))
        #expect(!P.anyForL2TPD(kernel + Captured.genlList + kernel))
    }

    @Test("messages are NLMSG_ALIGNed: an odd nlmsg_len is followed by padding")
    func alignment() {
        // A 30-byte kernel message (one 6-byte attribute), padded to 32, then the l2tp one.
        let odd = Bytes.genl(type: 0x1c, flags: NetlinkFlags.request, command: 1, version: 1,
                             attributes: Bytes.attribute(1, [UInt8](repeating: 0, count: 6)), length: 30)
        #expect(odd.count == 32)
        #expect(P.anyForL2TPD(odd + l2tp))
        // Without the padding, the l2tp message is read 2 bytes too late and not recognised.
        #expect(!P.anyForL2TPD(Array(odd.prefix(30)) + l2tp))
    }

    @Test("an nlmsg_len shorter than a header or past the buffer ends the walk")
    func badLengthEndsTheWalk() {
        for bad: UInt32 in [0, 1, 15] {
            #expect(!P.anyForL2TPD(kernel.withLength(bad) + l2tp), "nlmsg_len \(bad)")
            #expect(!P.anyForL2TPD(l2tp.withLength(bad)), "nlmsg_len \(bad)")
        }
        // The kernel message claims more than the buffer holds: the l2tp message behind it is not seen.
        let overlong = kernel.withLength(UInt32(kernel.count + l2tp.count + 4))
        #expect(!P.anyForL2TPD(overlong + l2tp))
        #expect(!P.anyForL2TPD(kernel + l2tp.withLength(UInt32(l2tp.count + 1))))
        // Messages before the bad one still count.
        #expect(P.anyForL2TPD(l2tp + overlong))
    }

    @Test("buffers shorter than a header, and short tails, hold no message")
    func shortBuffers() {
        #expect(!P.anyForL2TPD([]))
        for length in 1..<16 {
            #expect(!P.anyForL2TPD(Array(l2tp.prefix(length))), "\(length) bytes")
            #expect(!P.anyForL2TPD(kernel + Array(l2tp.prefix(length))), "kernel + \(length) bytes")
        }
        // A whole header alone is enough for the type to decide.
        #expect(P.anyForL2TPD(Array(l2tp.prefix(16)).withLength(16)))
    }
}
