// SPDX-License-Identifier: GPL-2.0-only
// How each L2TPAttributes field maps to and from its netlink attribute payload.

#if canImport(Glibc)
import Glibc
#endif
import L2TPWire

/// One attribute's value as the encoder writes it, named after the libnl call that writes it.
enum AttributeValue: Equatable {
    /// `nla_put_u8`, `nla_put_u16`, `nla_put_u32`, `nla_put_u64`.
    case u8(UInt8), u16(UInt16), u32(UInt32), u64(UInt64)
    /// `nla_put`: exactly these bytes.
    case bytes([UInt8])
    /// `nla_put` of these bytes plus a NUL.
    case string([UInt8])
    /// `nla_put_flag`: no payload.
    case flag
    /// A nest of u64 counters in `L2TPMessageCodec.statsOrder`.
    case stats(L2TPStats)

    /// Bytes the attribute occupies in the message, header and padding included.
    var encodedSize: Int {
        switch self {
        case .u8: LibnlMessage.attributeSize(1)
        case .u16: LibnlMessage.attributeSize(2)
        case .u32: LibnlMessage.attributeSize(4)
        case .u64: LibnlMessage.attributeSize(8)
        case .bytes(let b): LibnlMessage.attributeSize(b.count)
        case .string(let b): LibnlMessage.attributeSize(b.count + 1)
        case .flag: LibnlMessage.attributeSize(0)
        case .stats: LibnlMessage.attributeSize(L2TPMessageCodec.statsOrder.count * LibnlMessage.attributeSize(8))
        }
    }
}

extension L2TPAttributes {
    /// The value to write for `attr`, or nil when the field is absent (flags: when false).
    func value(of attr: L2TPAttr) -> AttributeValue? {
        switch attr {
        case .none, .pad: nil
        case .pwType: pwType.map { .u16($0) }
        case .encapType: encapType.map { .u16($0) }
        case .offset: offset.map { .u16($0) }
        case .dataSeq: dataSeq.map { .u8($0) }
        case .l2specType: l2specType.map { .u8($0) }
        case .l2specLen: l2specLen.map { .u8($0) }
        case .protoVersion: protoVersion.map { .u8($0) }
        case .ifname: ifname.map { .string(Array($0.utf8)) }
        case .connID: connID.map { .u32($0) }
        case .peerConnID: peerConnID.map { .u32($0) }
        case .sessionID: sessionID.map { .u32($0) }
        case .peerSessionID: peerSessionID.map { .u32($0) }
        case .udpCsum: udpCsum.map { .u8($0) }
        case .vlanID: vlanID.map { .u16($0) }
        case .cookie: cookie.map { .bytes($0) }
        case .peerCookie: peerCookie.map { .bytes($0) }
        case .debug: debug.map { .u32($0) }
        case .recvSeq: recvSeq.map { .u8($0) }
        case .sendSeq: sendSeq.map { .u8($0) }
        case .lnsMode: lnsMode.map { .u8($0) }
        case .usingIPsec: usingIPsec.map { .u8($0) }
        case .recvTimeout: recvTimeout.map { .u64($0) }
        case .fd: fd.map { .u32($0) }
        case .ipSaddr: ipSaddr.map { .bytes($0.bytes) }
        case .ipDaddr: ipDaddr.map { .bytes($0.bytes) }
        case .udpSport: udpSport.map { .u16($0) }
        case .udpDport: udpDport.map { .u16($0) }
        case .mtu: mtu.map { .u16($0) }
        case .mru: mru.map { .u16($0) }
        case .stats: stats.map { .stats($0) }
        case .ip6Saddr: ip6Saddr.map { .bytes($0.bytes) }
        case .ip6Daddr: ip6Daddr.map { .bytes($0.bytes) }
        case .udpZeroCsum6Tx: udpZeroCsum6Tx ? .flag : nil
        case .udpZeroCsum6Rx: udpZeroCsum6Rx ? .flag : nil
        }
    }

    /// Stores an attribute that passed `attr.policy`: integers from their first bytes, IFNAME up to
    /// its first NUL, flags as present. IP_SADDR/IP_DADDR take the first 4 bytes as an IPv4 address;
    /// IP6_SADDR/IP6_DADDR must be exactly 16 bytes (the policy only caps them at 16, and the kernel
    /// then reads 16 bytes regardless, past the attribute; l2tpd refuses instead).
    mutating func set(_ attr: L2TPAttr, from a: NetlinkAttribute) throws(NetlinkError) {
        switch attr {
        case .none, .pad: break
        case .pwType: pwType = a.u16
        case .encapType: encapType = a.u16
        case .offset: offset = a.u16
        case .dataSeq: dataSeq = a.u8
        case .l2specType: l2specType = a.u8
        case .l2specLen: l2specLen = a.u8
        case .protoVersion: protoVersion = a.u8
        case .ifname: ifname = a.cString
        case .connID: connID = a.u32
        case .peerConnID: peerConnID = a.u32
        case .sessionID: sessionID = a.u32
        case .peerSessionID: peerSessionID = a.u32
        case .udpCsum: udpCsum = a.u8
        case .vlanID: vlanID = a.u16
        case .cookie: cookie = a.bytes
        case .peerCookie: peerCookie = a.bytes
        case .debug: debug = a.u32
        case .recvSeq: recvSeq = a.u8
        case .sendSeq: sendSeq = a.u8
        case .lnsMode: lnsMode = a.u8
        case .usingIPsec: usingIPsec = a.u8
        case .recvTimeout: recvTimeout = a.u64
        case .fd: fd = a.u32
        case .ipSaddr: ipSaddr = IPAddress(networkBytes: a.payload.prefix(4))
        case .ipDaddr: ipDaddr = IPAddress(networkBytes: a.payload.prefix(4))
        case .udpSport: udpSport = a.u16
        case .udpDport: udpDport = a.u16
        case .mtu: mtu = a.u16
        case .mru: mru = a.u16
        case .stats: break  // decoded by the codec, which walks the nest
        case .ip6Saddr: ip6Saddr = try Self.ipv6(a, attr)
        case .ip6Daddr: ip6Daddr = try Self.ipv6(a, attr)
        case .udpZeroCsum6Tx: udpZeroCsum6Tx = true
        case .udpZeroCsum6Rx: udpZeroCsum6Rx = true
        }
    }

    private static func ipv6(_ a: NetlinkAttribute, _ attr: L2TPAttr) throws(NetlinkError) -> IPAddress {
        guard a.count == 16, let address = IPAddress(networkBytes: a.payload) else {
            throw NetlinkError(
                ERANGE, "\(attr.cName): \(a.count) bytes; expected a 16-byte IPv6 address (struct in6_addr)",
                attributeOffset: UInt32(a.offset))
        }
        return address
    }
}
