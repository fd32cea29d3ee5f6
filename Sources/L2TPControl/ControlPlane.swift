// SPDX-License-Identifier: GPL-2.0-only
// The server side of the `l2tp` Generic Netlink family (kernel l2tp_netlink.c): the command table,
// permission checks, dumps and replies. Every change to tunnels and sessions, whether it comes from a
// client, the config file or a reload, goes through `handle` — one path into the core.
//
// Concurrency: one thread (the daemon's control loop) owns a ControlPlane.

import Glibc
import L2TPCore
import L2TPNetlink
import L2TPWire

/// Who sent a request, as the control socket learned it from SO_PEERCRED.
public struct Requester: Sendable {
    /// The port id replies carry (assigned per connection, or the request's nlmsg_pid).
    public var portID: UInt32
    public var pid: Int32
    public var uid: UInt32
    /// CAP_NET_ADMIN in the daemon's network namespace (the kernel's GENL_UNS_ADMIN_PERM test).
    public var hasNetAdmin: Bool

    public init(portID: UInt32, pid: Int32 = 0, uid: UInt32 = 0, hasNetAdmin: Bool) {
        self.portID = portID
        self.pid = pid
        self.uid = uid
        self.hasNetAdmin = hasNetAdmin
    }

    /// The daemon itself (config file, reloads): always privileged.
    public static let daemon = Requester(portID: 0, pid: getpid(), uid: getuid(), hasNetAdmin: true)
}

/// What handling one request produced.
public struct ControlOutput: Sendable {
    /// Datagrams for the requester, in order.
    public var replies: [[UInt8]] = []
    /// Messages for subscribers of the `l2tp` multicast group.
    public var notifications: [[UInt8]] = []
    /// The errno of the request's failure, if it failed (for logs and config loading).
    public var error: NetlinkError?

    public init() {}
}

/// Tunnels and sessions, and the handlers that change them.
public final class ControlPlane {
    /// Largest datagram of a dump (the kernel's NLMSG_GOODSIZE).
    public static let dumpDatagramSize = 8192

    private(set) var registry = TunnelRegistry()
    private(set) var tunnelEndpoints: [TunnelID: any TunnelEndpoint] = [:]
    private var sessionEndpoints: [ObjectIdentifier: any SessionEndpoint] = [:]
    private var encaps: [EncapType: any EncapFactory] = [:]
    private var pseudowires: [UInt16: any PseudowireFactory] = [:]
    let datapath: any DatapathControl

    public init(datapath: any DatapathControl) {
        self.datapath = datapath
    }

    // MARK: Registration

    /// Makes tunnels of `encap` creatable.
    public func register(_ factory: any EncapFactory, for encap: EncapType) {
        encaps[encap] = factory
    }

    /// Makes sessions of `type` creatable (kernel l2tp_nl_register_ops).
    public func register(_ factory: any PseudowireFactory, for type: PseudowireType) {
        pseudowires[type.rawValue] = factory
    }

    func sessionEndpoint(of session: Session) -> (any SessionEndpoint)? {
        sessionEndpoints[ObjectIdentifier(session)]
    }

    /// Deletes every tunnel, in ascending id order (shutdown).
    public func removeAll() {
        for t in registry.tunnelsInOrder { deleteTunnel(t.id) }
    }

    public var tunnelCount: Int { registry.tunnelCount }
    public var sessionCount: Int { registry.sessionCount }

    // MARK: Entry point

    /// Handles one request datagram (one or more nlmsgs) and returns what to send back.
    public func handle(_ datagram: [UInt8], from requester: Requester) -> ControlOutput {
        var out = ControlOutput()
        // netlink_rcv_skb: messages are handled in order; a header whose nlmsg_len is shorter than the
        // header or runs past the datagram silently ends the walk, after the messages before it.
        var offset = 0
        while datagram.count - offset >= NetlinkHeader.size {
            let length = Int(NetlinkHeader(datagram[offset...])!.length)
            guard length >= NetlinkHeader.size, length <= datagram.count - offset else {
                out.error = NetlinkError(
                    EINVAL, "netlink message at byte \(offset): nlmsg_len \(length) does not fit the datagram")
                break
            }
            handleMessage(Array(datagram[offset..<(offset + length)]), from: requester, into: &out)
            offset += NetlinkHeader.align(length)
        }
        return out
    }

    /// The first nlmsg_type that is not a reserved control type. The corresponding C constant is `NLMSG_MIN_TYPE`.
    private static let minimumMessageType: UInt16 = 0x10

    private func handleMessage(_ message: [UInt8], from requester: Requester, into out: inout ControlOutput) {
        guard let header = NetlinkHeader(message) else { return }
        var replyHeader = header
        // Replies and notifications carry the requesting socket's port, whatever nlmsg_pid says.
        replyHeader.portID = requester.portID
        // netlink_rcv_skb: a message that is not a request, or has a reserved control type, is not
        // processed; it is only acknowledged, and only if it asks for that.
        guard header.flags & NetlinkFlags.request != 0, header.type >= Self.minimumMessageType else {
            if header.flags & NetlinkFlags.ack != 0 {
                out.replies.append(NetlinkAck.encode(answering: message, error: nil, portID: replyHeader.portID))
            }
            return
        }
        do throws(NetlinkError) {
            switch header.type {
            case NetlinkMessageType.genlControl:
                try handleControlFamily(message, header: replyHeader, into: &out)
            case L2TPGenl.familyID:
                try handleL2TP(message, header: replyHeader, from: requester, into: &out)
            case L2TPDGenl.familyID:
                try handleL2TPD(message, header: replyHeader, from: requester, into: &out)
            default:
                throw NetlinkError(ENOENT, "unknown generic netlink family id \(header.type)")
            }
            if header.flags & NetlinkFlags.ack != 0, !isDump(header) {
                out.replies.append(NetlinkAck.encode(answering: message, error: nil, portID: replyHeader.portID))
            }
        } catch {
            out.error = error
            out.replies.append(NetlinkAck.encode(answering: message, error: error, portID: replyHeader.portID))
        }
    }

    private func isDump(_ header: NetlinkHeader) -> Bool {
        header.flags & NetlinkFlags.dump == NetlinkFlags.dump
    }

    // MARK: nlctrl

    private func handleControlFamily(_ message: [UInt8], header: NetlinkHeader, into out: inout ControlOutput)
        throws(NetlinkError)
    {
        guard let query = try GenlControl.parseGetFamily(message) else {
            throw NetlinkError(EOPNOTSUPP, "only CTRL_CMD_GETFAMILY is supported by l2tpd")
        }
        let families = [GenlControl.l2tp, L2TPDGenl.family]
        let found: GenlControl.Family?
        switch query {
        case .name(let name): found = families.first { $0.name == name }
        case .id(let id): found = families.first { $0.id == id }
        }
        guard let family = found else {
            throw NetlinkError(ENOENT, "l2tpd provides the \"l2tp\" and \"l2tpd\" families only")
        }
        out.replies.append(GenlControl.newFamilyReply(family, sequence: header.sequence, portID: header.portID))
    }

    // MARK: l2tp family

    private func handleL2TP(
        _ message: [UInt8], header: NetlinkHeader, from requester: Requester, into out: inout ControlOutput
    ) throws(NetlinkError) {
        // genl_family_rcv_msg: the header, then the op (a dump needs one with a dumpit), then the
        // permission, and only then the attributes.
        guard message.count >= L2TPMessageCodec.headerSize else {
            throw NetlinkError(
                EINVAL, "nlmsg_len \(message.count) is shorter than struct nlmsghdr + struct genlmsghdr (20 bytes)")
        }
        let raw = message[NetlinkHeader.size]
        guard let command = L2TPCommand(rawValue: raw) else {
            throw NetlinkError(EOPNOTSUPP, "unknown l2tp command \(raw)")
        }
        if isDump(header) && command != .tunnelGet && command != .sessionGet {
            throw NetlinkError(EOPNOTSUPP, "\(command) has no dump; only TUNNEL_GET and SESSION_GET can be dumped")
        }
        if command != .noop && !requester.hasNetAdmin {
            throw NetlinkError(EPERM, "\(command) needs CAP_NET_ADMIN")
        }
        // Dump requests are not validated (GENL_DONT_VALIDATE_DUMP); their attributes are ignored anyway.
        let a = try L2TPMessageCodec.decode(message, validating: !isDump(header)).attributes
        let ctx = RequestContext(header: header)
        switch command {
        case .noop:
            out.replies.append(
                L2TPMessageCodec.encode(
                    command: .noop, attributes: L2TPAttributes(), order: [], flags: 0, sequence: header.sequence,
                    portID: header.portID))
        case .tunnelCreate: try tunnelCreate(a, ctx, &out)
        case .tunnelDelete: try tunnelDelete(a, ctx, &out)
        case .tunnelModify: try tunnelModify(a, ctx, &out)
        case .tunnelGet:
            if isDump(header) { dump(tunnels: registry.tunnelsInOrder, ctx, &out) } else { try tunnelGet(a, ctx, &out) }
        case .sessionCreate: try sessionCreate(a, ctx, &out)
        case .sessionDelete: try sessionDelete(a, ctx, &out)
        case .sessionModify: try sessionModify(a, ctx, &out)
        case .sessionGet:
            if isDump(header) { dump(sessions: registry.allSessionsInOrder, ctx, &out) } else { try sessionGet(a, ctx, &out) }
        }
    }

    // MARK: l2tpd family

    private func handleL2TPD(
        _ message: [UInt8], header: NetlinkHeader, from requester: Requester, into out: inout ControlOutput
    ) throws(NetlinkError) {
        guard let raw = L2TPDGenl.command(of: message) else { throw NetlinkError(EINVAL, "message too short") }
        guard let command = L2TPDGenl.Command(rawValue: raw) else {
            throw NetlinkError(EOPNOTSUPP, "unknown l2tpd command \(raw)")
        }
        guard requester.hasNetAdmin else { throw NetlinkError(EPERM, "\(command) needs CAP_NET_ADMIN") }
        switch command {
        case .debugDump:
            out.replies.append(
                L2TPDGenl.textReply(.debugDump, text: debugDump(), sequence: header.sequence, portID: header.portID))
        }
    }

    struct RequestContext {
        var header: NetlinkHeader
        var sequence: UInt32 { header.sequence }
        var portID: UInt32 { header.portID }
    }
}

// MARK: - Tunnels

extension ControlPlane {
    private func tunnelCreate(_ a: L2TPAttributes, _ ctx: RequestContext, _ out: inout ControlOutput)
        throws(NetlinkError)
    {
        guard let connID = a.connID else { throw missing("L2TP_ATTR_CONN_ID") }
        guard let peerConnID = a.peerConnID else { throw missing("L2TP_ATTR_PEER_CONN_ID") }
        guard let protoVersion = a.protoVersion else { throw missing("L2TP_ATTR_PROTO_VERSION") }
        guard let encapType = a.encapType else { throw missing("L2TP_ATTR_ENCAP_TYPE") }
        if a.fd != nil {
            throw NetlinkError(EOPNOTSUPP, "L2TP_ATTR_FD: managed tunnels are not supported by this l2tpd")
        }
        guard let request = unmanagedRequest(a) else {
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
        let endpoint = try factory.openTunnel(tunnel, request)
        do {
            try registry.add(tunnel)
        } catch {
            endpoint.close()
            throw NetlinkError(EEXIST, "tunnel \(connID) already exists")
        }
        tunnelEndpoints[id] = endpoint
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

    private func tunnelDelete(_ a: L2TPAttributes, _ ctx: RequestContext, _ out: inout ControlOutput)
        throws(NetlinkError)
    {
        let tunnel = try existingTunnel(a)
        // The kernel announces the deletion before it happens, with the full object.
        out.notifications.append(tunnelMessage(tunnel, command: .tunnelDelete, flags: NetlinkFlags.ack, ctx))
        deleteTunnel(tunnel.id)
    }

    /// Removes a tunnel and its sessions: unpublish, wait for the datapath, then close devices and
    /// sockets. No per-session notifications, as in the kernel.
    func deleteTunnel(_ id: TunnelID) {
        guard let (_, sessions) = registry.removeTunnel(id) else { return }
        datapath.publish(registry.makeTable())
        let endpoints = sessions.compactMap { sessionEndpoints.removeValue(forKey: ObjectIdentifier($0)) }
        let tunnelEndpoint = tunnelEndpoints.removeValue(forKey: id)
        endpoints.forEach { $0.detach() }
        tunnelEndpoint?.detach()
        datapath.synchronize()
        endpoints.forEach { $0.close() }
        sessions.forEach { $0.purgeReorderQueue() }
        tunnelEndpoint?.close()
    }

    private func tunnelModify(_ a: L2TPAttributes, _ ctx: RequestContext, _ out: inout ControlOutput)
        throws(NetlinkError)
    {
        let tunnel = try existingTunnel(a)
        if let debug = a.debug { tunnel.debug.store(debug, ordering: .relaxed) }
        out.notifications.append(tunnelMessage(tunnel, command: .tunnelModify, flags: NetlinkFlags.ack, ctx))
    }

    private func tunnelGet(_ a: L2TPAttributes, _ ctx: RequestContext, _ out: inout ControlOutput)
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

    private func tunnelMessage(_ tunnel: Tunnel, command: L2TPCommand, flags: UInt16, _ ctx: RequestContext) -> [UInt8] {
        L2TPMessageCodec.encode(
            command: command, attributes: tunnelAttributes(tunnel), order: L2TPMessageCodec.tunnelReplyOrder,
            flags: flags, sequence: ctx.sequence, portID: ctx.portID)
    }
}

// MARK: - Sessions

extension ControlPlane {
    private func sessionCreate(_ a: L2TPAttributes, _ ctx: RequestContext, _ out: inout ControlOutput)
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
        datapath.publish(registry.makeTable())
        endpoint.attach()
        out.notifications.append(sessionMessage(session, command: .sessionCreate, flags: NetlinkFlags.ack, ctx))
    }

    private func sessionDelete(_ a: L2TPAttributes, _ ctx: RequestContext, _ out: inout ControlOutput)
        throws(NetlinkError)
    {
        let session = try existingSession(a)
        out.notifications.append(sessionMessage(session, command: .sessionDelete, flags: NetlinkFlags.ack, ctx))
        deleteSession(session)
    }

    /// Removes one session: unpublish, wait for the datapath, close the device, purge its queue.
    func deleteSession(_ session: Session) {
        registry.removeSession(tunnelID: session.tunnel.id, sessionID: session.id)
        datapath.publish(registry.makeTable())
        let endpoint = sessionEndpoints.removeValue(forKey: ObjectIdentifier(session))
        endpoint?.detach()
        datapath.synchronize()
        endpoint?.close()
        session.purgeReorderQueue()
    }

    private func sessionModify(_ a: L2TPAttributes, _ ctx: RequestContext, _ out: inout ControlOutput)
        throws(NetlinkError)
    {
        let session = try existingSession(a)
        if let v = a.debug { session.debug.store(v, ordering: .relaxed) }
        if let v = a.recvSeq { session.recvSeq.store(bit(v), ordering: .relaxed) }
        if let v = a.sendSeq { session.sendSeq.store(bit(v), ordering: .relaxed) }
        if let v = a.lnsMode { session.lnsMode.store(bit(v), ordering: .relaxed) }
        if let v = a.recvTimeout { session.reorderTimeout.store(v, ordering: .relaxed) }
        out.notifications.append(sessionMessage(session, command: .sessionModify, flags: NetlinkFlags.ack, ctx))
    }

    private func sessionGet(_ a: L2TPAttributes, _ ctx: RequestContext, _ out: inout ControlOutput)
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

    private func sessionMessage(_ s: Session, command: L2TPCommand, flags: UInt16, _ ctx: RequestContext) -> [UInt8] {
        L2TPMessageCodec.encode(
            command: command, attributes: sessionAttributes(s), order: L2TPMessageCodec.sessionReplyOrder,
            flags: flags, sequence: ctx.sequence, portID: ctx.portID)
    }
}

// MARK: - Dumps and errors

extension ControlPlane {
    private func dump(tunnels: [Tunnel], _ ctx: RequestContext, _ out: inout ControlOutput) {
        let messages = tunnels.map { tunnelMessage($0, command: .tunnelGet, flags: NetlinkFlags.multi, ctx) }
        out.replies += packDump(messages, ctx)
    }

    private func dump(sessions: [Session], _ ctx: RequestContext, _ out: inout ControlOutput) {
        let messages = sessions.map { sessionMessage($0, command: .sessionGet, flags: NetlinkFlags.multi, ctx) }
        out.replies += packDump(messages, ctx)
    }

    /// Packs dump parts into datagrams of at most `dumpDatagramSize` bytes and ends with NLMSG_DONE.
    private func packDump(_ messages: [[UInt8]], _ ctx: RequestContext) -> [[UInt8]] {
        var datagrams: [[UInt8]] = []
        var current: [UInt8] = []
        for m in messages {
            if !current.isEmpty && current.count + m.count > Self.dumpDatagramSize {
                datagrams.append(current)
                current = []
            }
            current += m
        }
        let done = NetlinkAck.done(sequence: ctx.sequence, portID: ctx.portID)
        if !current.isEmpty && current.count + done.count > Self.dumpDatagramSize {
            datagrams.append(current)
            current = []
        }
        current += done
        datagrams.append(current)
        return datagrams
    }

    /// The kernel keeps recv_seq, send_seq and lns_mode in 1-bit fields: only the low bit counts.
    private func bit(_ value: UInt8?) -> Bool { (value ?? 0) & 1 != 0 }

    private func missing(_ attribute: String) -> NetlinkError {
        NetlinkError(EINVAL, "missing \(attribute)")
    }
}
