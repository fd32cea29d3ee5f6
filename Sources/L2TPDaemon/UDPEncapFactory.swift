// SPDX-License-Identifier: GPL-2.0-only
// Registers UDP encapsulation with the control plane: opens each unmanaged tunnel's own UDP socket
// and has the datapath read it.

import L2TPControl
import L2TPCore
import L2TPDatapath
import L2TPEncap
import L2TPNetlink
import L2TPSystem
import L2TPWire

/// Creates UDP tunnel sockets (kernel l2tp_tunnel_sock_create, UDP case), or adopts an
/// application's (managed tunnels).
final class UDPEncapFactory: EncapFactory {
    private let datapath: Datapath
    private let managed: ManagedTunnels
    /// UDP GRO on tunnel sockets and UDP GSO sends (`--no-offloads` turns them off).
    private let offloads: Bool

    init(datapath: Datapath, managed: ManagedTunnels, offloads: Bool) {
        self.datapath = datapath
        self.managed = managed
        self.offloads = offloads
    }

    func adoptTunnel(_ tunnel: Tunnel, socket fd: Int32, owner: UInt64) throws(NetlinkError) -> any TunnelEndpoint {
        let socket = try managed.validate(fd, encap: .udp)
        let transport = UDPTransport(adopting: socket, offloads: offloads)
        return TransportEndpoint(
            tunnel: tunnel, transport: transport, datapath: datapath, owner: managed.owner(owner, socket: socket)
        ) {}
    }

    func openTunnel(_ tunnel: Tunnel, _ r: UnmanagedTunnelRequest) throws(NetlinkError) -> any TunnelEndpoint {
        let config = TunnelSocketConfig(
            encap: .udp, local: r.local, peer: r.peer, localPort: r.localPort, peerPort: r.peerPort,
            udpChecksum: r.udpChecksum, udp6ZeroChecksumTx: r.udp6ZeroChecksumTx,
            udp6ZeroChecksumRx: r.udp6ZeroChecksumRx)
        do {
            return TransportEndpoint(tunnel: tunnel, transport: try UDPTransport.open(config, offloads: offloads), datapath: datapath) {}
        } catch {
            throw NetlinkError(error.rawValue, "cannot open the tunnel's UDP socket \(SocketAddress(r.local, port: r.localPort)) → \(SocketAddress(r.peer, port: r.peerPort)): \(error)")
        }
    }
}

/// A tunnel's transport registered with the datapath.
final class TransportEndpoint: TunnelEndpoint {
    let tunnel: Tunnel
    let transport: any TunnelTransport
    private let datapath: Datapath
    private let receiveFD: FileDescriptor?
    /// For a managed tunnel: who gets its control frames, and the adopted socket to release.
    private let owner: ManagedTunnels.Owner?
    private let onClose: () -> Void

    /// The tunnel's own UDP socket is read by a worker; an IP tunnel's shared socket is registered by
    /// its factory.
    init(
        tunnel: Tunnel, transport: any TunnelTransport, datapath: Datapath, owner: ManagedTunnels.Owner? = nil,
        onClose: @escaping () -> Void
    ) {
        self.tunnel = tunnel
        self.transport = transport
        self.datapath = datapath
        self.owner = owner
        self.onClose = onClose
        receiveFD = transport is UDPTransport ? transport.sendFD : nil
    }

    func describe(into a: inout L2TPAttributes) {
        let x = transport.addressing
        if x.isIPv6 {
            if x.encap == .udp {
                a.udpZeroCsum6Tx = x.udp6ZeroChecksumTx
                a.udpZeroCsum6Rx = x.udp6ZeroChecksumRx
                a.udpSport = x.local.port
                a.udpDport = x.peer.port
            }
            a.ip6Saddr = x.local.address
            a.ip6Daddr = x.peer.address
        } else {
            if x.encap == .udp {
                a.udpCsum = x.udpChecksum ? 1 : 0
                a.udpSport = x.local.port
                a.udpDport = x.peer.port
            }
            a.ipSaddr = x.local.address
            a.ipDaddr = x.peer.address
        }
    }

    var debugDescription: String {
        let x = transport.addressing
        var d = "socket \(transport.sendFD.rawValue) \(x.local) -> \(x.peer)"
        if x.encap == .udp {
            d += x.isIPv6
                ? " udp6_zero_csum_tx \(x.udp6ZeroChecksumTx ? 1 : 0) udp6_zero_csum_rx \(x.udp6ZeroChecksumRx ? 1 : 0)"
                : " udp_csum \(x.udpChecksum ? 1 : 0)"
        }
        if let mtu = transport.pathMTU() { d += " path_mtu \(mtu)" }
        if let udp = transport as? UDPTransport {
            d += " gso \(udp.segmentationOffload ? 1 : 0) gro \(udp.receiveCoalescing ? 1 : 0)"
        }
        return d
    }

    func attach() {
        owner?.attach(tunnel)
        if let receiveFD {
            let coalesced = (transport as? UDPTransport)?.receiveCoalescing ?? false
            datapath.addReceiver(receiveFD, kind: .udp, tunnel: tunnel, coalesced: coalesced)
        }
    }

    func detach() {
        if let receiveFD { datapath.remove(receiveFD) }
        owner?.detach(tunnel)
    }

    func close() {
        if let owner {
            owner.release()  // our copy of the application's socket
        } else if let udp = transport as? UDPTransport {
            udp.close()
        }
        onClose()
    }
}
