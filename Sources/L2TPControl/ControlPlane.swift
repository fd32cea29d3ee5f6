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

extension NetlinkError {
    /// What an encapsulation, a pseudowire or the datapath refused, as the request's error.
    init(_ error: L2TPError) { self.init(error.errno, error.message) }
}

/// Tunnels and sessions, and the handlers that change them.
public final class ControlPlane {
    /// Largest datagram of a dump (the kernel's NLMSG_GOODSIZE).
    public static let dumpDatagramSize = 8192

    /// Every tunnel and session, each with the request it was created with (later MODIFY values
    /// applied): a reload compares the configuration file with these.
    var registry = TunnelRegistry<TunnelCreateRequest, SessionCreateRequest>()
    /// The factory of every encapsulation and pseudowire type this plane can create.
    private(set) var registrations: RegistrationTable
    let datapath: any DatapathControl
    /// Where the trace events of this plane's tunnels and sessions go; nil: nowhere (a dry run).
    let traceSink: (any TraceSink)?
    /// Tries a configuration file (an open descriptor, and its name for messages) as a reload would,
    /// for l2tpd CHECK_CONFIG; the check closes the descriptor. Set by the daemon.
    public var configurationCheck: ((_ file: Int32, _ name: String) -> ConfigurationCheck)?

    public init(datapath: any DatapathControl, registrations: RegistrationTable, traceSink: (any TraceSink)? = nil) {
        self.datapath = datapath
        self.registrations = registrations
        self.traceSink = traceSink
    }

    /// Makes tunnels of `encap` creatable, in place of any factory registered for it.
    public func register(_ factory: any EncapFactory, for encap: EncapType) {
        registrations.encapsulations[encap] = factory
    }

    /// Makes sessions of `type` creatable (kernel l2tp_nl_register_ops), in place of any factory
    /// registered for it.
    public func register(_ factory: any PseudowireFactory, for type: PseudowireType) {
        registrations.pseudowires[type] = factory
    }

    /// A control connection closed: its managed tunnels close with it, as the kernel closes a tunnel
    /// whose socket is closed (without notifications).
    public func connectionClosed(_ connectionID: UInt64) {
        deleteTunnels(registry.tunnelsInOrder.filter { $0.controlOwner == connectionID }.map(\.id))
    }

    /// Deletes every tunnel and session at once (shutdown).
    public func removeAll() {
        deleteTunnels(registry.tunnelsInOrder.map(\.id))
    }

    public var tunnelCount: Int { registry.tunnelCount }
    public var sessionCount: Int { registry.sessionCount }

    // MARK: Entry point

    /// Handles one request datagram (one or more nlmsgs) and returns what to send back.
    public func handle(_ datagram: [UInt8], from requester: Requester) -> ControlOutput {
        var none: Int32?
        return handle(datagram, from: requester, passing: &none)
    }

    /// Handles one request datagram that came with a descriptor (SCM_RIGHTS). A TUNNEL_CREATE with
    /// L2TP_ATTR_FD takes it and sets `passed` to nil; otherwise the caller still owns it.
    public func handle(_ datagram: [UInt8], from requester: Requester, passing passed: inout Int32?) -> ControlOutput {
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
            handleMessage(Array(datagram[offset..<(offset + length)]), from: requester, passing: &passed, into: &out)
            offset += NetlinkHeader.align(length)
        }
        return out
    }

    /// The first nlmsg_type that is not a reserved control type. The corresponding C constant is `NLMSG_MIN_TYPE`.
    private static let minimumMessageType: UInt16 = 0x10

    private func handleMessage(
        _ message: [UInt8], from requester: Requester, passing passed: inout Int32?, into out: inout ControlOutput
    ) {
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
                try handleL2TP(message, header: replyHeader, from: requester, passing: &passed, into: &out)
            case L2TPDGenl.familyID:
                try handleL2TPD(message, header: replyHeader, from: requester, passing: &passed, into: &out)
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

    func isDump(_ header: NetlinkHeader) -> Bool {
        header.flags & NetlinkFlags.dump == NetlinkFlags.dump
    }

    // MARK: nlctrl

    private func handleControlFamily(_ message: [UInt8], header: NetlinkHeader, into out: inout ControlOutput)
        throws(NetlinkError)
    {
        let families = [GenlControl.l2tp, L2TPDGenl.family]
        // A GETFAMILY dump lists every family (genl ctrl list).
        if isDump(header), message.count >= L2TPMessageCodec.headerSize,
            message[NetlinkHeader.size] == GenlControl.commandGetFamily
        {
            var dump = families.map { f in
                var m = GenlControl.newFamilyReply(f, sequence: header.sequence, portID: header.portID)
                m[6] |= UInt8(NetlinkFlags.multi & 0xff)  // nlmsg_flags, low byte
                return m
            }
            dump.append(NetlinkAck.done(sequence: header.sequence, portID: header.portID))
            out.replies.append(dump.flatMap { $0 })
            return
        }
        guard let query = try GenlControl.parseGetFamily(message) else {
            throw NetlinkError(EOPNOTSUPP, "only CTRL_CMD_GETFAMILY is supported by l2tpd")
        }
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
        _ message: [UInt8], header: NetlinkHeader, from requester: Requester, passing passed: inout Int32?,
        into out: inout ControlOutput
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
            throw NetlinkError(EOPNOTSUPP, "\(command.cName) has no dump; only L2TP_CMD_TUNNEL_GET and L2TP_CMD_SESSION_GET can be dumped")
        }
        if command != .noop && !requester.hasNetAdmin {
            throw NetlinkError(EPERM, "\(command.cName) needs CAP_NET_ADMIN")
        }
        // Dump requests are not validated (GENL_DONT_VALIDATE_DUMP); their attributes are ignored anyway.
        let a = try L2TPMessageCodec.decode(message, validating: !isDump(header)).attributes
        let ctx = RequestContext(header: header, requester: requester)
        switch command {
        case .noop:
            out.replies.append(
                L2TPMessageCodec.encode(
                    command: .noop, attributes: L2TPAttributes(), order: [], flags: 0, sequence: header.sequence,
                    portID: header.portID))
        case .tunnelCreate: try tunnelCreate(a, ctx, passing: &passed, &out)
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

    struct RequestContext {
        var header: NetlinkHeader
        var requester: Requester
        var sequence: UInt32 { header.sequence }
        var portID: UInt32 { header.portID }
    }
}
