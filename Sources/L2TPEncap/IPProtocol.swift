// SPDX-License-Identifier: GPL-2.0-only
// IP protocol numbers and UDP socket options the transports use, named once (the Glibc and Linux
// header definitions of IPPROTO_* collide when both are visible).

/// IP protocol numbers and UDP-level socket options.
enum IPProtocol {
    /// The corresponding C constant is `IPPROTO_UDP`.
    static let udp: Int32 = 17
    /// L2TPv3 over IP. The corresponding C constant is `IPPROTO_L2TP`.
    static let l2tp: Int32 = 115
    /// Send zero UDP checksums over IPv6. The corresponding C constant is `UDP_NO_CHECK6_TX`.
    static let udpNoCheck6Tx: Int32 = 101
    /// Accept zero UDP checksums over IPv6. The corresponding C constant is `UDP_NO_CHECK6_RX`.
    static let udpNoCheck6Rx: Int32 = 102
    /// Send one buffer as several datagrams of a size (per send, as a cmsg). `UDP_SEGMENT`, Linux 4.18.
    static let udpSegment: Int32 = 103
    /// Coalesce received datagrams of one flow into one read. `UDP_GRO`, Linux 5.0.
    static let udpGRO: Int32 = 104
}
