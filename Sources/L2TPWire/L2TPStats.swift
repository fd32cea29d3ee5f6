// SPDX-License-Identifier: GPL-2.0-only
// The counters of a tunnel or session as a value, in the order and meaning of the netlink STATS nest.

/// A point-in-time copy of a tunnel's or session's counters, in netlink `L2TP_ATTR_STATS` terms.
public struct L2TPStats: Equatable, Sendable {
    /// Packets sent, counted after the L2TP header is added. The corresponding C field is `tx_packets`.
    public var txPackets: UInt64 = 0
    /// Bytes sent including the L2TP header, excluding UDP/IP. The corresponding C field is `tx_bytes`.
    public var txBytes: UInt64 = 0
    /// Sends that failed. The corresponding C field is `tx_errors`.
    public var txErrors: UInt64 = 0
    /// Packets delivered to the pseudowire. The corresponding C field is `rx_packets`.
    public var rxPackets: UInt64 = 0
    /// Bytes delivered, measured from the first L2TP header byte. The corresponding C field is `rx_bytes`.
    public var rxBytes: UInt64 = 0
    /// Sequencing discards. The corresponding C field is `rx_seq_discards`.
    public var rxSeqDiscards: UInt64 = 0
    /// Packets queued ahead of an earlier-arrived one while reordering. The corresponding C field is `rx_oos_packets`.
    public var rxOOSPackets: UInt64 = 0
    /// Every receive discard. The corresponding C field is `rx_errors`.
    public var rxErrors: UInt64 = 0
    /// Peer-cookie mismatches. The corresponding C field is `rx_cookie_discards`.
    public var rxCookieDiscards: UInt64 = 0
    /// Version mismatches and packets too short for cookie and sublayer. The corresponding C field is `rx_invalid`.
    public var rxInvalid: UInt64 = 0

    public init() {}
}
