// SPDX-License-Identifier: GPL-2.0-only
// TUNNEL_CREATE, TUNNEL_DELETE, TUNNEL_MODIFY and TUNNEL_GET, as l2tp_netlink.c handles them.

import Glibc
import L2TPCore
import L2TPNetlink
import L2TPSystem
import L2TPWire

extension ControlPlane {
    func tunnelCreate(_ a: L2TPAttributes, _ ctx: RequestContext, passing passed: inout Int32?, _ out: inout ControlOutput)
        throws(NetlinkError)
    {
        guard let connID = a.connID else { throw missing("L2TP_ATTR_CONN_ID") }
        guard let peerConnID = a.peerConnID else { throw missing("L2TP_ATTR_PEER_CONN_ID") }
        guard let protoVersion = a.protoVersion else { throw missing("L2TP_ATTR_PROTO_VERSION") }
        guard let encapType = a.encapType else { throw missing("L2TP_ATTR_ENCAP_TYPE") }
        // Managed tunnels take their socket from the application; unmanaged ones name addresses.
        let request = a.fd == nil ? unmanagedRequest(a) : nil
        if a.fd == nil && request == nil {
            throw NetlinkError(
                EINVAL,
                "an unmanaged tunnel needs L2TP_ATTR_IP_SADDR and L2TP_ATTR_IP_DADDR, or L2TP_ATTR_IP6_SADDR and L2TP_ATTR_IP6_DADDR")
        }
        guard let encap = EncapType(rawValue: encapType) else {
            throw NetlinkError(EINVAL, "L2TP_ATTR_ENCAP_TYPE \(encapType) is neither UDP (0) nor IP (1)")
        }
        guard let version = ProtocolVersion(rawValue: protoVersion) else {
            throw NetlinkError(EINVAL, "L2TP_ATTR_PROTO_VERSION \(protoVersion) is neither 2 nor 3")
        }
        if version == .v2 && encap == .ip {
            throw NetlinkError(EPROTONOSUPPORT, "L2TPv2 is carried over UDP only; IP encapsulation needs L2TPv3")
        }
        let id = TunnelID(connID)
        if registry.tunnel(id) != nil { throw NetlinkError(EEXIST, "tunnel \(connID) already exists") }
        guard let factory = encaps[encap] else {
            throw NetlinkError(EPROTONOSUPPORT, "encapsulation \(encap) is not available")
        }
        let tunnel = Tunnel(id: id, peerID: TunnelID(peerConnID), version: version, encap: encap, debug: a.debug ?? 0)
        let endpoint: any TunnelEndpoint
        if let request {
            endpoint = try factory.openTunnel(tunnel, request)
        } else {
            // sockfd_lookup: the descriptor must have come with the request (SCM_RIGHTS).
            guard let fd = passed else {
                throw NetlinkError(
                    EBADF, "L2TP_ATTR_FD given, but no socket was passed with the request (SCM_RIGHTS on the control socket)")
            }
            endpoint = try factory.adoptTunnel(tunnel, socket: fd, owner: ctx.requester.connectionID)
            passed = nil
            managedOwners[id] = ctx.requester.connectionID
        }
        do {
            try registry.add(tunnel)
        } catch {
            endpoint.close()
            throw NetlinkError(EEXIST, "tunnel \(connID) already exists")
        }
        tunnelEndpoints[id] = endpoint
        tunnelRequests[id] = a
        tunnel.trace(.registerTunnel)
        datapath.publish(registry.makeTable())
        endpoint.attach()
        out.notifications.append(tunnelMessage(tunnel, command: .tunnelCreate, flags: NetlinkFlags.ack, ctx))
    }

    /// The socket parameters of an unmanaged tunnel; IPv6 addresses win when both pairs are given.
    private func unmanagedRequest(_ a: L2TPAttributes) -> UnmanagedTunnelRequest? {
        let pair: (IPAddress, IPAddress)
        if let s = a.ip6Saddr, let d = a.ip6Daddr {
            pair = (s, d)
        } else if let s = a.ipSaddr, let d = a.ipDaddr {
            pair = (s, d)
        } else {
            return nil
        }
        let v6 = pair.0.isIPv6
        return UnmanagedTunnelRequest(
            local: pair.0, peer: pair.1, localPort: a.udpSport ?? 0, peerPort: a.udpDport ?? 0,
            udpChecksum: a.udpCsum != nil, udp6ZeroChecksumTx: v6 && a.udpZeroCsum6Tx,
            udp6ZeroChecksumRx: v6 && a.udpZeroCsum6Rx)
    }

    func tunnelDelete(_ a: L2TPAttributes, _ ctx: RequestContext, _ out: inout ControlOutput)
        throws(NetlinkError)
    {
        let tunnel = try existingTunnel(a)
        // The kernel announces the deletion before it happens, with the full object.
        out.notifications.append(tunnelMessage(tunnel, command: .tunnelDelete, flags: NetlinkFlags.ack, ctx))
        deleteTunnel(tunnel.id)
    }

    /// Removes a tunnel and its sessions. No per-session notifications, as in the kernel.
    func deleteTunnel(_ id: TunnelID) {
        deleteTunnels([id])
    }

    /// Removes tunnels and all their sessions at once: one publication, one grace period, then the
    /// devices are closed concurrently (each close waits for the kernel to unregister the device,
    /// and those waits overlap) and the sockets after them.
    func deleteTunnels(_ ids: [TunnelID]) {
        var sessions: [Session] = []
        var sockets: [any TunnelEndpoint] = []
        var tunnels: [Tunnel] = []
        for id in ids {
            guard let (tunnel, removed) = registry.removeTunnel(id) else { continue }
            tunnel.trace(.deleteTunnel)
            removed.forEach { $0.trace(.deleteSession) }
            tunnels.append(tunnel)
            managedOwners[id] = nil
            tunnelRequests[id] = nil
            sessions += removed
            if let endpoint = tunnelEndpoints.removeValue(forKey: id) { sockets.append(endpoint) }
        }
        guard !sessions.isEmpty || !sockets.isEmpty else { return }
        datapath.publish(registry.makeTable())
        let devices = sessions.compactMap { sessionEndpoints.removeValue(forKey: ObjectIdentifier($0)) }
        sessions.forEach { sessionRequests[ObjectIdentifier($0)] = nil }
        devices.forEach { $0.detach() }
        sockets.forEach { $0.detach() }
        datapath.synchronize()
        concurrentlyForEach(devices) { $0.close() }
        sessions.forEach {
            $0.purgeReorderQueue()
            $0.trace(.freeSession)
        }
        sockets.forEach { $0.close() }
        tunnels.forEach { $0.trace(.freeTunnel) }
    }

    func tunnelModify(_ a: L2TPAttributes, _ ctx: RequestContext, _ out: inout ControlOutput)
        throws(NetlinkError)
    {
        let tunnel = try existingTunnel(a)
        if let debug = a.debug {
            tunnel.debug.store(debug, ordering: .relaxed)
            tunnelRequests[tunnel.id]?.debug = debug
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
        guard let connID = a.connID else { throw missing("L2TP_ATTR_CONN_ID") }
        guard let tunnel = registry.tunnel(TunnelID(connID)) else {
            throw NetlinkError(ENODEV, "tunnel \(connID) does not exist")
        }
        return tunnel
    }

    /// The attributes of a tunnel reply, in the kernel's order.
    func tunnelAttributes(_ tunnel: Tunnel) -> L2TPAttributes {
        var a = L2TPAttributes()
        a.protoVersion = tunnel.version.rawValue
        a.connID = tunnel.id.rawValue
        a.peerConnID = tunnel.peerID.rawValue
        a.debug = 0
        a.encapType = tunnel.encap.rawValue
        a.stats = tunnel.stats.snapshot
        tunnelEndpoints[tunnel.id]?.describe(into: &a)
        return a
    }

    func tunnelMessage(_ tunnel: Tunnel, command: L2TPCommand, flags: UInt16, _ ctx: RequestContext) -> [UInt8] {
        L2TPMessageCodec.encode(
            command: command, attributes: tunnelAttributes(tunnel), order: L2TPMessageCodec.tunnelReplyOrder,
            flags: flags, sequence: ctx.sequence, portID: ctx.portID)
    }
}
