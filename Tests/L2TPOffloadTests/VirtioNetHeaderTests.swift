// SPDX-License-Identifier: GPL-2.0-only
// struct virtio_net_hdr: layout and byte order.

import L2TPOffload
import L2TPTestSupport
import Testing

@Suite struct VirtioNetHeaderTests {
    @Test("little-endian layout: flags, gso_type, hdr_len, gso_size, csum_start, csum_offset")
    func layout() {
        let header = VirtioNetHeader(
            flags: VirtioNetHeader.needsChecksum, gsoType: VirtioNetHeader.gsoTCPv4 | VirtioNetHeader.gsoECN,
            headerLength: 66, gsoSize: 1448, checksumStart: 34, checksumOffset: 16)
        var bytes = [UInt8](repeating: 0xee, count: 12)
        bytes.withUnsafeMutableBytes { header.write(to: $0.baseAddress! + 1) }
        #expect(bytes.hex == "ee" + "01" + "81" + "4200" + "a805" + "2200" + "1000" + "ee")
        let read = bytes.withUnsafeBytes { VirtioNetHeader(from: $0.baseAddress! + 1) }
        #expect(read == header)
        #expect(read.gsoKind == VirtioNetHeader.gsoTCPv4)
        #expect(VirtioNetHeader.size == 10)
    }

    @Test("defaults are all zero; the constants are the kernel's")
    func constants() {
        var bytes = [UInt8](repeating: 0xee, count: 10)
        bytes.withUnsafeMutableBytes { VirtioNetHeader().write(to: $0.baseAddress!) }
        #expect(bytes == [UInt8](repeating: 0, count: 10))
        #expect(VirtioNetHeader.needsChecksum == 1 && VirtioNetHeader.dataValid == 2)
        #expect(VirtioNetHeader.gsoNone == 0 && VirtioNetHeader.gsoTCPv4 == 1 && VirtioNetHeader.gsoUDP == 3)
        #expect(VirtioNetHeader.gsoTCPv6 == 4 && VirtioNetHeader.gsoUDPL4 == 5 && VirtioNetHeader.gsoECN == 0x80)
    }
}
