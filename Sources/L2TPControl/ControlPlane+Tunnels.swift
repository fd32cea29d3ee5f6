// SPDX-License-Identifier: GPL-2.0-only
// TUNNEL_CREATE, TUNNEL_DELETE, TUNNEL_MODIFY and TUNNEL_GET, as l2tp_netlink.c handles them.

import Glibc
import L2TPCore
import L2TPNetlink
import L2TPSystem
import L2TPWire

extension ControlPlane {
    /// Flow: read the request (TunnelCreateRequest: the kernel's checks and errnos), refuse a taken
    /// id and an unregistered encapsulation, have the encapsulation open or adopt the socket, build
    /// the Tunnel around its transport, register and publish it, then have the datapath read it.
    func tunnelCreate(_ a: L2TPAttributes, _ ctx: RequestContext, passing passed: inout Int32?, _ out: inout ControlOutput)
        throws(NetlinkError)
    {
        let request = try TunnelCreateRequest(a)
        if registry.tunnel(request.id) != nil { throw NetlinkError(EEXIST, "tunnel \(request.id) already exists") }
        guard let factory = registrations.encapsulations[request.encap] else {
            throw NetlinkError(EPROTONOSUPPORT, "encapsulation \(request.encap) is not available")
        }
        let transport: any TunnelTransport
        var owner: UInt64?
        switch request.socket {
        case .unmanaged(let socket):
            do { transport = try factory.openTunnel(request.id, socket) } catch { throw NetlinkError(error) }
        case .managed:
            // sockfd_lookup: the descriptor must have come with the request (SCM_RIGHTS).
            guard let fd = passed else {
                throw NetlinkError(
                    EBADF, "L2TP_ATTR_FD given, but no socket was passed with the request (SCM_RIGHTS on the control socket)")
            }
            do { transport = try factory.adoptTunnel(request.id, socket: fd) } catch { throw NetlinkError(error) }
            passed = nil
            owner = ctx.requester.connectionID
        }
        let tunnel = Tunnel(
            id: request.id, peerID: request.peerID, version: request.version, encap: request.encap, debug: request.debug,
            transport: transport, controlOwner: owner, traceSink: traceSink)
        do {
            try registry.add(tunnel, info: request)
        } catch {
            transport.close()
            throw NetlinkError(EEXIST, "tunnel \(request.id) already exists")
        }
        tunnel.trace(.registerTunnel)
        datapath.publish(registry.makeTable())
        if let receiver = transport.receiver {
            do {
                try datapath.add(receiver, for: tunnel)
            } catch {
                deleteTunnels([tunnel.id], attached: false)
                throw NetlinkError(error)
            }
        }
        out.notifications.append(tunnelMessage(tunnel, command: .tunnelCreate, flags: NetlinkFlags.ack, ctx))
    }

    func tunnelDelete(_ a: L2TPAttributes, _ ctx: RequestContext, _ out: inout ControlOutput)
        throws(NetlinkError)
    {
        let tunnel = try existingTunnel(a)
        // The kernel announces the deletion before it happens, with the full object.
        out.notifications.append(tunnelMessage(tunnel, command: .tunnelDelete, flags: NetlinkFlags.ack, ctx))
        deleteTunnels([tunnel.id])
    }

    /// Removes tunnels and all their sessions at once: one publication, one grace period, then the
    /// devices are closed concurrently (each close waits for the kernel to unregister the device,
    /// and those waits overlap) and the transports after them. No per-session notifications, as in
    /// the kernel. `attached: false`: the tunnels' receivers were never added to the datapath.
    func deleteTunnels(_ ids: [TunnelID], attached: Bool = true) {
        var sessions: [Session] = []
        var tunnels: [Tunnel] = []
        for id in ids {
            guard let (tunnel, removed) = registry.removeTunnel(id) else { continue }
            tunnel.trace(.deleteTunnel)
            removed.forEach { $0.trace(.deleteSession) }
            tunnels.append(tunnel)
            sessions += removed
        }
        guard !tunnels.isEmpty else { return }
        datapath.publish(registry.makeTable())
        for s in sessions {
            if let device = s.device { datapath.remove(device, for: s) }
        }
        for t in tunnels where attached {
            if let receiver = t.transport?.receiver { datapath.remove(receiver, for: t) }
        }
        datapath.synchronize()
        concurrentlyForEach(sessions.compactMap(\.device)) { $0.close() }
        sessions.forEach {
            $0.purgeReorderQueue()
            $0.trace(.freeSession)
        }
        tunnels.forEach { $0.transport?.close() }
        tunnels.forEach { $0.trace(.freeTunnel) }
    }

    func tunnelModify(_ a: L2TPAttributes, _ ctx: RequestContext, _ out: inout ControlOutput)
        throws(NetlinkError)
    {
        let tunnel = try existingTunnel(a)
        if let debug = a.debug {
            tunnel.debug.store(debug, ordering: .relaxed)
            registry.updateInfo(of: tunnel.id) { $0.debug = debug }
        }
        out.notifications.append(tunnelMessage(tunnel, command: .tunnelModify, flags: NetlinkFlags.ack, ctx))
    }

    func tunnelGet(_ a: L2TPAttributes, _ ctx: RequestContext, _ out: inout ControlOutput)
        throws(NetlinkError)
    {
        let tunnel = try existingTunnel(a)
        // The kernel sets NLM_F_ACK on this unicast reply.
        out.replies.append(tunnelMessage(tunnel, command: .tunnelGet, flags: NetlinkFlags.ack, ctx))
    }

    private func existingTunnel(_ a: L2TPAttributes) throws(NetlinkError) -> Tunnel {
        guard let connID = a.connID else { throw .missing("L2TP_ATTR_CONN_ID") }
        guard let tunnel = registry.tunnel(TunnelID(connID)) else {
            throw NetlinkError(ENODEV, "tunnel \(connID) does not exist")
        }
        return tunnel
    }

    /// The attributes of a tunnel reply, in the kernel's order (l2tp_nl_tunnel_send): the socket's
    /// addressing as l2tp_nl_tunnel_send_addr4/6 reads it back — ports and checksum settings only
    /// for UDP, UDP_CSUM only for IPv4, the zero-checksum flags only for IPv6.
    func tunnelAttributes(_ tunnel: Tunnel) -> L2TPAttributes {
        var a = L2TPAttributes()
        a.protoVersion = tunnel.version.rawValue
        a.connID = tunnel.id.rawValue
        a.peerConnID = tunnel.peerID.rawValue
        a.debug = 0
        a.encapType = tunnel.encap.rawValue
        a.stats = tunnel.stats.snapshot
        guard let x = tunnel.transport?.addressing else { return a }
        if x.isIPv6 {
            if x.encap == .udp {
                a.udpZeroCsum6Tx = x.udp6ZeroChecksumTx
                a.udpZeroCsum6Rx = x.udp6ZeroChecksumRx
                a.udpSport = x.localPort
                a.udpDport = x.peerPort
            }
            a.ip6Saddr = x.local
            a.ip6Daddr = x.peer
        } else {
            if x.encap == .udp {
                a.udpCsum = x.udpChecksum ? 1 : 0
                a.udpSport = x.localPort
                a.udpDport = x.peerPort
            }
            a.ipSaddr = x.local
            a.ipDaddr = x.peer
        }
        return a
    }

    func tunnelMessage(_ tunnel: Tunnel, command: L2TPCommand, flags: UInt16, _ ctx: RequestContext) -> [UInt8] {
        L2TPMessageCodec.encode(
            command: command, attributes: tunnelAttributes(tunnel), order: L2TPMessageCodec.tunnelReplyOrder,
            flags: flags, sequence: ctx.sequence, portID: ctx.portID)
    }
}
