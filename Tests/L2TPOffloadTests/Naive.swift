// SPDX-License-Identifier: GPL-2.0-only
// The slow, obviously-correct references the tests compare the module against: a byte-at-a-time
// RFC 1071 sum and a header walker that checks a frame's IPv4 and TCP/UDP checksums.

/// Byte-at-a-time RFC 1071 arithmetic on arrays, in network byte order.
enum Naive {
    /// The 16-bit one's-complement sum of `bytes` (odd last byte padded with zero), not complemented.
    static func fold(_ bytes: [UInt8], initial: UInt32 = 0) -> UInt16 {
        var sum = initial
        for (i, b) in bytes.enumerated() {
            sum += i % 2 == 0 ? UInt32(b) << 8 : UInt32(b)
            if sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        return UInt16(sum)
    }

    /// The Internet checksum of `bytes`: the complement of `fold`.
    static func checksum(_ bytes: [UInt8]) -> UInt16 { ~fold(bytes) }

    /// What a frame's headers say, walked independently of the module.
    struct Walk {
        var networkOffset = 0
        var ipv6 = false
        var ipHeaderLength = 0
        var transportOffset = 0
        var proto: UInt8 = 0
        var ipPacketLength = 0
        /// nil when not IPv4.
        var ipv4ChecksumOK: Bool?
        /// nil when not TCP/UDP or the frame is shorter than its IP length.
        var l4ChecksumOK: Bool?
    }

    /// Walks Ethernet, VLAN tags, IPv4/IPv6 and verifies the checksums byte by byte.
    static func walk(_ f: [UInt8]) -> Walk? {
        guard f.count >= 14 else { return nil }
        var w = Walk()
        var at = 12
        var type = readBE16(f, at)
        while type == 0x8100 || type == 0x88a8 {
            at += 4
            guard f.count >= at + 2 else { return nil }
            type = readBE16(f, at)
        }
        w.networkOffset = at + 2
        let n = w.networkOffset
        switch type {
        case 0x0800:
            guard f.count >= n + 20 else { return nil }
            w.ipHeaderLength = Int(f[n] & 0xf) * 4
            guard f.count >= n + w.ipHeaderLength else { return nil }
            w.proto = f[n + 9]
            w.ipPacketLength = Int(readBE16(f, n + 2))
            w.ipv4ChecksumOK = fold(Array(f[n..<n + w.ipHeaderLength])) == 0xffff
        case 0x86dd:
            guard f.count >= n + 40 else { return nil }
            w.ipv6 = true
            w.ipHeaderLength = 40
            w.proto = f[n + 6]
            w.ipPacketLength = 40 + Int(readBE16(f, n + 4))
        default:
            return w
        }
        w.transportOffset = n + w.ipHeaderLength
        guard w.proto == 6 || w.proto == 17, f.count >= n + w.ipPacketLength else { return w }
        let l4 = Array(f[w.transportOffset..<n + w.ipPacketLength])
        let pseudo: [UInt8]
        if w.ipv6 {
            pseudo = Array(f[n + 8..<n + 40]) + be32(UInt32(l4.count)) + [0, 0, 0, w.proto]
        } else {
            pseudo = Array(f[n + 12..<n + 20]) + [0, w.proto] + be16(UInt16(l4.count))
        }
        w.l4ChecksumOK = fold(pseudo + l4) == 0xffff
        return w
    }
}
