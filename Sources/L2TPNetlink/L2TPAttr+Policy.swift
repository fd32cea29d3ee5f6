// SPDX-License-Identifier: GPL-2.0-only
// The `l2tp` family's attribute policy (l2tp_nl_policy in net/l2tp/l2tp_netlink.c) and C names for messages.

import L2TPWire

extension L2TPAttr {
    /// The C constant's name, e.g. "L2TP_ATTR_CONN_ID", for error messages.
    public var cName: String {
        switch self {
        case .none: "L2TP_ATTR_NONE"
        case .pwType: "L2TP_ATTR_PW_TYPE"
        case .encapType: "L2TP_ATTR_ENCAP_TYPE"
        case .offset: "L2TP_ATTR_OFFSET"
        case .dataSeq: "L2TP_ATTR_DATA_SEQ"
        case .l2specType: "L2TP_ATTR_L2SPEC_TYPE"
        case .l2specLen: "L2TP_ATTR_L2SPEC_LEN"
        case .protoVersion: "L2TP_ATTR_PROTO_VERSION"
        case .ifname: "L2TP_ATTR_IFNAME"
        case .connID: "L2TP_ATTR_CONN_ID"
        case .peerConnID: "L2TP_ATTR_PEER_CONN_ID"
        case .sessionID: "L2TP_ATTR_SESSION_ID"
        case .peerSessionID: "L2TP_ATTR_PEER_SESSION_ID"
        case .udpCsum: "L2TP_ATTR_UDP_CSUM"
        case .vlanID: "L2TP_ATTR_VLAN_ID"
        case .cookie: "L2TP_ATTR_COOKIE"
        case .peerCookie: "L2TP_ATTR_PEER_COOKIE"
        case .debug: "L2TP_ATTR_DEBUG"
        case .recvSeq: "L2TP_ATTR_RECV_SEQ"
        case .sendSeq: "L2TP_ATTR_SEND_SEQ"
        case .lnsMode: "L2TP_ATTR_LNS_MODE"
        case .usingIPsec: "L2TP_ATTR_USING_IPSEC"
        case .recvTimeout: "L2TP_ATTR_RECV_TIMEOUT"
        case .fd: "L2TP_ATTR_FD"
        case .ipSaddr: "L2TP_ATTR_IP_SADDR"
        case .ipDaddr: "L2TP_ATTR_IP_DADDR"
        case .udpSport: "L2TP_ATTR_UDP_SPORT"
        case .udpDport: "L2TP_ATTR_UDP_DPORT"
        case .mtu: "L2TP_ATTR_MTU"
        case .mru: "L2TP_ATTR_MRU"
        case .stats: "L2TP_ATTR_STATS"
        case .ip6Saddr: "L2TP_ATTR_IP6_SADDR"
        case .ip6Daddr: "L2TP_ATTR_IP6_DADDR"
        case .udpZeroCsum6Tx: "L2TP_ATTR_UDP_ZERO_CSUM6_TX"
        case .udpZeroCsum6Rx: "L2TP_ATTR_UDP_ZERO_CSUM6_RX"
        case .pad: "L2TP_ATTR_PAD"
        }
    }

    /// The entry of `l2tp_nl_policy`. UDP_ZERO_CSUM6_TX/RX and PAD have no entry there (NLA_UNSPEC):
    /// the kernel reads the two flags with `nla_get_flag`, i.e. presence, whatever their length.
    var policy: AttributePolicy {
        switch self {
        case .none, .udpZeroCsum6Tx, .udpZeroCsum6Rx, .pad: .unspecified
        case .dataSeq, .l2specType, .l2specLen, .protoVersion, .udpCsum, .recvSeq, .sendSeq, .lnsMode,
             .usingIPsec:
            .integer(size: 1)
        case .pwType, .encapType, .offset, .vlanID, .udpSport, .udpDport, .mtu, .mru: .integer(size: 2)
        case .connID, .peerConnID, .sessionID, .peerSessionID, .debug, .fd, .ipSaddr, .ipDaddr:
            .integer(size: 4)
        case .recvTimeout: .integer(size: 8)  // NLA_MSECS
        case .ifname: .nulString(maxLength: 15)  // IFNAMSIZ - 1
        case .cookie, .peerCookie: .binary(maxLength: 8)
        case .ip6Saddr, .ip6Daddr: .binary(maxLength: 16)  // sizeof(struct in6_addr)
        case .stats: .nested
        }
    }
}

extension L2TPStatsAttr {
    /// The C constant's name, e.g. "L2TP_ATTR_RX_BYTES".
    public var cName: String {
        switch self {
        case .none: "L2TP_ATTR_STATS_NONE"
        case .txPackets: "L2TP_ATTR_TX_PACKETS"
        case .txBytes: "L2TP_ATTR_TX_BYTES"
        case .txErrors: "L2TP_ATTR_TX_ERRORS"
        case .rxPackets: "L2TP_ATTR_RX_PACKETS"
        case .rxBytes: "L2TP_ATTR_RX_BYTES"
        case .rxSeqDiscards: "L2TP_ATTR_RX_SEQ_DISCARDS"
        case .rxOOSPackets: "L2TP_ATTR_RX_OOS_PACKETS"
        case .rxErrors: "L2TP_ATTR_RX_ERRORS"
        case .statsPad: "L2TP_ATTR_STATS_PAD"
        case .rxCookieDiscards: "L2TP_ATTR_RX_COOKIE_DISCARDS"
        case .rxInvalid: "L2TP_ATTR_RX_INVALID"
        }
    }

    /// The counter's key path in `L2TPStats`; nil for STATS_NONE and STATS_PAD.
    var counter: WritableKeyPath<L2TPStats, UInt64>? {
        switch self {
        case .none, .statsPad: nil
        case .txPackets: \.txPackets
        case .txBytes: \.txBytes
        case .txErrors: \.txErrors
        case .rxPackets: \.rxPackets
        case .rxBytes: \.rxBytes
        case .rxSeqDiscards: \.rxSeqDiscards
        case .rxOOSPackets: \.rxOOSPackets
        case .rxErrors: \.rxErrors
        case .rxCookieDiscards: \.rxCookieDiscards
        case .rxInvalid: \.rxInvalid
        }
    }
}
