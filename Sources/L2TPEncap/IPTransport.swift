// SPDX-License-Identifier: GPL-2.0-only
// L2TPv3 over IP (protocol 115) with raw sockets, since this kernel may have no IPPROTO_L2TP sockets.
//
// The kernel delivers an L2TP/IP data packet once, to the session with that id whatever tunnel it
// arrived for. Raw sockets receive a copy per matching socket, so tunnels that share a (local, peer)
// address pair share one raw socket: each packet is read once and demultiplexed by session id.

import Glibc
import L2TPCore
import L2TPSystem
import L2TPWire

/// A raw protocol-115 socket bound to a local address and connected to a peer address, read once
/// for every tunnel of that address pair.
public final class IPSocket: PacketReceiver, @unchecked Sendable {
    let socket: Socket
    public let local: IPAddress
    public let peer: IPAddress
    /// Tunnels using this socket (control-plane thread only).
    fileprivate(set) var users = 0
    private let kind: ReceiveKind

    init(socket: Socket, local: IPAddress, peer: IPAddress) {
        self.socket = socket
        self.local = local
        self.peer = peer
        kind = local.isIPv6 ? .ipv6 : .ipv4
    }

    public var pollDescriptor: Int32 { socket.fd.rawValue }
    public var encapsulation: EncapType { .ip }
    public var isShared: Bool { true }

    public func receive(into batch: ReceiveBatch) -> ReceiveResult {
        DatagramIO.receive(on: socket.fd, kind: kind, coalesced: false, into: batch)
    }
}

/// Shares raw sockets between tunnels with the same address pair. Control-plane thread only.
public final class IPSocketPool: @unchecked Sendable {
    private struct Key: Hashable {
        var local: IPAddress
        var peer: IPAddress
    }
    private var sockets: [Key: IPSocket] = [:]

    public init() {}

    /// Returns the socket for (local, peer), opening it if needed.
    func acquire(local: IPAddress, peer: IPAddress) throws(Errno) -> IPSocket {
        let key = Key(local: local, peer: peer)
        if let s = sockets[key] {
            s.users += 1
            return s
        }
        let ipv6 = local.isIPv6
        guard ipv6 == peer.isIPv6 else { throw Errno(EAFNOSUPPORT) }
        let raw = try Socket.open(family: ipv6 ? AF_INET6 : AF_INET, type: Int32(SOCK_RAW.rawValue), protocol: IPProtocol.l2tp)
        do {
            try raw.fd.setNonBlocking(false)
            try TunnelSocketOptions.apply(to: raw, ipv6: ipv6)
            try raw.bind(SocketAddress(local))
            try raw.connect(SocketAddress(peer))
        } catch {
            raw.close()
            throw error
        }
        let s = IPSocket(socket: raw, local: local, peer: peer)
        s.users = 1
        sockets[key] = s
        return s
    }

    /// Drops one user; returns true when the socket is no longer used and must be closed by the
    /// caller (the datapath stopped reading it with its last tunnel, before the grace period).
    func release(_ s: IPSocket) -> Bool {
        s.users -= 1
        guard s.users == 0 else { return false }
        sockets[Key(local: s.local, peer: s.peer)] = nil
        return true
    }
}

/// A tunnel carried directly over IP. Receives through the shared socket for its address pair and
/// sends on it, or on the application's own socket for a managed tunnel.
public final class IPTransport: TunnelTransport {
    public let shared: IPSocket
    public let addressing: TunnelAddressing
    private let sendSocket: Socket
    private let pool: IPSocketPool
    /// For a managed tunnel: the application's socket, recorded there until `close`.
    private let managed: ManagedSockets?
    public var networkOverhead: Int { shared.local.isIPv6 ? 40 : 20 }

    init(shared: IPSocket, pool: IPSocketPool, sendingOn send: Socket? = nil, managed: ManagedSockets? = nil) {
        self.shared = shared
        self.pool = pool
        self.managed = managed
        sendSocket = send ?? shared.socket
        addressing = TunnelAddressing(encap: .ip, local: shared.local, peer: shared.peer)
    }

    public var receiver: (any PacketReceiver)? { shared }

    public func pathMTU() -> Int? { TunnelSocketOptions.pathMTU(shared.socket, ipv6: shared.local.isIPv6) }

    public func send(_ batch: TransmitBatch) -> TransmitResult {
        DatagramIO.send(batch, on: sendSocket.fd, segmentation: nil).result
    }

    /// Gives up the shared socket (the last tunnel closes it) and l2tpd's copy of an adopted one.
    public func close() {
        if let managed {
            managed.release(sendSocket)
            sendSocket.close()
        }
        if pool.release(shared) { shared.socket.close() }
    }

    public var debugDescription: String {
        var d = "socket \(sendSocket.fd.rawValue) \(SocketAddress(shared.local)) -> \(SocketAddress(shared.peer))"
        if let mtu = pathMTU() { d += " path_mtu \(mtu)" }
        return d
    }
}
