// SPDX-License-Identifier: GPL-2.0-only
// Registers L2TP-over-IP encapsulation with the control plane: tunnels with the same address pair
// share one raw protocol-115 socket, which the datapath reads once.

import L2TPControl
import L2TPCore
import L2TPDatapath
import L2TPEncap
import L2TPNetlink
import L2TPSystem

/// Creates IP-encapsulated tunnels (kernel l2tp_tunnel_sock_create, IP case, on raw sockets).
final class IPEncapFactory: EncapFactory {
    private let datapath: Datapath
    private let pool = IPSocketPool()

    init(datapath: Datapath) { self.datapath = datapath }

    func openTunnel(_ tunnel: Tunnel, _ r: UnmanagedTunnelRequest) throws(NetlinkError) -> any TunnelEndpoint {
        let shared: IPSocket
        let opened: Bool
        do {
            (shared, opened) = try pool.acquire(local: r.local, peer: r.peer)
        } catch {
            throw NetlinkError(error.rawValue, "cannot open an L2TP/IP socket \(r.local) → \(r.peer): \(error)")
        }
        if opened { datapath.addReceiver(shared.socket.fd, kind: shared.receiveKind, tunnel: nil) }
        return TransportEndpoint(tunnel: tunnel, transport: IPTransport(shared: shared), datapath: datapath) {
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
