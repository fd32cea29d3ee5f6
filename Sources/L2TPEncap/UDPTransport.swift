// SPDX-License-Identifier: GPL-2.0-only
// A tunnel's own UDP socket, created, bound and connected as the kernel does for unmanaged tunnels
// (l2tp_tunnel_sock_create → udp_sock_create), with the checksum options of TUNNEL_CREATE, or a
// program's adopted one (a managed tunnel): it sends the tunnel's packets and is read for them.

import Glibc
import L2TPCore
import L2TPSystem
import L2TPWire
import Synchronization

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
public final class UDPTransport: TunnelTransport, PacketReceiver {
    let socket: Socket
    public let addressing: TunnelAddressing
    public var networkOverhead: Int { (addressing.isIPv6 ? 40 : 20) + 8 }
    /// UDP GSO sends (UDP_SEGMENT) were asked for, and the socket computes checksums: the kernel
    /// refuses GSO on a socket that sends zero checksums (SO_NO_CHECK, UDP_NO_CHECK6_TX). Turned
    /// off for good if the kernel refuses a GSO send all the same.
    public var segmentationOffload: Bool { segmenting.load(ordering: .relaxed) }
    private let segmenting: Atomic<Bool>
    /// The largest datagram a separate frame may be to join a UDP GSO message: the route MTU less IP
    /// and UDP headers. Read at the first send that needs it; -1 until then.
    private let largestSegment = Atomic<Int>(-1)
    /// UDP GRO (UDP_GRO) is on: a read may return several datagrams of one size, coalesced.
    public let receiveCoalescing: Bool
    /// For an adopted socket: who keeps the set of sockets in use.
    private let managed: ManagedSockets?

    /// `offloads`: GSO sends where the checksum settings allow; `coalesce`: also turn UDP_GRO on.
    private init(socket: Socket, addressing: TunnelAddressing, offloads: Bool, coalesce: Bool, managed: ManagedSockets?) {
        self.socket = socket
        self.addressing = addressing
        self.managed = managed
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
    public static func open(_ request: UnmanagedTunnelRequest, offloads: Bool = false) throws(Errno) -> UDPTransport {
        let ipv6 = request.local.isIPv6
        guard ipv6 == request.peer.isIPv6 else { throw Errno(EAFNOSUPPORT) }
        let s = try Socket.open(family: ipv6 ? AF_INET6 : AF_INET, type: Int32(SOCK_DGRAM.rawValue), protocol: IPProtocol.udp)
        do {
            try s.fd.setNonBlocking(false)
            try TunnelSocketOptions.apply(to: s, ipv6: ipv6)
            if ipv6 {
                try s.setOption(level: Int32(IPPROTO_IPV6), name: IPV6_V6ONLY, value: 1)
                if request.udp6ZeroChecksumTx { try s.setOption(level: IPProtocol.udp, name: IPProtocol.udpNoCheck6Tx, value: 1) }
                if request.udp6ZeroChecksumRx { try s.setOption(level: IPProtocol.udp, name: IPProtocol.udpNoCheck6Rx, value: 1) }
            } else if !request.udpChecksum && !offloads {
                // With offloads an IPv4 tunnel computes checksums whatever udp_csum says: the kernel
                // refuses UDP GSO on a socket that sends zero checksums, and with checksum offload
                // they cost nothing. Replies still report the udp_csum that was asked for.
                try s.setOption(level: SOL_SOCKET, name: SO_NO_CHECK, value: 1)
            }
            try s.bind(SocketAddress(request.local, port: request.localPort))
            if request.peerPort != 0 {
                try s.connect(SocketAddress(request.peer, port: request.peerPort))
            }
            let local = s.localAddress() ?? SocketAddress(request.local, port: request.localPort)
            let peer = s.peerAddress() ?? .unspecified(ipv6: ipv6)
            let addressing = TunnelAddressing(
                encap: .udp, local: local.address, localPort: local.port, peer: peer.address, peerPort: peer.port,
                udpChecksum: !ipv6 && request.udpChecksum,
                udp6ZeroChecksumTx: ipv6 && request.udp6ZeroChecksumTx,
                udp6ZeroChecksumRx: ipv6 && request.udp6ZeroChecksumRx)
            return UDPTransport(socket: s, addressing: addressing, offloads: offloads, coalesce: offloads, managed: nil)
        } catch {
            s.close()
            throw error
        }
    }

    /// Adopts a program's validated socket (a managed tunnel), recorded in `managed` until `close`.
    /// Its checksum settings are read back for replies; nothing on the socket is changed: no UDP GRO,
    /// but GSO sends (a per-send option) when `offloads` and its checksum settings allow.
    convenience init(adopting socket: ManagedSocket, offloads: Bool, managed: ManagedSockets) {
        let s = socket.socket
        let ipv6 = socket.local.address.isIPv6
        let option = { (level: Int32, name: Int32) in ((try? s.option(level: level, name: name)) ?? 0) != 0 }
        self.init(
            socket: s,
            addressing: TunnelAddressing(
                encap: .udp, local: socket.local.address, localPort: socket.local.port, peer: socket.peer.address,
                peerPort: socket.peer.port,
                udpChecksum: !ipv6 && !option(SOL_SOCKET, SO_NO_CHECK),
                udp6ZeroChecksumTx: ipv6 && option(IPProtocol.udp, IPProtocol.udpNoCheck6Tx),
                udp6ZeroChecksumRx: ipv6 && option(IPProtocol.udp, IPProtocol.udpNoCheck6Rx)),
            offloads: offloads, coalesce: false, managed: managed)
    }

    // MARK: TunnelTransport

    public var receiver: (any PacketReceiver)? { self }

    public func pathMTU() -> Int? { TunnelSocketOptions.pathMTU(socket, ipv6: addressing.isIPv6) }

    public func send(_ batch: TransmitBatch) -> TransmitResult {
        var segmentation: DatagramIO.Segmentation?
        if segmenting.load(ordering: .relaxed) {
            var limit = largestSegment.load(ordering: .relaxed)
            if limit < 0 {
                limit = max(0, (pathMTU() ?? 0) - networkOverhead)
                largestSegment.store(limit, ordering: .relaxed)
            }
            segmentation = DatagramIO.Segmentation(separateFrameLimit: limit)
        }
        let (result, refused) = DatagramIO.send(batch, on: socket.fd, segmentation: segmentation)
        if refused { segmenting.store(false, ordering: .relaxed) }
        return result
    }

    /// Closes l2tpd's socket; for an adopted one, l2tpd's copy (the program keeps its own).
    public func close() {
        managed?.release(socket)
        socket.close()
    }

    public var debugDescription: String {
        let x = addressing
        var d = "socket \(socket.fd.rawValue) \(SocketAddress(x.local, port: x.localPort)) -> \(SocketAddress(x.peer, port: x.peerPort))"
        d += x.isIPv6
            ? " udp6_zero_csum_tx \(x.udp6ZeroChecksumTx ? 1 : 0) udp6_zero_csum_rx \(x.udp6ZeroChecksumRx ? 1 : 0)"
            : " udp_csum \(x.udpChecksum ? 1 : 0)"
        if let mtu = pathMTU() { d += " path_mtu \(mtu)" }
        d += " gso \(segmentationOffload ? 1 : 0) gro \(receiveCoalescing ? 1 : 0)"
        return d
    }

    // MARK: PacketReceiver

    public var pollDescriptor: Int32 { socket.fd.rawValue }
    public var encapsulation: EncapType { .udp }
    public var isShared: Bool { false }

    public func receive(into batch: ReceiveBatch) -> ReceiveResult {
        DatagramIO.receive(on: socket.fd, kind: .udp, coalesced: receiveCoalescing, into: batch)
    }
}
