// SPDX-License-Identifier: GPL-2.0-only
// Registers L2TP-over-IP encapsulation with the control plane: tunnels with the same address pair
// share one raw protocol-115 socket, which the datapath reads once.

import L2TPControl
import L2TPCore
import L2TPDatapath
import L2TPEncap
import L2TPNetlink
import L2TPSystem
import L2TPWire

/// Creates IP-encapsulated tunnels (kernel l2tp_tunnel_sock_create, IP case, on raw sockets).
final class IPEncapFactory: EncapFactory {
    private let datapath: Datapath
    private let managed: ManagedTunnels
    private let pool = IPSocketPool()

    init(datapath: Datapath, managed: ManagedTunnels) {
        self.datapath = datapath
        self.managed = managed
    }

    func openTunnel(_ tunnel: Tunnel, _ r: UnmanagedTunnelRequest) throws(NetlinkError) -> any TunnelEndpoint {
        try endpoint(tunnel, local: r.local, peer: r.peer, sendingOn: nil, owner: nil)
    }

    /// A managed IP tunnel receives through the shared socket of its address pair like any other
    /// (the kernel delivers L2TP/IP data by session id); its control frames go to the owner through
    /// l2tpd, so the application's own raw socket is told to drop what it receives. Data is sent on
    /// the application's socket.
    func adoptTunnel(_ tunnel: Tunnel, socket fd: Int32, owner: UInt64) throws(NetlinkError) -> any TunnelEndpoint {
        let socket = try managed.validate(fd, encap: .ip)
        let endpoint = try endpoint(
            tunnel, local: socket.local.address, peer: socket.peer.address, sendingOn: socket.socket,
            owner: managed.owner(owner, socket: socket))
        socket.dropEverythingReceived()
        return endpoint
    }

    private func endpoint(
        _ tunnel: Tunnel, local: IPAddress, peer: IPAddress, sendingOn: Socket?, owner: ManagedTunnels.Owner?
    ) throws(NetlinkError) -> any TunnelEndpoint {
        let shared: IPSocket
        let opened: Bool
        do {
            (shared, opened) = try pool.acquire(local: local, peer: peer)
        } catch {
            throw NetlinkError(error.rawValue, "cannot open an L2TP/IP socket \(local) → \(peer): \(error)")
        }
        if opened { datapath.addReceiver(shared.socket.fd, kind: shared.receiveKind, tunnel: nil) }
        let transport = IPTransport(shared: shared, sendingOn: sendingOn)
        return TransportEndpoint(tunnel: tunnel, transport: transport, datapath: datapath, owner: owner) {
            [pool, datapath] in
            // Called after the grace period of the tunnel's own removal.
            if pool.release(shared) {
                datapath.remove(shared.socket.fd)
                datapath.synchronize()
                shared.socket.close()
            }
        }
    }
}
