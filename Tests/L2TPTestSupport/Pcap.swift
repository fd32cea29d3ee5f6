// SPDX-License-Identifier: GPL-2.0-only
// A minimal libpcap file writer and the Ethernet/IPv4/UDP framing needed to put L2TP packets in it,
// so captures of golden packets can be read back by tshark.

/// Builds the bytes of a classic libpcap capture file (link type Ethernet), record by record.
///
/// File header (24 bytes, written little-endian): magic 0xa1b2c3d4, version 2.4, thiszone 0,
/// sigfigs 0, snaplen, network 1 (LINKTYPE_ETHERNET). Each record: ts_sec, ts_usec, incl_len,
/// orig_len (4 bytes each), then the frame.
public struct PcapWriter {
    public private(set) var bytes: [UInt8] = []
    /// Number of records written.
    public private(set) var count = 0

    public init(snapLength: UInt32 = 65535) {
        appendLE(UInt32(0xa1b2_c3d4))
        appendLE(UInt16(2))
        appendLE(UInt16(4))
        appendLE(UInt32(0))  // thiszone
        appendLE(UInt32(0))  // sigfigs
        appendLE(snapLength)
        appendLE(UInt32(1))  // LINKTYPE_ETHERNET
    }

    /// Appends one Ethernet frame; record n is stamped n seconds after the epoch.
    public mutating func append(frame: [UInt8]) {
        appendLE(UInt32(count))
        appendLE(UInt32(0))
        appendLE(UInt32(frame.count))
        appendLE(UInt32(frame.count))
        bytes += frame
        count += 1
    }

    /// Appends an L2TP packet (from its flags word) carried in Ethernet/IPv4/UDP.
    public mutating func appendUDP(l2tp: [UInt8], sourcePort: UInt16 = 1701, destinationPort: UInt16 = 1701) {
        let udp = Framing.udp(
            sourcePort: sourcePort, destinationPort: destinationPort, source: Framing.hostA, destination: Framing.hostB,
            payload: l2tp)
        let ip = Framing.ipv4(
            protocol: 17, identification: UInt16(truncatingIfNeeded: count + 1), source: Framing.hostA,
            destination: Framing.hostB, payload: udp)
        append(frame: Framing.ethernet(payload: ip))
    }

    /// Appends an L2TP packet (from its session id) carried directly in IPv4, protocol 115.
    public mutating func appendIP(l2tp: [UInt8]) {
        let ip = Framing.ipv4(
            protocol: 115, identification: UInt16(truncatingIfNeeded: count + 1), source: Framing.hostA,
            destination: Framing.hostB, payload: l2tp)
        append(frame: Framing.ethernet(payload: ip))
    }

    private mutating func appendLE<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { bytes += $0 }
    }
}

/// Ethernet II, IPv4 and UDP headers with correct checksums.
public enum Framing {
    /// 192.0.2.1 and 192.0.2.2 (TEST-NET-1).
    public static let hostA: [UInt8] = [192, 0, 2, 1]
    public static let hostB: [UInt8] = [192, 0, 2, 2]

    /// The RFC 1071 Internet checksum of `bytes` (an odd trailing byte is padded with zero).
    public static func internetChecksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var i = 0
        while i + 1 < bytes.count {
            sum += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1])
            i += 2
        }
        if i < bytes.count { sum += UInt32(bytes[i]) << 8 }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }

    /// Ethernet II: locally administered unicast MACs, EtherType IPv4 by default.
    public static func ethernet(
        destination: [UInt8] = [0x02, 0, 0, 0, 0, 0x02], source: [UInt8] = [0x02, 0, 0, 0, 0, 0x01],
        etherType: UInt16 = 0x0800, payload: [UInt8]
    ) -> [UInt8] {
        destination + source + be(etherType) + payload
    }

    /// An IPv4 header without options (IHL 5, DF set, TTL 64) with its header checksum, then `payload`.
    public static func ipv4(
        protocol proto: UInt8, identification: UInt16, source: [UInt8], destination: [UInt8], payload: [UInt8]
    ) -> [UInt8] {
        precondition(source.count == 4 && destination.count == 4)
        var header: [UInt8] = [0x45, 0x00] + be(UInt16(20 + payload.count)) + be(identification)
        header += [0x40, 0x00, 64, proto, 0, 0] + source + destination
        let checksum = internetChecksum(header)
        header[10] = UInt8(checksum >> 8)
        header[11] = UInt8(checksum & 0xff)
        return header + payload
    }

    /// A UDP header with the checksum over the IPv4 pseudo-header, then `payload`.
    public static func udp(
        sourcePort: UInt16, destinationPort: UInt16, source: [UInt8], destination: [UInt8], payload: [UInt8]
    ) -> [UInt8] {
        let length = UInt16(8 + payload.count)
        var segment = be(sourcePort) + be(destinationPort) + be(length) + [0, 0] + payload
        let pseudo = source + destination + [0, 17] + be(length)
        var checksum = internetChecksum(pseudo + segment)
        if checksum == 0 { checksum = 0xffff }  // 0 means "no checksum" in UDP over IPv4
        segment[6] = UInt8(checksum >> 8)
        segment[7] = UInt8(checksum & 0xff)
        return segment
    }

    private static func be(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
}
