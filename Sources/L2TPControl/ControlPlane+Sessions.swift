// SPDX-License-Identifier: GPL-2.0-only
// SESSION_CREATE, SESSION_DELETE, SESSION_MODIFY and SESSION_GET, as l2tp_netlink.c handles them.

import Glibc
import L2TPCore
import L2TPNetlink
import L2TPWire

extension ControlPlane {
    func sessionCreate(_ a: L2TPAttributes, _ ctx: RequestContext, _ out: inout ControlOutput)
        throws(NetlinkError)
    {
        guard let connID = a.connID else { throw missing("L2TP_ATTR_CONN_ID") }
        guard let tunnel = registry.tunnel(TunnelID(connID)),
            let tunnelEndpoint = tunnelEndpoints[tunnel.id]
        else { throw NetlinkError(ENODEV, "tunnel \(connID) does not exist") }
        guard let sessionID = a.sessionID else { throw missing("L2TP_ATTR_SESSION_ID") }
        guard let peerSessionID = a.peerSessionID else { throw missing("L2TP_ATTR_PEER_SESSION_ID") }
        guard let pwRaw = a.pwType else { throw missing("L2TP_ATTR_PW_TYPE") }
        guard pwRaw < PseudowireType.limit else {
            throw NetlinkError(EINVAL, "L2TP_ATTR_PW_TYPE \(pwRaw) is out of range (at most \(PseudowireType.limit - 1))")
        }
        if tunnel.version == .v2 && pwRaw != PseudowireType.ppp.rawValue {
            throw NetlinkError(EPROTONOSUPPORT, "L2TPv2 tunnels carry PPP sessions only (L2TP_ATTR_PW_TYPE 7)")
        }
        var l2spec = L2SpecType.default
        var cookie = Cookie.none
        var peerCookie = Cookie.none
        var ifname: String?
        if tunnel.version == .v3 {
            if let raw = a.l2specType {
                guard let t = L2SpecType(rawValue: raw) else {
                    throw NetlinkError(EINVAL, "L2TP_ATTR_L2SPEC_TYPE \(raw) is neither none (0) nor default (1)")
                }
                l2spec = t
            }
            if let bytes = a.cookie {
                guard let c = Cookie(bytes: bytes) else { throw NetlinkError(EINVAL, "L2TP_ATTR_COOKIE is longer than 8 bytes") }
                cookie = c
            }
            if let bytes = a.peerCookie {
                guard let c = Cookie(bytes: bytes) else {
                    throw NetlinkError(EINVAL, "L2TP_ATTR_PEER_COOKIE is longer than 8 bytes")
                }
                peerCookie = c
            }
            ifname = a.ifname
        }
        guard let pwType = PseudowireType(rawValue: pwRaw), let factory = pseudowires[pwRaw] else {
            throw NetlinkError(EPROTONOSUPPORT, "pseudowire type \(pwRaw) is not supported by this l2tpd")
        }
        let id = SessionID(sessionID)
        if registry.session(tunnelID: tunnel.id, sessionID: id) != nil {
            throw NetlinkError(EEXIST, "session \(sessionID) already exists in tunnel \(connID)")
        }
        let session = Session(
            id: id, peerID: SessionID(peerSessionID), tunnel: tunnel, pseudowireType: pwType, cookie: cookie,
            peerCookie: peerCookie, l2spec: l2spec, recvSeq: bit(a.recvSeq), sendSeq: bit(a.sendSeq),
            lnsMode: bit(a.lnsMode), reorderTimeout: a.recvTimeout ?? 0, debug: a.debug ?? 0)
        // Check the id scope before creating a device, so a collision does not leave a device behind.
        do {
            try registry.check(session)
        } catch {
            throw NetlinkError(EEXIST, "session id \(sessionID) is already in use (L2TPv3 ids are global)")
        }
        let endpoint = try factory.createSession(session, tunnel: tunnelEndpoint, PseudowireRequest(interfaceName: ifname))
        do {
            try registry.add(session)
        } catch {
            endpoint.close()
            throw NetlinkError(EEXIST, "session id \(sessionID) is already in use")
        }
        sessionEndpoints[ObjectIdentifier(session)] = endpoint
        sessionRequests[ObjectIdentifier(session)] = a
        session.trace(.registerSession)
        datapath.publish(registry.makeTable())
        endpoint.attach()
        out.notifications.append(sessionMessage(session, command: .sessionCreate, flags: NetlinkFlags.ack, ctx))
    }

    func sessionDelete(_ a: L2TPAttributes, _ ctx: RequestContext, _ out: inout ControlOutput)
        throws(NetlinkError)
    {
        let session = try existingSession(a)
        out.notifications.append(sessionMessage(session, command: .sessionDelete, flags: NetlinkFlags.ack, ctx))
        deleteSession(session)
    }

    /// Removes one session: unpublish, wait for the datapath, close the device, purge its queue.
    func deleteSession(_ session: Session) {
        session.trace(.deleteSession)
        registry.removeSession(tunnelID: session.tunnel.id, sessionID: session.id)
        datapath.publish(registry.makeTable())
        let endpoint = sessionEndpoints.removeValue(forKey: ObjectIdentifier(session))
        sessionRequests[ObjectIdentifier(session)] = nil
        endpoint?.detach()
        datapath.synchronize()
        endpoint?.close()
        session.purgeReorderQueue()
        session.trace(.freeSession)
    }

    func sessionModify(_ a: L2TPAttributes, _ ctx: RequestContext, _ out: inout ControlOutput)
        throws(NetlinkError)
    {
        let session = try existingSession(a)
        if let v = a.debug { session.debug.store(v, ordering: .relaxed) }
        if let v = a.recvSeq { session.recvSeq.store(bit(v), ordering: .relaxed) }
        if let v = a.sendSeq { session.sendSeq.store(bit(v), ordering: .relaxed) }
        if let v = a.lnsMode { session.lnsMode.store(bit(v), ordering: .relaxed) }
        if let v = a.recvTimeout { session.reorderTimeout.store(v, ordering: .relaxed) }
        var requested = sessionRequests[ObjectIdentifier(session)] ?? L2TPAttributes()
        if let v = a.debug { requested.debug = v }
        if let v = a.recvSeq { requested.recvSeq = v & 1 }
        if let v = a.sendSeq { requested.sendSeq = v & 1 }
        if let v = a.lnsMode { requested.lnsMode = v & 1 }
        if let v = a.recvTimeout { requested.recvTimeout = v }
        sessionRequests[ObjectIdentifier(session)] = requested
        out.notifications.append(sessionMessage(session, command: .sessionModify, flags: NetlinkFlags.ack, ctx))
    }

    func sessionGet(_ a: L2TPAttributes, _ ctx: RequestContext, _ out: inout ControlOutput)
        throws(NetlinkError)
    {
        let session = try existingSession(a)
        out.replies.append(sessionMessage(session, command: .sessionGet, flags: 0, ctx))
    }

    /// Session lookup of l2tp_nl_session_get: by IFNAME if given, else by CONN_ID and SESSION_ID.
    /// Missing ids are ENODEV, not EINVAL, as in the kernel.
    private func existingSession(_ a: L2TPAttributes) throws(NetlinkError) -> Session {
        if let name = a.ifname {
            guard let s = registry.allSessionsInOrder.first(where: { $0.ifname == name }) else {
                throw NetlinkError(ENODEV, "no session has interface \(name)")
            }
            return s
        }
        guard let connID = a.connID, let sessionID = a.sessionID else {
            throw NetlinkError(ENODEV, "a session is named by L2TP_ATTR_IFNAME, or by L2TP_ATTR_CONN_ID and L2TP_ATTR_SESSION_ID")
        }
        guard let s = registry.session(tunnelID: TunnelID(connID), sessionID: SessionID(sessionID)) else {
            throw NetlinkError(ENODEV, "session \(sessionID) does not exist in tunnel \(connID)")
        }
        return s
    }

    /// The attributes of a session reply, in the kernel's order.
    func sessionAttributes(_ s: Session) -> L2TPAttributes {
        var a = L2TPAttributes()
        a.connID = s.tunnel.id.rawValue
        a.sessionID = s.id.rawValue
        a.peerConnID = s.tunnel.peerID.rawValue
        a.peerSessionID = s.peerID.rawValue
        a.debug = 0
        a.pwType = s.pseudowireType.rawValue
        a.ifname = s.ifname
        a.cookie = s.cookie.count > 0 ? s.cookie.bytes : nil
        a.peerCookie = s.peerCookie.count > 0 ? s.peerCookie.bytes : nil
        a.recvSeq = s.recvSeq.load(ordering: .relaxed) ? 1 : 0
        a.sendSeq = s.sendSeq.load(ordering: .relaxed) ? 1 : 0
        a.lnsMode = s.lnsMode.load(ordering: .relaxed) ? 1 : 0
        let timeout = s.reorderTimeout.load(ordering: .relaxed)
        a.recvTimeout = timeout != 0 ? timeout : nil
        a.stats = s.stats.snapshot
        return a
    }

    func sessionMessage(_ s: Session, command: L2TPCommand, flags: UInt16, _ ctx: RequestContext) -> [UInt8] {
        L2TPMessageCodec.encode(
            command: command, attributes: sessionAttributes(s), order: L2TPMessageCodec.sessionReplyOrder,
            flags: flags, sequence: ctx.sequence, portID: ctx.portID)
    }
}
