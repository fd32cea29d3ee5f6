// SPDX-License-Identifier: GPL-2.0-only
// Demux: data-vs-control classification and lookup keys, UDP form and IP form.

import L2TPTestSupport
import L2TPWire
import Testing

@Suite struct DemuxTests {
    func udp(_ hex: String) -> Demux {
        let bytes = [UInt8](hex: hex)
        return bytes.withUnsafeBytes { Demux.udp($0.baseAddress!, length: $0.count) }
    }

    func ip(_ hex: String) -> Demux {
        let bytes = [UInt8](hex: hex)
        return bytes.withUnsafeBytes { Demux.ip($0.baseAddress!, length: $0.count) }
    }

    @Test("UDP: fewer than 14 bytes is short, whatever the header says")
    func udpShort() {
        #expect(Demux.udpMinimum == 14)
        #expect(udp("0002 1234 5678 a0a1a2a3a4a5a6") == .short)  // 13 bytes of v2 data
        #expect(udp("c802 000c 1234 0000 0001 0002 00") == .short)  // 13 bytes with T set
        #expect(udp("0003 0000 0000abcd 000000") == .short)
        #expect(udp("0002 1234 5678 a0a1a2a3a4a5a6a7") == .v2(tunnelID: 0x1234, sessionID: 0x5678, flags: 0x0002, optionsOffset: 6))
    }

    @Test("UDP: the T bit makes a frame control, whatever its version", arguments: ["8002", "c802", "8003", "c803", "8001", "800f"])
    func udpControl(_ flags: String) {
        #expect(udp(flags + "0014 0000 0009 0001 0002 0000") == .control(connectionID: nil))
    }

    @Test("UDP v2: the L bit moves the ids two bytes on; flags are passed through")
    func udpV2Length() {
        #expect(udp("4002 0010 1234 5678 a0a1a2a3a4a5a6a7") == .v2(tunnelID: 0x1234, sessionID: 0x5678, flags: 0x4002, optionsOffset: 8))
        #expect(udp("4b02 0018 ffff 0001 0000 0000 0000 a0a1") == .v2(tunnelID: 0xffff, sessionID: 1, flags: 0x4b02, optionsOffset: 8))
    }

    @Test("UDP: any version but 2 is keyed by a 32-bit session id, the version checked later", arguments: [0, 1, 3, 4, 15])
    func udpOtherVersions(_ version: Int) {
        let flags = String(format4: UInt16(version))
        #expect(udp(flags + "ffff 80000001 00000000 a0a1") == .v3(sessionID: 0x8000_0001, version: UInt8(version), optionsOffset: 8))
    }

    @Test("UDP v3: reserved bits and P/S/L/O-like bits are ignored")
    func udpV3Reserved() {
        #expect(udp("7ff3 ffff 00000005 00000000 a0a1") == .v3(sessionID: 5, version: 3, optionsOffset: 8))
    }

    @Test("IP: a non-zero session id is data from 4 bytes on")
    func ipData() {
        #expect(ip("00000001") == .v3(sessionID: 1, version: 3, optionsOffset: 4))
        #expect(ip("ffffffff a0") == .v3(sessionID: 0xffff_ffff, version: 3, optionsOffset: 4))
        #expect(ip("000001") == .short)
    }

    @Test("IP: session id 0 is control only with 12 header bytes whose first has T and L")
    func ipControl() {
        #expect(ip("00000000 c803 000c 12345678 0001 0002") == .control(connectionID: 0x1234_5678))
        #expect(ip("00000000 c003 000c 00000009 0000 0000 ffff") == .control(connectionID: 9))  // longer is fine
        #expect(ip("00000000 c803 000c 00000009 0001 00") == .short)  // 11 header bytes
        #expect(ip("00000000 4803 000c 00000009 0001 0002") == .short)  // no T
        #expect(ip("00000000 8803 000c 00000009 0001 0002") == .short)  // no L
        #expect(ip("00000000 0003 000c 00000009 0001 0002") == .short)
        #expect(ip("00000000") == .short)
    }

    @Test("header lengths follow l2tp_session_set_header_len")
    func headerLengths() {
        #expect(L2TPv2Header.length(sendSeq: false) == 6)
        #expect(L2TPv2Header.length(sendSeq: true) == 10)
        for n in 0...8 {
            #expect(L2TPv3Header.length(encap: .udp, cookieLength: n, l2spec: .default) == 12 + n)
            #expect(L2TPv3Header.length(encap: .udp, cookieLength: n, l2spec: .none) == 8 + n)
            #expect(L2TPv3Header.length(encap: .ip, cookieLength: n, l2spec: .default) == 8 + n)
            #expect(L2TPv3Header.length(encap: .ip, cookieLength: n, l2spec: .none) == 4 + n)
        }
        // L2TP_HDR_SIZE_MAX covers every UDP-form header the kernel itself builds without a cookie.
        #expect(L2TPv3Header.length(encap: .udp, cookieLength: 0, l2spec: .default) <= Demux.udpMinimum)
    }

    @Test("flag constants are the kernel's")
    func flagConstants() {
        #expect(L2TPHeaderFlags.t == 0x8000)
        #expect(L2TPHeaderFlags.l == 0x4000)
        #expect(L2TPHeaderFlags.s == 0x0800)
        #expect(L2TPHeaderFlags.o == 0x0200)
        #expect(L2TPHeaderFlags.p == 0x0100)
        #expect(L2TPHeaderFlags.versionMask == 0x000f)
        #expect(L2TPv3Header.sublayerSBit == 0x4000_0000)
        #expect(L2TPv3Header.sublayerSeqMask == 0x00ff_ffff)
    }
}

extension String {
    /// Four lowercase hex digits.
    init(format4 v: UInt16) {
        let digits = String(v, radix: 16)
        self = String(repeating: "0", count: 4 - digits.count) + digits
    }
}
