// SPDX-License-Identifier: GPL-2.0-only
// The netlink conversation with l2tpd over its control socket, driven as iproute2's libnetlink and
// libgenl drive the kernel: family lookup, request/ACK exchanges and dumps.

import Glibc
import L2TPNetlink

/// One connection to l2tpd, speaking Generic Netlink of the `l2tp` family.
///
/// Flow of one command:
/// 1. `connect`: open the control socket, then resolve "l2tp" with nlctrl CTRL_CMD_GETFAMILY
///    (iproute2's genl_init_handle). Any failure here ends the command with status 1.
/// 2. `talk`: send one request and wait for its NLMSG_ERROR (iproute2's rtnl_talk), for add/del.
/// 3. `dump`: send one dump request and hand every reply message to a callback until NLMSG_DONE
///    (iproute2's rtnl_dump_filter), for show.
///
/// Replies are matched on the sequence number only: l2tpd assigns the port id, so the client does
/// not know it in advance. Messages of other sequences (a late ACK of the family lookup) are skipped.
struct DaemonClient {
    private let connection: any DaemonConnection
    /// The control socket path, for messages.
    let socketPath: String
    /// The last sequence number used (iproute2's `rth.seq`).
    private(set) var sequence: UInt32
    /// The `l2tp` family id l2tpd announced.
    private(set) var familyID: UInt16 = 0

    private init(connection: any DaemonConnection, socketPath: String, sequence: UInt32) {
        self.connection = connection
        self.socketPath = socketPath
        self.sequence = sequence
    }

    private static func text(_ errno: Int32) -> String {
        String(cString: strerror(errno))
    }

    /// Opens the connection and resolves the `l2tp` family.
    ///
    /// Failures, all exit status 1 (iproute2 exits 1 when genl_init_handle fails):
    /// - the socket cannot be opened or the daemon hangs up:
    ///   `Error: cannot reach l2tpd at PATH: <strerror>`;
    /// - l2tpd answers the lookup with an error: iproute2's rtnl_talk line (`Error: <extack>.` or
    ///   `RTNETLINK answers: <strerror>`), then `Error talking to l2tpd at PATH` where iproute2 says
    ///   "Error talking to the kernel";
    /// - the answer is not a usable CTRL_CMD_NEWFAMILY: `Error talking to l2tpd at PATH`.
    static func connect(socketPath: String, io: inout some ToolIO, diagnostics: inout String)
        throws(ToolExit) -> DaemonClient
    {
        let connection: any DaemonConnection
        do {
            connection = try io.connect(socketPath: socketPath)
        } catch {
            diagnostics += "Error: cannot reach l2tpd at \(socketPath): \(text(error.errno))\n"
            throw .failure
        }
        var client = DaemonClient(connection: connection, socketPath: socketPath, sequence: io.initialSequence())
        client.familyID = try client.resolve(family: L2TPGenl.name, diagnostics: &diagnostics).id
        return client
    }

    /// Resolves a family name to its id with nlctrl CTRL_CMD_GETFAMILY (iproute2's genl_resolve_family).
    /// Failures are reported as `connect` describes and end the command with status 1.
    mutating func resolve(family name: String, diagnostics: inout String) throws(ToolExit) -> GenlControl.Family {
        let seq = nextSequence()
        let request = GenlControl.getFamilyRequest(name: name, sequence: seq, portID: 0)
        do {
            try connection.send(request)
            while true {
                guard let datagram = try connection.receive() else { throw TransportError(ECONNRESET) }
                guard let messages = try? splitNetlinkMessages(datagram) else {
                    diagnostics += "Error talking to l2tpd at \(socketPath)\n"
                    throw ToolExit.failure
                }
                for message in messages {
                    guard let header = NetlinkHeader(message), header.sequence == seq else { continue }
                    if header.type == NetlinkMessageType.error {
                        if let ack = NetlinkAck.parse(message), ack.errno != 0 {
                            diagnostics += Self.errorLine(errno: ack.errno, message: ack.message)
                        }
                        diagnostics += "Error talking to l2tpd at \(socketPath)\n"
                        throw ToolExit.failure
                    }
                    guard let family = GenlControl.parseNewFamily(message) else {
                        diagnostics += "Error talking to l2tpd at \(socketPath)\n"
                        throw ToolExit.failure
                    }
                    return family
                }
            }
        } catch let error as TransportError {
            diagnostics += "Error: cannot reach l2tpd at \(socketPath): \(Self.text(error.errno))\n"
            throw .failure
        } catch let exit as ToolExit {
            throw exit
        } catch {
            throw .failure
        }
    }

    /// Sends `request` and returns the first reply message with its sequence number; an NLMSG_ERROR
    /// reply is printed as iproute2 prints errors and gives nil.
    mutating func ask(_ request: [UInt8], sequence seq: UInt32, diagnostics: inout String) -> [UInt8]? {
        do {
            try connection.send(request)
            while true {
                guard let datagram = try connection.receive() else {
                    diagnostics += "Error: l2tpd at \(socketPath) closed the connection\n"
                    return nil
                }
                for message in (try? splitNetlinkMessages(datagram)) ?? [] {
                    guard let header = NetlinkHeader(message), header.sequence == seq else { continue }
                    if header.type == NetlinkMessageType.error {
                        let ack = NetlinkAck.parse(message)
                        if let ack, ack.errno == 0 { continue }
                        diagnostics += Self.errorLine(errno: ack?.errno ?? EPROTO, message: ack?.message)
                        return nil
                    }
                    return message
                }
            }
        } catch {
            diagnostics += "Error: cannot talk to l2tpd at \(socketPath): \(Self.text(error.errno))\n"
            return nil
        }
    }

    /// Waits for the next datagram and returns its messages; nil when the daemon closed the connection
    /// or the connection failed (reported in `diagnostics`).
    mutating func receiveMessages(diagnostics: inout String) -> [[UInt8]]? {
        do {
            guard let datagram = try connection.receive() else {
                diagnostics += "Error: l2tpd at \(socketPath) closed the connection\n"
                return nil
            }
            return (try? splitNetlinkMessages(datagram)) ?? []
        } catch {
            diagnostics += "Error: cannot talk to l2tpd at \(socketPath): \(Self.text(error.errno))\n"
            return nil
        }
    }

    /// iproute2's rtnl_talk_error / print_ext_ack_msg: the extack message with a final '.', or
    /// `RTNETLINK answers: <strerror>` when there is none.
    static func errorLine(errno: Int32, message: String?) -> String {
        if let message, !message.isEmpty {
            return extackLine("Error", message)
        }
        return "RTNETLINK answers: \(text(errno))\n"
    }

    /// print_ext_ack_msg: "Error: msg" or "Warning: msg", a '.' unless the message ends with one.
    static func extackLine(_ kind: String, _ message: String) -> String {
        "\(kind): \(message)" + (message.utf8.last == UInt8(ascii: ".") ? "" : ".") + "\n"
    }

    /// Takes the next sequence number (iproute2's `++rth.seq`).
    mutating func nextSequence() -> UInt32 {
        sequence &+= 1
        return sequence
    }

    /// rtnl_talk without an answer: sends `request` (built with `sequence`) and waits for the
    /// NLMSG_ERROR carrying its sequence number. Returns true for an ACK. Otherwise the error is in
    /// `diagnostics` (as iproute2 prints it) and the caller exits with status 2.
    mutating func talk(_ request: [UInt8], sequence seq: UInt32, diagnostics: inout String) -> Bool {
        do {
            try connection.send(request)
        } catch {
            diagnostics += "Error: cannot talk to l2tpd at \(socketPath): \(Self.text(error.errno))\n"
            return false
        }
        while true {
            let datagram: [UInt8]
            do {
                guard let d = try connection.receive() else {
                    diagnostics += "Error: l2tpd at \(socketPath) closed the connection\n"
                    return false
                }
                datagram = d
            } catch {
                diagnostics += "Error: cannot talk to l2tpd at \(socketPath): \(Self.text(error.errno))\n"
                return false
            }
            let messages: [[UInt8]]
            do {
                messages = try splitNetlinkMessages(datagram)
            } catch {
                diagnostics += "Error: malformed reply from l2tpd at \(socketPath): \(error)\n"
                return false
            }
            for message in messages {
                guard let header = NetlinkHeader(message), header.sequence == seq else { continue }
                guard header.type == NetlinkMessageType.error else {
                    diagnostics += "Unexpected reply!!!\n"
                    continue
                }
                guard let ack = NetlinkAck.parse(message) else {
                    diagnostics += "ERROR truncated\n"
                    return false
                }
                if ack.errno == 0 {
                    // An ACK may still carry a warning (nl_dump_ext_ack with error 0).
                    if let m = ack.message, !m.isEmpty {
                        diagnostics += Self.extackLine("Warning", m)
                    }
                    return true
                }
                diagnostics += Self.errorLine(errno: ack.errno, message: ack.message)
                return false
            }
        }
    }

    /// rtnl_dump_filter: sends the dump `request` (built with `sequence`) and calls `body` with every
    /// reply message of that sequence until NLMSG_DONE. Returns false when the dump failed; the
    /// reason, if iproute2 would print one, is in `diagnostics`, and the caller prints
    /// "Dump terminated" and exits with status 1.
    mutating func dump(
        _ request: [UInt8], sequence seq: UInt32, diagnostics: inout String,
        body: (GenlMessage) -> Void
    ) -> Bool {
        do {
            try connection.send(request)
        } catch {
            diagnostics += "Error: cannot talk to l2tpd at \(socketPath): \(Self.text(error.errno))\n"
            return false
        }
        var interrupted = false
        while true {
            let datagram: [UInt8]
            do {
                guard let d = try connection.receive() else {
                    diagnostics += "Error: l2tpd at \(socketPath) closed the connection\n"
                    return false
                }
                datagram = d
            } catch {
                diagnostics += "Error: cannot talk to l2tpd at \(socketPath): \(Self.text(error.errno))\n"
                return false
            }
            let messages: [[UInt8]]
            do {
                messages = try splitNetlinkMessages(datagram)
            } catch {
                diagnostics += "Error: malformed reply from l2tpd at \(socketPath): \(error)\n"
                return false
            }
            var done = false
            for message in messages {
                guard let header = NetlinkHeader(message), header.sequence == seq else { continue }
                if header.flags & NetlinkFlags.dumpInterrupted != 0 { interrupted = true }
                if header.type == NetlinkMessageType.done {
                    guard Self.dumpDone(message, diagnostics: &diagnostics) else { return false }
                    done = true
                    break
                }
                if header.type == NetlinkMessageType.error {
                    // rtnl_dump_error: perror("RTNETLINK answers"), without the extack message.
                    guard let ack = NetlinkAck.parse(message) else {
                        diagnostics += "ERROR truncated\n"
                        return false
                    }
                    diagnostics += "RTNETLINK answers: \(Self.text(ack.errno))\n"
                    return false
                }
                let decoded: GenlMessage
                do {
                    decoded = try L2TPMessageCodec.decode(message)
                } catch {
                    diagnostics += "Error: malformed reply from l2tpd at \(socketPath): \(error)\n"
                    return false
                }
                body(decoded)
            }
            if done {
                if interrupted {
                    diagnostics += "Dump was interrupted and may be inconsistent.\n"
                }
                return true
            }
        }
    }

    /// rtnl_dump_done: NLMSG_DONE carries an int; a negative one is the dump's error, optionally
    /// followed by extack attributes. Returns false when the dump failed.
    private static func dumpDone(_ message: [UInt8], diagnostics: inout String) -> Bool {
        guard message.count >= NetlinkHeader.size + 4 else {
            diagnostics += "DONE truncated\n"
            return false
        }
        let status = message.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: NetlinkHeader.size, as: Int32.self) }
        guard status < 0 else { return true }
        let errno = status == Int32.min ? Int32.max : -status
        if let m = extackMessage(message, from: NetlinkHeader.size + 4), !m.isEmpty {
            diagnostics += extackLine("Error", m)
            return false
        }
        switch errno {
        case ENOENT, EOPNOTSUPP:
            break
        case EMSGSIZE:
            diagnostics += "Error: Buffer too small for object.\n"
        default:
            diagnostics += "RTNETLINK answers: \(text(errno))\n"
        }
        return false
    }

    /// The NLMSGERR_ATTR_MSG string among the attributes that start at `offset`, if any.
    private static func extackMessage(_ message: [UInt8], from offset: Int) -> String? {
        let end = min(message.count, Int(NetlinkHeader(message)?.length ?? 0))
        var at = offset
        while at + 4 <= end {
            // struct nlattr, host byte order like the rest of netlink.
            let (length, type) = message.withUnsafeBytes { raw in
                (Int(raw.loadUnaligned(fromByteOffset: at, as: UInt16.self)),
                 raw.loadUnaligned(fromByteOffset: at + 2, as: UInt16.self))
            }
            guard length >= 4, at + length <= end else { return nil }
            if type & 0x3fff == 1 {  // NLMSGERR_ATTR_MSG
                let value = message[(at + 4)..<(at + length)]
                let text = value.prefix { $0 != 0 }
                return String(decoding: text, as: UTF8.self)
            }
            at += (length + 3) & ~3
        }
        return nil
    }
}
