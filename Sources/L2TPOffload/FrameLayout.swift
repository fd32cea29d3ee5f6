// SPDX-License-Identifier: GPL-2.0-only
// Finds the Ethernet, VLAN, IP and TCP/UDP headers of a frame, for segmentation and coalescing.
//
// Concurrency: a value type parsed from caller memory; no state.

/// Where the headers of an Ethernet frame carrying TCP or UDP over IPv4 or IPv6 lie (the offsets the
/// kernel keeps as an skb's mac, network and transport headers), read without ever looking past the
/// frame's length.
///
/// Ethernet II, with zero, one or two VLAN tags (802.1Q 0x8100, 802.1ad 0x88a8) before the EtherType:
/// ```
/// +-------------------+-------------------+---------+ - - - - - - - - - - - +-----------+
/// | destination (6)   | source (6)        | TPID (2)| TCI (2)  [0-2 times]  | type (2)  |
/// +-------------------+-------------------+---------+ - - - - - - - - - - - +-----------+
/// ```
///
/// IPv4 (RFC 791), EtherType 0x0800:
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Version|  IHL  |Type of Service|          Total Length         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Identification        |0|D|M|      Fragment Offset    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Time to Live |    Protocol   |         Header Checksum       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                       Source Address                          |
/// |                    Destination Address                        |
/// |                    Options (IHL > 5)                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// IPv6 (RFC 8200), EtherType 0x86dd; the next header must be TCP or UDP (no extension headers):
/// ```
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Version| Traffic Class |           Flow Label                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Payload Length        |  Next Header  |   Hop Limit   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                 Source Address (16) | Destination Address (16)|
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// TCP (RFC 9293), protocol 6:
/// ```
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |          Source Port          |       Destination Port        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                        Sequence Number                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    Acknowledgment Number                      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Data |       |C|E|U|A|P|R|S|F|                               |
/// | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           Checksum            |         Urgent Pointer        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    Options (Data Offset > 5)                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// UDP (RFC 768), protocol 17:
/// ```
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |          Source Port          |       Destination Port        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |             Length            |           Checksum            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
struct FrameLayout {
    /// First byte of the IP header (after the Ethernet header and any VLAN tags): the L2 length.
    var networkOffset: Int
    /// First byte of the TCP/UDP header.
    var transportOffset: Int
    /// First byte after the TCP/UDP header: the L2+L3+L4 header length.
    var payloadOffset: Int
    /// Where the IP packet ends by its own length field (IPv4 total length, IPv6 40 + payload
    /// length), from the start of the frame. Not checked against the frame's length.
    var declaredEnd: Int
    var isIPv6: Bool
    /// `IPPROTO_TCP` or `IPPROTO_UDP`.
    var transportProtocol: UInt8
    /// IPv4 MF set or a nonzero fragment offset.
    var isFragment: Bool

    var networkHeaderLength: Int { transportOffset - networkOffset }
    var transportHeaderLength: Int { payloadOffset - transportOffset }
    var isTCP: Bool { transportProtocol == FrameLayout.tcp }
    /// The source address; the destination follows it.
    var addressOffset: Int { networkOffset + (isIPv6 ? 8 : 12) }
    var addressLength: Int { isIPv6 ? 16 : 4 }
    /// The L4 checksum field: 16 into TCP, 6 into UDP.
    var checksumOffset: Int { isTCP ? 16 : 6 }

    static let etherTypeIPv4: UInt16 = 0x0800
    static let etherTypeIPv6: UInt16 = 0x86dd
    static let etherTypeVLAN: UInt16 = 0x8100
    static let etherTypeQinQ: UInt16 = 0x88a8
    static let ethernetHeaderLength = 14
    static let vlanTagLength = 4
    static let maxVLANTags = 2
    static let ipv6HeaderLength = 40
    static let tcp: UInt8 = 6
    static let udp: UInt8 = 17
    static let udpHeaderLength = 8

    /// TCP flag bits (byte 13 of the TCP header).
    static let fin: UInt8 = 0x01
    static let syn: UInt8 = 0x02
    static let rst: UInt8 = 0x04
    static let psh: UInt8 = 0x08
    static let ack: UInt8 = 0x10
    static let urg: UInt8 = 0x20
    static let ece: UInt8 = 0x40
    static let cwr: UInt8 = 0x80
    /// Offset of the flags byte in the TCP header.
    static let tcpFlagsOffset = 13

    enum Parsed {
        case layout(FrameLayout)
        case invalid(OffloadError)
    }

    /// Parses the headers of the `length`-byte frame at `p`.
    static func parse(_ p: UnsafeRawPointer, length: Int) -> Parsed {
        guard length >= ethernetHeaderLength else { return .invalid(.truncatedHeaders) }
        var etherType = be16(p, 12)
        var at = ethernetHeaderLength
        var tags = 0
        while etherType == etherTypeVLAN || etherType == etherTypeQinQ {
            guard tags < maxVLANTags else { return .invalid(.unsupportedNetworkProtocol) }
            guard at + vlanTagLength <= length else { return .invalid(.truncatedHeaders) }
            etherType = be16(p, at + 2)
            at += vlanTagLength
            tags += 1
        }
        let network = at
        let transport: Int
        let proto: UInt8
        let declaredEnd: Int
        var fragment = false
        switch etherType {
        case etherTypeIPv4:
            guard network + 20 <= length else { return .invalid(.truncatedHeaders) }
            let versionIHL = p.load(fromByteOffset: network, as: UInt8.self)
            let ihl = Int(versionIHL & 0x0f) * 4
            guard versionIHL >> 4 == 4, ihl >= 20 else { return .invalid(.malformedNetworkHeader) }
            guard network + ihl <= length else { return .invalid(.truncatedHeaders) }
            transport = network + ihl
            proto = p.load(fromByteOffset: network + 9, as: UInt8.self)
            declaredEnd = network + Int(be16(p, network + 2))
            fragment = be16(p, network + 6) & 0x3fff != 0
        case etherTypeIPv6:
            guard network + ipv6HeaderLength <= length else { return .invalid(.truncatedHeaders) }
            guard p.load(fromByteOffset: network, as: UInt8.self) >> 4 == 6 else {
                return .invalid(.malformedNetworkHeader)
            }
            transport = network + ipv6HeaderLength
            proto = p.load(fromByteOffset: network + 6, as: UInt8.self)
            declaredEnd = transport + Int(be16(p, network + 4))
        default:
            return .invalid(.unsupportedNetworkProtocol)
        }
        let payload: Int
        switch proto {
        case tcp:
            guard transport + 20 <= length else { return .invalid(.truncatedHeaders) }
            let dataOffset = Int(p.load(fromByteOffset: transport + 12, as: UInt8.self) >> 4) * 4
            guard dataOffset >= 20 else { return .invalid(.malformedTransportHeader) }
            guard transport + dataOffset <= length else { return .invalid(.truncatedHeaders) }
            payload = transport + dataOffset
        case udp:
            guard transport + udpHeaderLength <= length else { return .invalid(.truncatedHeaders) }
            payload = transport + udpHeaderLength
        default:
            return .invalid(.unsupportedTransportProtocol)
        }
        return .layout(
            FrameLayout(
                networkOffset: network, transportOffset: transport, payloadOffset: payload,
                declaredEnd: declaredEnd, isIPv6: etherType == etherTypeIPv6, transportProtocol: proto,
                isFragment: fragment))
    }

    /// The pseudo-header sum of this frame's addresses and protocol for an L4 length of `length`.
    func pseudoHeaderSum(_ p: UnsafeRawPointer, length: Int) -> UInt64 {
        let source = p + addressOffset
        let destination = source + addressLength
        return isIPv6
            ? InternetChecksum.pseudoHeaderSumIPv6(
                source: source, destination: destination, protocol: transportProtocol, length: length)
            : InternetChecksum.pseudoHeaderSumIPv4(
                source: source, destination: destination, protocol: transportProtocol, length: length)
    }
}

/// A big-endian 16-bit field at `p + offset`.
@inline(__always)
func be16(_ p: UnsafeRawPointer, _ offset: Int) -> UInt16 {
    UInt16(bigEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
}

/// A big-endian 32-bit field at `p + offset`.
@inline(__always)
func be32(_ p: UnsafeRawPointer, _ offset: Int) -> UInt32 {
    UInt32(bigEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
}

/// Stores a big-endian 16-bit field at `p + offset`.
@inline(__always)
func storeBE16(_ value: UInt16, _ p: UnsafeMutableRawPointer, _ offset: Int) {
    p.storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt16.self)
}

/// Stores a big-endian 32-bit field at `p + offset`.
@inline(__always)
func storeBE32(_ value: UInt32, _ p: UnsafeMutableRawPointer, _ offset: Int) {
    p.storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt32.self)
}
