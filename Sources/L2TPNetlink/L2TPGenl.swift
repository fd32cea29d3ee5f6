// SPDX-License-Identifier: GPL-2.0-only
// The `l2tp` Generic Netlink family's numbering, from include/uapi/linux/l2tp.h.

/// Family constants. The family id itself is dynamic in the kernel; l2tpd assigns `familyID` and
/// answers nlctrl lookups for `name` with it.
public enum L2TPGenl {
    /// The corresponding C constant is `L2TP_GENL_NAME`.
    public static let name = "l2tp"
    /// The corresponding C constant is `L2TP_GENL_VERSION`.
    public static let version: UInt8 = 1
    /// The corresponding C constant is `L2TP_GENL_MCGROUP`.
    public static let multicastGroup = "l2tp"
    /// The corresponding C constant is `L2TP_ATTR_MAX`.
    public static let maxAttribute: UInt16 = 35
    /// The corresponding C constant is `L2TP_ATTR_STATS_MAX`.
    public static let maxStatsAttribute: UInt16 = 11
    /// The family id l2tpd hands out. The kernel allocates ids dynamically up to GENL_MAX_ID (1023);
    /// l2tpd's are above that range so they can never be mistaken for a kernel family's when the
    /// preload library routes an application's netlink messages between the kernel and l2tpd.
    public static let familyID: UInt16 = 0x6c32
    /// The multicast group id l2tpd hands out for `multicastGroup`, likewise outside the kernel's range.
    public static let multicastGroupID: UInt32 = 0x6c32
}

/// Commands of the `l2tp` family. The corresponding C enum is anonymous `L2TP_CMD_*`.
public enum L2TPCommand: UInt8, Sendable, CaseIterable {
    /// The corresponding C constant is `L2TP_CMD_NOOP`.
    case noop = 0
    /// The corresponding C constant is `L2TP_CMD_TUNNEL_CREATE`.
    case tunnelCreate = 1
    /// The corresponding C constant is `L2TP_CMD_TUNNEL_DELETE`.
    case tunnelDelete = 2
    /// The corresponding C constant is `L2TP_CMD_TUNNEL_MODIFY`.
    case tunnelModify = 3
    /// The corresponding C constant is `L2TP_CMD_TUNNEL_GET`.
    case tunnelGet = 4
    /// The corresponding C constant is `L2TP_CMD_SESSION_CREATE`.
    case sessionCreate = 5
    /// The corresponding C constant is `L2TP_CMD_SESSION_DELETE`.
    case sessionDelete = 6
    /// The corresponding C constant is `L2TP_CMD_SESSION_MODIFY`.
    case sessionModify = 7
    /// The corresponding C constant is `L2TP_CMD_SESSION_GET`.
    case sessionGet = 8
}

/// Attributes of the `l2tp` family (`enum { L2TP_ATTR_* }`).
public enum L2TPAttr: UInt16, Sendable, CaseIterable {
    /// The corresponding C constant is `L2TP_ATTR_NONE`.
    case none = 0
    /// u16, `enum l2tp_pwtype`. The corresponding C constant is `L2TP_ATTR_PW_TYPE`.
    case pwType = 1
    /// u16, `enum l2tp_encap_type`. The corresponding C constant is `L2TP_ATTR_ENCAP_TYPE`.
    case encapType = 2
    /// u16, not used. The corresponding C constant is `L2TP_ATTR_OFFSET`.
    case offset = 3
    /// u16 in the header, u8 in the policy; not used. The corresponding C constant is `L2TP_ATTR_DATA_SEQ`.
    case dataSeq = 4
    /// u8, `enum l2tp_l2spec_type`. The corresponding C constant is `L2TP_ATTR_L2SPEC_TYPE`.
    case l2specType = 5
    /// u8, not used. The corresponding C constant is `L2TP_ATTR_L2SPEC_LEN`.
    case l2specLen = 6
    /// u8. The corresponding C constant is `L2TP_ATTR_PROTO_VERSION`.
    case protoVersion = 7
    /// NUL-terminated string, at most 15 bytes. The corresponding C constant is `L2TP_ATTR_IFNAME`.
    case ifname = 8
    /// u32 tunnel id. The corresponding C constant is `L2TP_ATTR_CONN_ID`.
    case connID = 9
    /// u32. The corresponding C constant is `L2TP_ATTR_PEER_CONN_ID`.
    case peerConnID = 10
    /// u32. The corresponding C constant is `L2TP_ATTR_SESSION_ID`.
    case sessionID = 11
    /// u32. The corresponding C constant is `L2TP_ATTR_PEER_SESSION_ID`.
    case peerSessionID = 12
    /// u8; presence means "on" in TUNNEL_CREATE. The corresponding C constant is `L2TP_ATTR_UDP_CSUM`.
    case udpCsum = 13
    /// u16, never implemented. The corresponding C constant is `L2TP_ATTR_VLAN_ID`.
    case vlanID = 14
    /// binary, at most 8 bytes. The corresponding C constant is `L2TP_ATTR_COOKIE`.
    case cookie = 15
    /// binary, at most 8 bytes. The corresponding C constant is `L2TP_ATTR_PEER_COOKIE`.
    case peerCookie = 16
    /// u32. The corresponding C constant is `L2TP_ATTR_DEBUG`.
    case debug = 17
    /// u8. The corresponding C constant is `L2TP_ATTR_RECV_SEQ`.
    case recvSeq = 18
    /// u8. The corresponding C constant is `L2TP_ATTR_SEND_SEQ`.
    case sendSeq = 19
    /// u8. The corresponding C constant is `L2TP_ATTR_LNS_MODE`.
    case lnsMode = 20
    /// u8, replies only. The corresponding C constant is `L2TP_ATTR_USING_IPSEC`.
    case usingIPsec = 21
    /// u64 milliseconds. The corresponding C constant is `L2TP_ATTR_RECV_TIMEOUT`.
    case recvTimeout = 22
    /// u32 file descriptor of a managed tunnel's socket. The corresponding C constant is `L2TP_ATTR_FD`.
    case fd = 23
    /// u32 IPv4 address in network order. The corresponding C constant is `L2TP_ATTR_IP_SADDR`.
    case ipSaddr = 24
    /// u32 IPv4 address in network order. The corresponding C constant is `L2TP_ATTR_IP_DADDR`.
    case ipDaddr = 25
    /// u16, host order. The corresponding C constant is `L2TP_ATTR_UDP_SPORT`.
    case udpSport = 26
    /// u16, host order. The corresponding C constant is `L2TP_ATTR_UDP_DPORT`.
    case udpDport = 27
    /// u16, not used. The corresponding C constant is `L2TP_ATTR_MTU`.
    case mtu = 28
    /// u16, not used. The corresponding C constant is `L2TP_ATTR_MRU`.
    case mru = 29
    /// nested `L2TPStatsAttr`. The corresponding C constant is `L2TP_ATTR_STATS`.
    case stats = 30
    /// 16-byte `struct in6_addr`. The corresponding C constant is `L2TP_ATTR_IP6_SADDR`.
    case ip6Saddr = 31
    /// 16-byte `struct in6_addr`. The corresponding C constant is `L2TP_ATTR_IP6_DADDR`.
    case ip6Daddr = 32
    /// flag. The corresponding C constant is `L2TP_ATTR_UDP_ZERO_CSUM6_TX`.
    case udpZeroCsum6Tx = 33
    /// flag. The corresponding C constant is `L2TP_ATTR_UDP_ZERO_CSUM6_RX`.
    case udpZeroCsum6Rx = 34
    /// padding for 64-bit values. The corresponding C constant is `L2TP_ATTR_PAD`.
    case pad = 35
}

/// Attributes nested in `L2TP_ATTR_STATS`, all u64.
public enum L2TPStatsAttr: UInt16, Sendable, CaseIterable {
    /// The corresponding C constant is `L2TP_ATTR_STATS_NONE`.
    case none = 0
    /// The corresponding C constant is `L2TP_ATTR_TX_PACKETS`.
    case txPackets = 1
    /// The corresponding C constant is `L2TP_ATTR_TX_BYTES`.
    case txBytes = 2
    /// The corresponding C constant is `L2TP_ATTR_TX_ERRORS`.
    case txErrors = 3
    /// The corresponding C constant is `L2TP_ATTR_RX_PACKETS`.
    case rxPackets = 4
    /// The corresponding C constant is `L2TP_ATTR_RX_BYTES`.
    case rxBytes = 5
    /// The corresponding C constant is `L2TP_ATTR_RX_SEQ_DISCARDS`.
    case rxSeqDiscards = 6
    /// The corresponding C constant is `L2TP_ATTR_RX_OOS_PACKETS`.
    case rxOOSPackets = 7
    /// The corresponding C constant is `L2TP_ATTR_RX_ERRORS`.
    case rxErrors = 8
    /// The corresponding C constant is `L2TP_ATTR_STATS_PAD`.
    case statsPad = 9
    /// The corresponding C constant is `L2TP_ATTR_RX_COOKIE_DISCARDS`.
    case rxCookieDiscards = 10
    /// The corresponding C constant is `L2TP_ATTR_RX_INVALID`.
    case rxInvalid = 11
}

extension L2TPCommand {
    /// The C name of the command, e.g. "L2TP_CMD_TUNNEL_CREATE", for messages.
    public var cName: String {
        switch self {
        case .noop: "L2TP_CMD_NOOP"
        case .tunnelCreate: "L2TP_CMD_TUNNEL_CREATE"
        case .tunnelDelete: "L2TP_CMD_TUNNEL_DELETE"
        case .tunnelModify: "L2TP_CMD_TUNNEL_MODIFY"
        case .tunnelGet: "L2TP_CMD_TUNNEL_GET"
        case .sessionCreate: "L2TP_CMD_SESSION_CREATE"
        case .sessionDelete: "L2TP_CMD_SESSION_DELETE"
        case .sessionModify: "L2TP_CMD_SESSION_MODIFY"
        case .sessionGet: "L2TP_CMD_SESSION_GET"
        }
    }
}
