// SPDX-License-Identifier: GPL-2.0-only
// Builds test frames (Ethernet, VLAN tags, IPv4/IPv6, TCP/UDP) byte by byte, independently of the
// module's parser, with checksums from the naive reference.

import L2TPOffload

/// The fields of one test frame; `bytes` lays them out.
struct FrameSpec {
    enum Transport { case tcp, udp }
    /// How the L4 checksum field is filled.
    enum L4Checksum {
        /// The complete checksum: a frame as it is on the wire.
        case full
        /// The folded pseudo-header sum over the L4 length, not complemented: a CHECKSUM_PARTIAL
        /// super-frame as a TAP with TSO/USO hands it over.
        case partial
        /// Zero (UDP over IPv4 without a checksum).
        case zero
    }

    var destinationMAC: [UInt8] = [0x02, 0, 0, 0, 0, 0x02]
    var sourceMAC: [UInt8] = [0x02, 0, 0, 0, 0, 0x01]
    /// VLAN tags, outermost first: (TPID, TCI).
    var vlanTags: [(UInt16, UInt16)] = []
    var etherType: UInt16?  // overrides the IP EtherType

    var ipv6 = false
    // IPv4
    var tos: UInt8 = 0
    var id: UInt16 = 0x1000
    var dontFragment = true
    var moreFragments = false
    var fragmentOffset: UInt16 = 0
    var ttl: UInt8 = 64
    var ipv4Options: [UInt8] = []
    var source4: [UInt8] = [10, 0, 0, 1]
    var destination4: [UInt8] = [10, 0, 0, 2]
    // IPv6
    var trafficClass: UInt8 = 0
    var flowLabel: UInt32 = 0x12345
    var hopLimit: UInt8 = 64
    var source6: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]
    var destination6: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [2]
    var protocolOverride: UInt8?  // e.g. 0 (hop-by-hop) or 1 (ICMP)

    var transport = Transport.tcp
    var sourcePort: UInt16 = 40000
    var destinationPort: UInt16 = 40001
    // TCP
    var seq: UInt32 = 1_000_000
    var ack: UInt32 = 77_777
    var flags: UInt8 = TCPFlag.ack
    var window: UInt16 = 4096
    var tcpOptions: [UInt8] = []

    var payload: [UInt8] = []
    var checksum = L4Checksum.full
    /// Zero bytes appended after the IP packet (Ethernet padding).
    var padding = 0

    var networkOffset: Int { 14 + 4 * vlanTags.count }
    var networkHeaderLength: Int { ipv6 ? 40 : 20 + ipv4Options.count }
    var transportOffset: Int { networkOffset + networkHeaderLength }
    var transportHeaderLength: Int { transport == .tcp ? 20 + tcpOptions.count : 8 }
    var headerLength: Int { transportOffset + transportHeaderLength }
    var protocolNumber: UInt8 { protocolOverride ?? (transport == .tcp ? 6 : 17) }

    var bytes: [UInt8] {
        var l4: [UInt8]
        let l4Length = transportHeaderLength + payload.count
        switch transport {
        case .tcp:
            l4 = be16(sourcePort) + be16(destinationPort) + be32(seq) + be32(ack)
            l4 += [UInt8((transportHeaderLength / 4) << 4), flags] + be16(window) + [0, 0, 0, 0] + tcpOptions
        case .udp:
            l4 = be16(sourcePort) + be16(destinationPort) + be16(UInt16(truncatingIfNeeded: l4Length)) + [0, 0]
        }
        l4 += payload
        let checkAt = transport == .tcp ? 16 : 6
        let pseudo = pseudoHeader(length: l4Length)
        switch checksum {
        case .full:
            var c = Naive.checksum(pseudo + l4)
            if transport == .udp && c == 0 { c = 0xffff }
            l4[checkAt] = UInt8(c >> 8)
            l4[checkAt + 1] = UInt8(c & 0xff)
        case .partial:
            let s = Naive.fold(pseudo)
            l4[checkAt] = UInt8(s >> 8)
            l4[checkAt + 1] = UInt8(s & 0xff)
        case .zero:
            break
        }

        var ip: [UInt8]
        if ipv6 {
            let word = UInt32(6) << 28 | UInt32(trafficClass) << 20 | (flowLabel & 0xfffff)
            ip = be32(word) + be16(UInt16(truncatingIfNeeded: l4Length)) + [protocolNumber, hopLimit]
            ip += source6 + destination6
        } else {
            let ihl = UInt8(networkHeaderLength / 4)
            var fragment = fragmentOffset & 0x1fff
            if dontFragment { fragment |= 0x4000 }
            if moreFragments { fragment |= 0x2000 }
            ip = [0x40 | ihl, tos] + be16(UInt16(truncatingIfNeeded: networkHeaderLength + l4Length)) + be16(id)
            ip += be16(fragment) + [ttl, protocolNumber, 0, 0] + source4 + destination4 + ipv4Options
            let c = Naive.checksum(ip)
            ip[10] = UInt8(c >> 8)
            ip[11] = UInt8(c & 0xff)
        }

        var frame = destinationMAC + sourceMAC
        for (tpid, tci) in vlanTags { frame += be16(tpid) + be16(tci) }
        frame += be16(etherType ?? (ipv6 ? 0x86dd : 0x0800))
        return frame + ip + l4 + [UInt8](repeating: 0, count: padding)
    }

    /// The pseudo-header bytes for an L4 length.
    func pseudoHeader(length: Int) -> [UInt8] {
        if ipv6 {
            return source6 + destination6 + be32(UInt32(length)) + [0, 0, 0, protocolNumber]
        }
        return source4 + destination4 + [0, protocolNumber] + be16(UInt16(truncatingIfNeeded: length))
    }

    /// The virtio header a TAP with TSO/USO puts before this frame as a super-frame.
    func virtioHeader(gsoSize: Int, ecn: Bool = false) -> VirtioNetHeader {
        var gsoType: UInt8
        switch (transport, ipv6) {
        case (.tcp, false): gsoType = VirtioNetHeader.gsoTCPv4
        case (.tcp, true): gsoType = VirtioNetHeader.gsoTCPv6
        case (.udp, _): gsoType = VirtioNetHeader.gsoUDPL4
        }
        if ecn { gsoType |= VirtioNetHeader.gsoECN }
        return VirtioNetHeader(
            flags: VirtioNetHeader.needsChecksum, gsoType: gsoType, headerLength: UInt16(headerLength),
            gsoSize: UInt16(gsoSize), checksumStart: UInt16(transportOffset),
            checksumOffset: transport == .tcp ? 16 : 6)
    }
}

enum TCPFlag {
    static let fin: UInt8 = 0x01
    static let syn: UInt8 = 0x02
    static let rst: UInt8 = 0x04
    static let psh: UInt8 = 0x08
    static let ack: UInt8 = 0x10
    static let urg: UInt8 = 0x20
    static let ece: UInt8 = 0x40
    static let cwr: UInt8 = 0x80
}

/// TCP options used by the tests.
enum TCPOption {
    /// NOP, NOP, timestamps (kind 8, length 10): what Linux puts on every data segment.
    static func timestamps(_ value: UInt32 = 0x0102_0304, echo: UInt32 = 0x0a0b_0c0d) -> [UInt8] {
        [1, 1, 8, 10] + be32(value) + be32(echo)
    }
    /// MSS, NOP, NOP, SACK-permitted: SYN-style options, padded with NOPs to 8 bytes.
    static let mssAndSACKPermitted: [UInt8] = [2, 4, 0x05, 0xb4, 1, 1, 4, 2]
    /// A SACK block (kind 5) after two NOPs.
    static func sack(_ left: UInt32, _ right: UInt32) -> [UInt8] { [1, 1, 5, 10] + be32(left) + be32(right) }
}

func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)] }
func readBE16(_ b: [UInt8], _ at: Int) -> UInt16 { UInt16(b[at]) << 8 | UInt16(b[at + 1]) }
func readBE32(_ b: [UInt8], _ at: Int) -> UInt32 {
    UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
}

