// SPDX-License-Identifier: GPL-2.0-only
// Every `l2tp` family attribute as an optional typed field: what a request carried or a reply carries.

import L2TPWire

/// The attributes of one `l2tp` message. A nil field means the attribute was absent.
///
/// Field types follow the kernel's policy (l2tp_nl_policy), not the uapi comments, where they differ
/// (DATA_SEQ is a u8). Flags (UDP_ZERO_CSUM6_*) are Bools that are true when present.
public struct L2TPAttributes: Equatable, Sendable {
    public var pwType: UInt16?
    public var encapType: UInt16?
    public var offset: UInt16?
    public var dataSeq: UInt8?
    public var l2specType: UInt8?
    public var l2specLen: UInt8?
    public var protoVersion: UInt8?
    /// Without the terminating NUL.
    public var ifname: String?
    public var connID: UInt32?
    public var peerConnID: UInt32?
    public var sessionID: UInt32?
    public var peerSessionID: UInt32?
    /// In TUNNEL_CREATE the kernel only tests presence; replies carry 1 or 0.
    public var udpCsum: UInt8?
    public var vlanID: UInt16?
    public var cookie: [UInt8]?
    public var peerCookie: [UInt8]?
    public var debug: UInt32?
    public var recvSeq: UInt8?
    public var sendSeq: UInt8?
    public var lnsMode: UInt8?
    public var usingIPsec: UInt8?
    /// Milliseconds (NLA_MSECS).
    public var recvTimeout: UInt64?
    public var fd: UInt32?
    /// IPv4 only.
    public var ipSaddr: IPAddress?
    /// IPv4 only.
    public var ipDaddr: IPAddress?
    public var udpSport: UInt16?
    public var udpDport: UInt16?
    public var mtu: UInt16?
    public var mru: UInt16?
    public var stats: L2TPStats?
    /// IPv6 only.
    public var ip6Saddr: IPAddress?
    /// IPv6 only.
    public var ip6Daddr: IPAddress?
    public var udpZeroCsum6Tx: Bool = false
    public var udpZeroCsum6Rx: Bool = false

    public init() {}
}
