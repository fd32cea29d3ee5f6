// SPDX-License-Identifier: GPL-2.0-only
// Encoding and decoding `l2tp` family messages byte for byte as net/l2tp/l2tp_netlink.c writes and parses them.

#if canImport(Glibc)
import Glibc
#endif
import L2TPWire

/// The `l2tp` generic netlink message codec.
///
/// Decoding follows what genetlink does for this family's ops (`GENL_DONT_VALIDATE_STRICT`, i.e.
/// `nlmsg_parse_deprecated` / `NL_VALIDATE_LIBERAL` in lib/nlattr.c):
/// 1. `nlmsg_len` shorter than nlmsghdr + genlmsghdr (20 bytes) → `EINVAL` (genl_family_rcv_msg).
///    `nlmsg_len` larger than the buffer → `EINVAL`. Bytes after `nlmsg_len` are not looked at.
/// 2. Attributes are walked with `nla_ok` / `nla_next`. A header shorter than 4 bytes or an `nla_len`
///    running past the message ends the walk; the rest is ignored (the kernel only logs
///    "bytes leftover after parsing attributes"). Attributes before it are kept.
/// 3. Type 0 and types above `L2TP_ATTR_MAX` are ignored; `NLA_F_NESTED` / `NLA_F_NET_BYTEORDER`
///    are masked off the type and not checked.
/// 4. Each known attribute is checked against `l2tp_nl_policy` (see `AttributePolicy`); the first
///    failure is thrown with the attribute's offset. A later duplicate replaces an earlier one.
/// 5. STATS has no nested policy in the kernel; l2tpd decodes it into `L2TPStats`, walking it the
///    same liberal way and requiring 8 bytes for each known counter (`ERANGE` otherwise).
public enum L2TPMessageCodec {
    /// Size of nlmsghdr + genlmsghdr: `NLMSG_HDRLEN + GENL_HDRLEN`.
    public static let headerSize = NetlinkHeader.size + 4

    /// Parses one complete nlmsg of the l2tp family with the kernel's lenient policy (see the type's
    /// documentation). Errors carry an extack message naming the attribute and its offset.
    public static func decode(_ message: [UInt8]) throws(NetlinkError) -> GenlMessage {
        try decode(message, validating: true)
    }

    /// Like `decode(_:)`; with `validating` false an attribute that fails its policy is dropped instead
    /// of failing the message. That suits dump requests, which genetlink does not validate for this
    /// family (`GENL_DONT_VALIDATE_DUMP`). Header errors still throw.
    public static func decode(_ message: [UInt8], validating: Bool) throws(NetlinkError) -> GenlMessage {
        guard let header = NetlinkHeader(message) else {
            throw NetlinkError(
                EINVAL, "message of \(message.count) bytes is shorter than struct nlmsghdr (16 bytes)")
        }
        let length = Int(header.length)
        guard length >= headerSize else {
            throw NetlinkError(
                EINVAL, "nlmsg_len \(length) is shorter than struct nlmsghdr + struct genlmsghdr (20 bytes)")
        }
        guard length <= message.count else {
            throw NetlinkError(EINVAL, "nlmsg_len \(length) overruns the \(message.count)-byte message")
        }
        let aligned = AlignedMessage(message, length: length)
        var attributes = L2TPAttributes()
        _ = try aligned.walkGenlAttributes { (raw: NetlinkAttribute) throws(NetlinkError) in
            guard raw.type != 0, let attr = L2TPAttr(rawValue: raw.type) else { return }
            do throws(NetlinkError) {
                try attr.policy.check(raw, name: attr.cName)
                if attr == .stats {
                    attributes.stats = try decodeStats(raw, in: aligned)
                } else {
                    try attributes.set(attr, from: raw)
                }
            } catch {
                if validating { throw error }
            }
        }
        return GenlMessage(header: header, command: message[16], version: message[17], attributes: attributes)
    }

    /// Decodes the STATS nest. Unknown counters, STATS_NONE and STATS_PAD are skipped.
    private static func decodeStats(_ nest: NetlinkAttribute, in message: borrowing AlignedMessage)
        throws(NetlinkError) -> L2TPStats
    {
        var stats = L2TPStats()
        _ = try message.walkNested(nest) { (raw: NetlinkAttribute) throws(NetlinkError) in
            guard let kind = L2TPStatsAttr(rawValue: raw.type), let counter = kind.counter else { return }
            try AttributePolicy.integer(size: 8).check(raw, name: "\(L2TPAttr.stats.cName)/\(kind.cName)")
            stats[keyPath: counter] = raw.u64
        }
        return stats
    }

    /// Builds one nlmsg with libnl (`nlmsg_alloc_size`, `genlmsg_put`, `nla_put_*`) carrying the present
    /// fields of `attributes`, in exactly the order of `order` (absent fields skipped).
    ///
    /// STATS is a nest WITHOUT `NLA_F_NESTED` in `statsOrder`, as `nla_nest_start_noflag` writes it;
    /// flags (UDP_ZERO_CSUM6_*) are zero-length when true; IFNAME is NUL-terminated; IPv4 addresses
    /// take 4 bytes and IPv6 16; u64 values get no pad attribute (x86-64 has efficient unaligned access).
    public static func encode(command: L2TPCommand, attributes: L2TPAttributes, order: [L2TPAttr],
                              flags: UInt16, sequence: UInt32, portID: UInt32,
                              familyID: UInt16 = L2TPGenl.familyID, version: UInt8 = L2TPGenl.version) -> [UInt8]
    {
        let values = order.compactMap { attr in attributes.value(of: attr).map { (attr, $0) } }
        let message = LibnlMessage(capacity: headerSize + values.reduce(0) { $0 + $1.1.encodedSize })
        message.putGenlHeader(family: familyID, flags: flags, sequence: sequence, portID: portID,
                              command: command.rawValue, version: version)
        for (attr, value) in values {
            message.put(attr.rawValue, value)
        }
        return message.bytes
    }

    /// The order of `l2tp_nl_tunnel_send`: PROTO_VERSION, CONN_ID, PEER_CONN_ID, DEBUG, ENCAP_TYPE,
    /// STATS, then the address attributes of `l2tp_nl_tunnel_send_addr4/6`. Which of those appear is
    /// the caller's choice by setting fields:
    /// - IPv4 UDP: UDP_CSUM, UDP_SPORT, UDP_DPORT, IP_SADDR, IP_DADDR
    /// - IPv6 UDP: [UDP_ZERO_CSUM6_TX], [UDP_ZERO_CSUM6_RX], UDP_SPORT, UDP_DPORT, IP6_SADDR, IP6_DADDR
    /// - IPv4 IP: IP_SADDR, IP_DADDR; IPv6 IP: IP6_SADDR, IP6_DADDR
    public static let tunnelReplyOrder: [L2TPAttr] = [
        .protoVersion, .connID, .peerConnID, .debug, .encapType, .stats,
        .udpCsum, .udpZeroCsum6Tx, .udpZeroCsum6Rx, .udpSport, .udpDport,
        .ipSaddr, .ipDaddr, .ip6Saddr, .ip6Daddr,
    ]

    /// The order of `l2tp_nl_session_send`. The kernel writes IFNAME only when set, COOKIE and
    /// PEER_COOKIE only when non-empty, USING_IPSEC only when an xfrm policy is attached and
    /// RECV_TIMEOUT only when non-zero: leave those fields nil to match.
    public static let sessionReplyOrder: [L2TPAttr] = [
        .connID, .sessionID, .peerConnID, .peerSessionID, .debug, .pwType,
        .ifname, .cookie, .peerCookie, .recvSeq, .sendSeq, .lnsMode, .usingIPsec, .recvTimeout, .stats,
    ]

    /// The counters of the STATS nest in the order of current kernels' `l2tp_nl_tunnel_send` /
    /// `l2tp_nl_session_send` (RX_COOKIE_DISCARDS and RX_INVALID included).
    public static let statsOrder: [L2TPStatsAttr] = [
        .txPackets, .txBytes, .txErrors, .rxPackets, .rxBytes,
        .rxSeqDiscards, .rxCookieDiscards, .rxOOSPackets, .rxErrors, .rxInvalid,
    ]

    /// Every attribute that has a field, in numeric order: a canonical order for round trips.
    public static let numericOrder: [L2TPAttr] = L2TPAttr.allCases.filter { $0 != .none && $0 != .pad }
}

extension LibnlMessage {
    /// Writes one attribute with the matching libnl call.
    func put(_ type: UInt16, _ value: AttributeValue) {
        switch value {
        case .u8(let v): putU8(type, v)
        case .u16(let v): putU16(type, v)
        case .u32(let v): putU32(type, v)
        case .u64(let v): putU64(type, v)
        case .bytes(let b): putBytes(type, b)
        case .string(let b): putString(type, b)
        case .flag: putFlag(type)
        case .stats(let stats):
            let nest = beginNest(type)
            for kind in L2TPMessageCodec.statsOrder {
                putU64(kind.rawValue, stats[keyPath: kind.counter!])
            }
            endNest(nest)
        }
    }
}
