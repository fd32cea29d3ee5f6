// SPDX-License-Identifier: GPL-2.0-only
// SESSION_CREATE, SESSION_DELETE, SESSION_MODIFY and SESSION_GET, as l2tp_netlink.c handles them.

import Glibc
import L2TPCore
import L2TPNetlink
import L2TPWire

extension ControlPlane {
    /// Flow: find the tunnel, read the request (SessionCreateRequest: the kernel's checks and errnos),
    /// refuse an unregistered pseudowire and an id taken in its scope, have the pseudowire create the
    /// device, build the Session around it, register and publish it, then have the datapath read it.
    func sessionCreate(_ a: L2TPAttributes, _ ctx: RequestContext, _ out: inout ControlOutput)
        throws(NetlinkError)
    {
        guard let connID = a.connID else { throw .missing("L2TP_ATTR_CONN_ID") }
        guard let tunnel = registry.tunnel(TunnelID(connID)) else {
            throw NetlinkError(ENODEV, "tunnel \(connID) does not exist")
        }
        let request = try SessionCreateRequest(a, version: tunnel.version)
        guard let pwType = PseudowireType(rawValue: request.pseudowireType),
            let factory = registrations.pseudowires[pwType]
        else {
            throw NetlinkError(EPROTONOSUPPORT, "pseudowire type \(request.pseudowireType) is not supported by this l2tpd")
        }
        if registry.session(tunnelID: tunnel.id, sessionID: request.id) != nil {
            throw NetlinkError(EEXIST, "session \(request.id) already exists in tunnel \(connID)")
        }
        // Check the id scope before creating a device, so a collision does not leave a device behind.
        do {
            try registry.check(request.id, in: tunnel)
        } catch {
            throw NetlinkError(EEXIST, "session id \(request.id) is already in use (L2TPv3 ids are global)")
        }
        let headerLength = Session.headerLength(
            version: tunnel.version, encap: tunnel.encap, cookieLength: request.cookie.count, l2spec: request.l2spec,
            sendSeq: request.sendSeq)
        let device: any PseudowireDevice
        do {
            device = try factory.createDevice(
                PseudowireRequest(
                    tunnel: tunnel, sessionID: request.id, interfaceName: request.interfaceName, headerLength: headerLength))
        } catch {
            throw NetlinkError(error)
        }
        let session = Session(
            id: request.id, peerID: request.peerID, tunnel: tunnel, pseudowireType: pwType, cookie: request.cookie,
            peerCookie: request.peerCookie, l2spec: request.l2spec, recvSeq: request.recvSeq, sendSeq: request.sendSeq,
            lnsMode: request.lnsMode, reorderTimeout: request.reorderTimeout, debug: request.debug, device: device)
        do {
            try registry.add(session, info: request)
        } catch {
            device.close()
            throw NetlinkError(EEXIST, "session id \(request.id) is already in use")
        }
        session.trace(.registerSession)
        device.bind(to: session)
        datapath.publish(registry.makeTable())
        do {
            try datapath.add(device, for: session)
        } catch {
            deleteSession(session, attached: false)
            throw NetlinkError(error)
        }
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
    /// `attached: false`: the device was never added to the datapath.
    func deleteSession(_ session: Session, attached: Bool = true) {
        session.trace(.deleteSession)
        registry.removeSession(tunnelID: session.tunnel.id, sessionID: session.id)
        datapath.publish(registry.makeTable())
        if attached, let device = session.device { datapath.remove(device, for: session) }
        datapath.synchronize()
        session.device?.close()
        session.purgeReorderQueue()
        session.trace(.freeSession)
    }

    func sessionModify(_ a: L2TPAttributes, _ ctx: RequestContext, _ out: inout ControlOutput)
        throws(NetlinkError)
    {
        let session = try existingSession(a)
        let m = SessionModifyRequest(a)
        if let v = m.debug { session.debug.store(v, ordering: .relaxed) }
        if let v = m.recvSeq { session.recvSeq.store(v, ordering: .relaxed) }
        if let v = m.sendSeq { session.sendSeq.store(v, ordering: .relaxed) }
        if let v = m.lnsMode { session.lnsMode.store(v, ordering: .relaxed) }
        if let v = m.reorderTimeout { session.reorderTimeout.store(v, ordering: .relaxed) }
        registry.updateInfo(ofSession: session.id, in: session.tunnel.id) { $0 = $0.applying(m) }
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
