// SPDX-License-Identifier: GPL-2.0-only
// parse.c's byte helpers: host-order loads and stores at any alignment, and 4-byte alignment.

import CL2TPPreload
import Testing

@Suite("Byte helpers: l2tpd_preload_get16/get32/put16/put32/align4")
struct ByteHelperTests {
    @Test("loads and stores are host order at any offset, and touch only their own bytes")
    func loadsAndStores() {
        var bytes = [UInt8](repeating: 0xee, count: 12)
        bytes.withUnsafeMutableBufferPointer { b in
            l2tpd_preload_put32(b.baseAddress! + 1, 0x1122_3344)
            l2tpd_preload_put16(b.baseAddress! + 7, 0x5566)
        }
        #expect(bytes == [0xee] + Bytes.u32(0x1122_3344) + [0xee, 0xee] + Bytes.u16(0x5566) + [0xee, 0xee, 0xee])
        bytes.withUnsafeBufferPointer { b in
            #expect(l2tpd_preload_get32(b.baseAddress! + 1) == 0x1122_3344)
            #expect(l2tpd_preload_get16(b.baseAddress! + 7) == 0x5566)
        }
    }

    @Test("align4 rounds up to a multiple of 4 (NLMSG_ALIGN, NLA_ALIGN)")
    func align4() {
        let expected: [(Int, Int)] = [(0, 0), (1, 4), (3, 4), (4, 4), (5, 8), (30, 32), (65535, 65536)]
        for (n, aligned) in expected {
            #expect(l2tpd_preload_align4(n) == aligned, "\(n)")
        }
    }
}
