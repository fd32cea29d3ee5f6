// SPDX-License-Identifier: GPL-2.0-only
// UDP encapsulation as it registers with the control plane (kernel l2tp_tunnel_sock_create, UDP
// case): each unmanaged tunnel's own UDP socket, or a program's adopted one.

import L2TPCore
import L2TPSystem
import L2TPWire

/// Opens UDP tunnel sockets, or adopts an application's (managed tunnels).
public final class UDPEncapFactory: EncapFactory {
    private let managed: ManagedSockets
    /// UDP GRO on tunnel sockets and UDP GSO sends (`--no-offloads` turns them off).
    private let offloads: Bool

    public init(managed: ManagedSockets, offloads: Bool) {
        self.managed = managed
        self.offloads = offloads
    }

    public func openTunnel(_ id: TunnelID, _ r: UnmanagedTunnelRequest) throws(L2TPError) -> any TunnelTransport {
        do {
            return try UDPTransport.open(r, offloads: offloads)
        } catch {
            throw L2TPError(
                error.rawValue,
                "cannot open the tunnel's UDP socket \(SocketAddress(r.local, port: r.localPort)) → \(SocketAddress(r.peer, port: r.peerPort)): \(error)")
        }
    }

    public func adoptTunnel(_ id: TunnelID, socket fd: Int32) throws(L2TPError) -> any TunnelTransport {
        UDPTransport(adopting: try managed.adopt(fd, encap: .udp), offloads: offloads, managed: managed)
    }
}
