// SPDX-License-Identifier: GPL-2.0-only
// l2tpd's own family: the debug dump, a configuration check against the running daemon, and what a
// kernel netlink socket does outside messages (its port id, multicast membership), asked for by the
// preload library and `l2tp monitor`.

import Glibc
import L2TPNetlink

extension ControlPlane {
    func handleL2TPD(
        _ message: [UInt8], header: NetlinkHeader, from requester: Requester, passing passed: inout Int32?,
        into out: inout ControlOutput
    ) throws(NetlinkError) {
        guard let raw = L2TPDGenl.command(of: message) else {
            throw NetlinkError(EINVAL, "nlmsg_len \(message.count) is shorter than struct nlmsghdr + struct genlmsghdr")
        }
        guard let command = L2TPDGenl.Command(rawValue: raw) else {
            throw NetlinkError(EOPNOTSUPP, "unknown l2tpd command \(raw)")
        }
        switch command {
        case .debugDump:
            guard requester.hasNetAdmin else { throw NetlinkError(EPERM, "l2tpd DEBUG_DUMP needs CAP_NET_ADMIN") }
            out.replies.append(
                L2TPDGenl.textReply(.debugDump, text: debugDump(), sequence: header.sequence, portID: header.portID))
        case .setPort:
            guard let port = L2TPDGenl.u32(.port, of: message) else {
                throw NetlinkError(EINVAL, "missing u32 attribute 4 (port) in l2tpd SET_PORT")
            }
            out.connectionChanges.append(.setPort(port))
        case .addMembership, .dropMembership:
            guard let group = L2TPDGenl.u32(.group, of: message) else {
                throw NetlinkError(EINVAL, "missing u32 attribute 5 (group) in l2tpd \(command)")
            }
            // Like NETLINK_ADD_MEMBERSHIP on an unknown group; listening to "l2tp" needs no privilege.
            guard group == L2TPGenl.multicastGroupID else {
                throw NetlinkError(EINVAL, "unknown multicast group \(group); l2tpd has only \"l2tp\" (\(L2TPGenl.multicastGroupID))")
            }
            out.connectionChanges.append(command == .addMembership ? .join(group: group) : .leave(group: group))
        case .controlFrame:
            throw NetlinkError(EOPNOTSUPP, "CONTROL_FRAME is sent by l2tpd, not to it; send control frames on the tunnel's own socket")
        case .checkConfig:
            guard requester.hasNetAdmin else { throw NetlinkError(EPERM, "l2tpd CHECK_CONFIG needs CAP_NET_ADMIN") }
            guard let fd = passed else {
                throw NetlinkError(EBADF, "CHECK_CONFIG: pass the configuration file's descriptor with the request (SCM_RIGHTS)")
            }
            guard let check = configurationCheck else {
                throw NetlinkError(EOPNOTSUPP, "this control plane cannot check configuration files")
            }
            let name = L2TPDGenl.text(of: message) ?? "configuration"
            passed = nil
            let result = check(fd, name)
            out.replies.append(
                L2TPDGenl.textReply(
                    .checkConfig, text: result.report, [(.errors, UInt32(result.errors))], sequence: header.sequence,
                    portID: header.portID))
        }
    }
}
