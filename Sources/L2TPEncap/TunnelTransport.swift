// SPDX-License-Identifier: GPL-2.0-only
// The transport of a tunnel: the socket its packets leave through and how to describe it in replies.

import L2TPCore
import L2TPSystem
import L2TPWire

/// The addressing a tunnel's socket ended up with, read back from the socket as the kernel does for
/// TUNNEL_GET replies (bound address and port, connected peer, checksum settings).
public struct TunnelAddressing: Equatable, Sendable {
    public var encap: EncapType
    public var local: SocketAddress
    /// The connected peer, or the unspecified address if the socket is not connected.
    public var peer: SocketAddress
    /// IPv4 UDP: checksums computed on transmit (`!sk_no_check_tx`).
    public var udpChecksum: Bool
    /// IPv6 UDP: zero checksums sent (`udp_get_no_check6_tx`).
    public var udp6ZeroChecksumTx: Bool
    /// IPv6 UDP: zero checksums accepted (`udp_get_no_check6_rx`).
    public var udp6ZeroChecksumRx: Bool

    public var isIPv6: Bool { local.address.isIPv6 }
}

/// Where a tunnel's packets leave. Implemented by `UDPTransport` and `IPTransport`.
///
/// Concurrency: `send` may be called by any datapath worker; the kernel serialises datagram sends.
public protocol TunnelTransport: AnyObject, Sendable {
    /// The descriptor to send on (connected to the peer).
    var sendFD: FileDescriptor { get }
    /// Addressing for replies.
    var addressing: TunnelAddressing { get }
    /// Bytes the network layer adds in front of the L2TP header (IP + UDP), for the MTU formula.
    var networkOverhead: Int { get }
    /// The route MTU towards the peer (IP_MTU/IPV6_MTU on the connected socket), if known.
    func pathMTU() -> Int?
    /// `sendFD` takes UDP GSO messages (UDP_SEGMENT): several equal datagrams in one send.
    var segmentationOffload: Bool { get }
    /// The kernel refused a UDP GSO message although `segmentationOffload` said it would take it
    /// (an IPsec policy on the route, a route MTU that shrank): send one datagram at a time from now on.
    func refuseSegmentationOffload()
}

extension TunnelTransport {
    public var segmentationOffload: Bool { false }
    public func refuseSegmentationOffload() {}
}

/// How the datapath must read a receive socket: which demultiplexer applies and what precedes L2TP.
public enum ReceiveKind: Sendable {
    /// A tunnel's UDP socket: datagrams start at the L2TP header.
    case udp
    /// A raw IPv4 protocol-115 socket: datagrams start with the IPv4 header.
    case ipv4
    /// A raw IPv6 protocol-115 socket: datagrams start at the L2TP header.
    case ipv6

    /// Offset of the L2TP header in a received datagram, or nil if the datagram is malformed.
    @inline(__always)
    public func l2tpOffset(_ p: UnsafeRawPointer, length: Int) -> Int? {
        switch self {
        case .udp, .ipv6: return 0
        case .ipv4:
            guard length >= 20 else { return nil }
            let ihl = Int(p.load(as: UInt8.self) & 0x0f) * 4
            return ihl >= 20 && ihl <= length ? ihl : nil
        }
    }
}
