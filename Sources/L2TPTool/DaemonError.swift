// SPDX-License-Identifier: GPL-2.0-only
// What can go wrong talking to l2tpd, and the one place that turns it into what the CLI prints.

import Glibc
import L2TPNetlink

/// Everything that can go wrong between `l2tp` and l2tpd: the connection, the netlink conversation
/// and l2tpd's answers. Connections throw `.transport`; `DaemonClient` throws the rest.
///
/// `diagnostic(socketPath:)` is the only place its text is made. Where iproute2 has a counterpart,
/// the text is iproute2's (rtnl_talk, rtnl_dump_filter, genl_resolve_family) with l2tpd where
/// iproute2 says "the kernel". The exit status is not the error's: it is the command's (1 for the
/// family lookup and dumps, 2 for add, delete and `debug dump`, as in iproute2).
public enum DaemonError: Error, Equatable, Sendable {
    /// The control socket cannot be opened, or the connection failed during the family lookup
    /// (ECONNRESET when l2tpd hung up): where iproute2 fails to open its netlink socket.
    /// `Error: cannot reach l2tpd at PATH: <strerror>`.
    case unreachable(errno: Int32)
    /// Sending or receiving failed, with a positive errno: what a `DaemonConnection` throws.
    /// `Error: cannot talk to l2tpd at PATH: <strerror>`.
    case transport(errno: Int32)
    /// l2tpd closed the connection before the exchange was over.
    /// `Error: l2tpd at PATH closed the connection`.
    case closed
    /// A datagram that does not split into netlink messages, or a reply that does not decode.
    /// `Error: malformed reply from l2tpd at PATH: <what is wrong>`.
    case malformed(NetlinkError)
    /// An NLMSG_ERROR too short for its error code (rtnl_talk, rtnl_dump_error): `ERROR truncated`.
    case truncatedError
    /// An NLMSG_DONE too short for its status (rtnl_dump_done): `DONE truncated`.
    case truncatedDone
    /// l2tpd answered a request with NLMSG_ERROR (rtnl_talk_error): `Error: <extack message>.`, or
    /// `RTNETLINK answers: <strerror>` when it sent no message.
    case refused(errno: Int32, message: String?)
    /// l2tpd answered a dump with NLMSG_ERROR (rtnl_dump_error, which leaves out the extack
    /// message): `RTNETLINK answers: <strerror>`.
    case dumpRefused(errno: Int32)
    /// A dump ended with a negative status in NLMSG_DONE (rtnl_dump_done): the extack message if
    /// there is one; nothing for ENOENT and EOPNOTSUPP; `Error: Buffer too small for object.` for
    /// EMSGSIZE; `RTNETLINK answers: <strerror>` otherwise.
    case dumpFailed(errno: Int32, message: String?)
    /// The family lookup did not yield a usable CTRL_CMD_NEWFAMILY (genl_resolve_family):
    /// l2tpd's error answer as rtnl_talk prints it, if `cause` is one, then
    /// `Error talking to l2tpd at PATH` where iproute2 says "Error talking to the kernel".
    indirect case lookupFailed(cause: DaemonError)
    /// l2tpd announced no multicast group of this name (`monitor`).
    /// `Error: l2tpd at PATH announced no "NAME" multicast group`.
    case noMulticastGroup(String)

    /// The lines the CLI writes to standard error for this error, each ending in a newline.
    public func diagnostic(socketPath path: String) -> String {
        switch self {
        case .unreachable(let errno):
            "Error: cannot reach l2tpd at \(path): \(Self.text(errno))\n"
        case .transport(let errno):
            "Error: cannot talk to l2tpd at \(path): \(Self.text(errno))\n"
        case .closed:
            "Error: l2tpd at \(path) closed the connection\n"
        case .malformed(let error):
            "Error: malformed reply from l2tpd at \(path): \(error)\n"
        case .truncatedError:
            "ERROR truncated\n"
        case .truncatedDone:
            "DONE truncated\n"
        case .refused(_, let message?) where !message.isEmpty:
            Self.extackLine("Error", message)
        case .refused(let errno, _), .dumpRefused(let errno):
            "RTNETLINK answers: \(Self.text(errno))\n"
        case .dumpFailed(_, let message?) where !message.isEmpty:
            Self.extackLine("Error", message)
        case .dumpFailed(ENOENT, _), .dumpFailed(EOPNOTSUPP, _):
            ""
        case .dumpFailed(EMSGSIZE, _):
            "Error: Buffer too small for object.\n"
        case .dumpFailed(let errno, _):
            "RTNETLINK answers: \(Self.text(errno))\n"
        case .lookupFailed(let cause):
            (cause.isRefusal ? cause.diagnostic(socketPath: path) : "") + "Error talking to l2tpd at \(path)\n"
        case .noMulticastGroup(let name):
            "Error: l2tpd at \(path) announced no \"\(name)\" multicast group\n"
        }
    }

    /// The same failure met while resolving a family, where iproute2's genl_init_handle is still
    /// opening the conversation: a lost connection means l2tpd cannot be reached, anything else
    /// means the lookup failed.
    var duringLookup: DaemonError {
        switch self {
        case .transport(let errno): .unreachable(errno: errno)
        case .closed: .unreachable(errno: ECONNRESET)
        case .unreachable, .lookupFailed: self
        default: .lookupFailed(cause: self)
        }
    }

    private var isRefusal: Bool {
        if case .refused = self { return true }
        return false
    }

    private static func text(_ errno: Int32) -> String {
        String(cString: strerror(errno))
    }

    /// print_ext_ack_msg: "Error: msg" or "Warning: msg", with a '.' unless the message ends in one.
    static func extackLine(_ kind: String, _ message: String) -> String {
        "\(kind): \(message)" + (message.utf8.last == UInt8(ascii: ".") ? "" : ".") + "\n"
    }
}

/// What iproute2 prints about an exchange with l2tpd that still succeeded. `DaemonClient` adds
/// `diagnostic` to the command's diagnostics and carries on.
enum DaemonWarning: Equatable {
    /// A reply of the request's sequence before the ACK rtnl_talk waits for: `Unexpected reply!!!`.
    case unexpectedReply
    /// An ACK carrying an extack message (nl_dump_ext_ack with error 0): `Warning: <message>.`
    case acknowledged(message: String)
    /// A dump message with NLM_F_DUMP_INTR: `Dump was interrupted and may be inconsistent.`
    case dumpInterrupted

    var diagnostic: String {
        switch self {
        case .unexpectedReply: "Unexpected reply!!!\n"
        case .acknowledged(let message): DaemonError.extackLine("Warning", message)
        case .dumpInterrupted: "Dump was interrupted and may be inconsistent.\n"
        }
    }
}
