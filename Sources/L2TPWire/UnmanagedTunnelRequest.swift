// SPDX-License-Identifier: GPL-2.0-only
// What TUNNEL_CREATE asks of the socket of an unmanaged tunnel (the kernel's `struct l2tp_tunnel_cfg`
// for l2tp_tunnel_sock_create): the addresses, ports and checksum options.

/// The socket parameters of TUNNEL_CREATE for an unmanaged tunnel, as an encapsulation opens it.
///
/// Only what the encapsulation acts on is set: ports for UDP (0 over IP), `udpChecksum` for IPv4
/// UDP, the zero-checksum flags for IPv6 UDP.
public struct UnmanagedTunnelRequest: Equatable, Sendable {
    public var local: IPAddress
    public var peer: IPAddress
    public var localPort: UInt16
    public var peerPort: UInt16
    /// IPv4 UDP: compute checksums (`L2TP_ATTR_UDP_CSUM`).
    public var udpChecksum: Bool
    /// IPv6 UDP: send zero checksums (`L2TP_ATTR_UDP_ZERO_CSUM6_TX`).
    public var udp6ZeroChecksumTx: Bool
    /// IPv6 UDP: accept zero checksums (`L2TP_ATTR_UDP_ZERO_CSUM6_RX`).
    public var udp6ZeroChecksumRx: Bool

    public init(
        local: IPAddress, peer: IPAddress, localPort: UInt16, peerPort: UInt16, udpChecksum: Bool,
        udp6ZeroChecksumTx: Bool, udp6ZeroChecksumRx: Bool
    ) {
        self.local = local
        self.peer = peer
        self.localPort = localPort
        self.peerPort = peerPort
        self.udpChecksum = udpChecksum
        self.udp6ZeroChecksumTx = udp6ZeroChecksumTx
        self.udp6ZeroChecksumRx = udp6ZeroChecksumRx
    }
}
