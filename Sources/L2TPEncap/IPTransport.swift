// SPDX-License-Identifier: GPL-2.0-only
// L2TPv3 over IP (protocol 115) with raw sockets, since this kernel may have no IPPROTO_L2TP sockets.
//
// The kernel delivers an L2TP/IP data packet once, to the session with that id whatever tunnel it
// arrived for. Raw sockets receive a copy per matching socket, so tunnels that share a (local, peer)
// address pair share one raw socket: each packet is read once and demultiplexed by session id.

import Glibc
import L2TPSystem
import L2TPWire

/// A raw protocol-115 socket bound to a local address and connected to a peer address.
public final class IPSocket: @unchecked Sendable {
    public let socket: Socket
    public let local: IPAddress
    public let peer: IPAddress
    /// Tunnels using this socket (control-plane thread only).
    fileprivate(set) var users = 0

    init(socket: Socket, local: IPAddress, peer: IPAddress) {
        self.socket = socket
        self.local = local
        self.peer = peer
    }

    public var receiveKind: ReceiveKind { local.isIPv6 ? .ipv6 : .ipv4 }
}

/// Shares raw sockets between tunnels with the same address pair. Control-plane thread only.
public final class IPSocketPool: @unchecked Sendable {
    private struct Key: Hashable {
        var local: IPAddress
        var peer: IPAddress
    }
    private var sockets: [Key: IPSocket] = [:]

    public init() {}

    /// Returns the socket for (local, peer), opening it if needed; `opened` is true for a new socket,
    /// which the caller must register with the datapath for receiving.
    public func acquire(local: IPAddress, peer: IPAddress) throws(Errno) -> (IPSocket, opened: Bool) {
        let key = Key(local: local, peer: peer)
        if let s = sockets[key] {
            s.users += 1
            return (s, false)
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
        return (s, true)
    }

    /// Drops one user; returns true when the socket is no longer used and must be unregistered from
    /// the datapath and then closed by the caller.
    public func release(_ s: IPSocket) -> Bool {
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
    public let sendFD: FileDescriptor
    public var networkOverhead: Int { shared.local.isIPv6 ? 40 : 20 }

    public init(shared: IPSocket, sendingOn send: Socket? = nil) {
        self.shared = shared
        sendFD = send?.fd ?? shared.socket.fd
        addressing = TunnelAddressing(
            encap: .ip, local: SocketAddress(shared.local), peer: SocketAddress(shared.peer),
            udpChecksum: false, udp6ZeroChecksumTx: false, udp6ZeroChecksumRx: false)
    }

    public func pathMTU() -> Int? { TunnelSocketOptions.pathMTU(shared.socket, ipv6: shared.local.isIPv6) }
}
