// SPDX-License-Identifier: GPL-2.0-only
// L2TP-over-IP encapsulation as it registers with the control plane (kernel l2tp_tunnel_sock_create,
// IP case, on raw sockets): tunnels with the same address pair share one raw protocol-115 socket.

import L2TPCore
import L2TPSystem
import L2TPWire

/// Creates IP-encapsulated tunnels.
public final class IPEncapFactory: EncapFactory {
    private let managed: ManagedSockets
    private let pool = IPSocketPool()

    public init(managed: ManagedSockets) { self.managed = managed }

    public func openTunnel(_ id: TunnelID, _ r: UnmanagedTunnelRequest) throws(L2TPError) -> any TunnelTransport {
        IPTransport(shared: try shared(local: r.local, peer: r.peer), pool: pool)
    }

    /// A managed IP tunnel receives through the shared socket of its address pair like any other
    /// (the kernel delivers L2TP/IP data by session id); its control frames go to the owner through
    /// l2tpd, so the application's own raw socket is told to drop what it receives. Data is sent on
    /// the application's socket.
    public func adoptTunnel(_ id: TunnelID, socket fd: Int32) throws(L2TPError) -> any TunnelTransport {
        let socket = try managed.adopt(fd, encap: .ip)
        let shared: IPSocket
        do {
            shared = try self.shared(local: socket.local.address, peer: socket.peer.address)
        } catch {
            managed.release(socket.socket)
            throw error
        }
        socket.dropEverythingReceived()
        return IPTransport(shared: shared, pool: pool, sendingOn: socket.socket, managed: managed)
    }

    private func shared(local: IPAddress, peer: IPAddress) throws(L2TPError) -> IPSocket {
        do {
            return try pool.acquire(local: local, peer: peer)
        } catch {
            throw L2TPError(error.rawValue, "cannot open an L2TP/IP socket \(local) → \(peer): \(error)")
        }
    }
}
