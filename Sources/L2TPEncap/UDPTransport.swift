// SPDX-License-Identifier: GPL-2.0-only
// A tunnel's own UDP socket, created, bound and connected as the kernel does for unmanaged tunnels
// (l2tp_tunnel_sock_create → udp_sock_create), with the checksum options of TUNNEL_CREATE.

import Glibc
import L2TPSystem
import L2TPWire
import Synchronization

/// What TUNNEL_CREATE asks of a kernel-created (unmanaged) tunnel socket.
public struct TunnelSocketConfig: Equatable, Sendable {
    public var encap: EncapType
    public var local: IPAddress
    public var peer: IPAddress
    public var localPort: UInt16
    public var peerPort: UInt16
    /// IPv4: compute UDP checksums (`L2TP_ATTR_UDP_CSUM`); off by default.
    public var udpChecksum: Bool
    /// IPv6: send zero checksums (`L2TP_ATTR_UDP_ZERO_CSUM6_TX`).
    public var udp6ZeroChecksumTx: Bool
    /// IPv6: accept zero checksums (`L2TP_ATTR_UDP_ZERO_CSUM6_RX`).
    public var udp6ZeroChecksumRx: Bool

    public init(
        encap: EncapType, local: IPAddress, peer: IPAddress, localPort: UInt16 = 0, peerPort: UInt16 = 0,
        udpChecksum: Bool = false, udp6ZeroChecksumTx: Bool = false, udp6ZeroChecksumRx: Bool = false
    ) {
        self.encap = encap
        self.local = local
        self.peer = peer
        self.localPort = localPort
        self.peerPort = peerPort
        self.udpChecksum = udpChecksum
        self.udp6ZeroChecksumTx = udp6ZeroChecksumTx
        self.udp6ZeroChecksumRx = udp6ZeroChecksumRx
    }
}

/// Socket options shared by every tunnel socket.
enum TunnelSocketOptions {
    /// Large buffers so bursts are not dropped, and local fragmentation of oversized packets
    /// (the kernel sets `ignore_df` on L2TP packets).
    static func apply(to s: Socket, ipv6: Bool) throws(Errno) {
        try? s.setOption(level: SOL_SOCKET, name: SO_RCVBUF, value: 4 << 20)
        try? s.setOption(level: SOL_SOCKET, name: SO_SNDBUF, value: 4 << 20)
        if ipv6 {
            try s.setOption(level: Int32(IPPROTO_IPV6), name: IPV6_MTU_DISCOVER, value: IPV6_PMTUDISC_DONT)
        } else {
            try s.setOption(level: Int32(IPPROTO_IP), name: IP_MTU_DISCOVER, value: IP_PMTUDISC_DONT)
        }
    }

    /// IP_MTU / IPV6_MTU of a connected socket.
    static func pathMTU(_ s: Socket, ipv6: Bool) -> Int? {
        let v = ipv6
            ? try? s.option(level: Int32(IPPROTO_IPV6), name: IPV6_MTU)
            : try? s.option(level: Int32(IPPROTO_IP), name: IP_MTU)
        return v.map(Int.init)
    }
}

/// A tunnel's UDP socket: bound to local:sport and, when a peer port is given, connected to
/// peer:dport. Datagrams only from that peer reach it.
public final class UDPTransport: TunnelTransport {
    public let socket: Socket
    public let addressing: TunnelAddressing
    public var sendFD: FileDescriptor { socket.fd }
    public var networkOverhead: Int { (addressing.isIPv6 ? 40 : 20) + 8 }
    /// UDP GSO sends (UDP_SEGMENT) were asked for, and the socket computes checksums: the kernel
    /// refuses GSO on a socket that sends zero checksums (SO_NO_CHECK, UDP_NO_CHECK6_TX). Turned
    /// off for good if the kernel refuses a GSO send all the same.
    public var segmentationOffload: Bool { segmenting.load(ordering: .relaxed) }
    private let segmenting: Atomic<Bool>
    /// UDP GRO (UDP_GRO) is on: a read may return several datagrams of one size, coalesced.
    public let receiveCoalescing: Bool

    /// `offloads`: GSO sends where the checksum settings allow; `coalesce`: also turn UDP_GRO on.
    private init(socket: Socket, addressing: TunnelAddressing, offloads: Bool, coalesce: Bool) {
        self.socket = socket
        self.addressing = addressing
        // What the socket really does (an IPv4 tunnel's may compute checksums its udp_csum does not ask for).
        let option = { (level: Int32, name: Int32) in ((try? socket.option(level: level, name: name)) ?? 0) != 0 }
        let zeroChecksums = addressing.isIPv6
            ? option(IPProtocol.udp, IPProtocol.udpNoCheck6Tx) : option(SOL_SOCKET, SO_NO_CHECK)
        segmenting = Atomic(offloads && !zeroChecksums)
        receiveCoalescing = coalesce
            && (try? socket.setOption(level: IPProtocol.udp, name: IPProtocol.udpGRO, value: 1)) != nil
    }

    /// Opens the socket. The descriptor is blocking for sends (back-pressure to the device) and read
    /// with MSG_DONTWAIT. Errors (EADDRINUSE, EADDRNOTAVAIL, ...) pass through as the kernel's do.
    /// With `offloads`, reads coalesce (UDP_GRO) and super-frames leave as UDP GSO sends where the
    /// checksum settings allow.
    public static func open(_ config: TunnelSocketConfig, offloads: Bool = false) throws(Errno) -> UDPTransport {
        let ipv6 = config.local.isIPv6
        guard ipv6 == config.peer.isIPv6 else { throw Errno(EAFNOSUPPORT) }
        let s = try Socket.open(family: ipv6 ? AF_INET6 : AF_INET, type: Int32(SOCK_DGRAM.rawValue), protocol: IPProtocol.udp)
        do {
            try s.fd.setNonBlocking(false)
            try TunnelSocketOptions.apply(to: s, ipv6: ipv6)
            if ipv6 {
                try s.setOption(level: Int32(IPPROTO_IPV6), name: IPV6_V6ONLY, value: 1)
                if config.udp6ZeroChecksumTx { try s.setOption(level: IPProtocol.udp, name: IPProtocol.udpNoCheck6Tx, value: 1) }
                if config.udp6ZeroChecksumRx { try s.setOption(level: IPProtocol.udp, name: IPProtocol.udpNoCheck6Rx, value: 1) }
            } else if !config.udpChecksum && !offloads {
                // With offloads an IPv4 tunnel computes checksums whatever udp_csum says: the kernel
                // refuses UDP GSO on a socket that sends zero checksums, and with checksum offload
                // they cost nothing. Replies still report the udp_csum that was asked for.
                try s.setOption(level: SOL_SOCKET, name: SO_NO_CHECK, value: 1)
            }
            try s.bind(SocketAddress(config.local, port: config.localPort))
            if config.peerPort != 0 {
                try s.connect(SocketAddress(config.peer, port: config.peerPort))
            }
            let addressing = TunnelAddressing(
                encap: .udp,
                local: s.localAddress() ?? SocketAddress(config.local, port: config.localPort),
                peer: s.peerAddress() ?? .unspecified(ipv6: ipv6),
                udpChecksum: !ipv6 && config.udpChecksum,
                udp6ZeroChecksumTx: ipv6 && config.udp6ZeroChecksumTx,
                udp6ZeroChecksumRx: ipv6 && config.udp6ZeroChecksumRx)
            return UDPTransport(socket: s, addressing: addressing, offloads: offloads, coalesce: offloads)
        } catch {
            s.close()
            throw error
        }
    }

    /// Adopts an application's validated socket (a managed tunnel). Its checksum settings are read
    /// back for replies; nothing on the socket is changed: no UDP GRO, but GSO sends (a per-send
    /// option) when `offloads` and its checksum settings allow.
    public convenience init(adopting managed: ManagedSocket, offloads: Bool = false) {
        let s = managed.socket
        let ipv6 = managed.local.address.isIPv6
        let option = { (level: Int32, name: Int32) in ((try? s.option(level: level, name: name)) ?? 0) != 0 }
        self.init(
            socket: s,
            addressing: TunnelAddressing(
                encap: .udp, local: managed.local, peer: managed.peer,
                udpChecksum: !ipv6 && !option(SOL_SOCKET, SO_NO_CHECK),
                udp6ZeroChecksumTx: ipv6 && option(IPProtocol.udp, IPProtocol.udpNoCheck6Tx),
                udp6ZeroChecksumRx: ipv6 && option(IPProtocol.udp, IPProtocol.udpNoCheck6Rx)),
            offloads: offloads, coalesce: false)
    }

    public func pathMTU() -> Int? { TunnelSocketOptions.pathMTU(socket, ipv6: addressing.isIPv6) }

    public func refuseSegmentationOffload() { segmenting.store(false, ordering: .relaxed) }

    public func close() { socket.close() }
}
