// SPDX-License-Identifier: GPL-2.0-only
// The netlink conversation with l2tpd over its control socket, driven as iproute2's libnetlink and
// libgenl drive the kernel: family lookup, request/ACK exchanges, dumps and notifications.

import Glibc
import L2TPNetlink

/// What ends an exchange with l2tpd: each caller's policy for the one reply loop,
/// `DaemonClient.exchange`.
enum ExchangeEnd: Equatable {
    /// The first reply of the request's sequence that is not an ACK, handed to the body; NLMSG_ERROR
    /// with an errno fails the exchange (rtnl_talk with an answer: the family lookup, `debug dump`).
    case firstReply
    /// NLMSG_ERROR: an ACK ends the exchange, an errno fails it; any other reply of the sequence is
    /// unexpected (rtnl_talk without an answer: add, delete, joining a multicast group).
    case acknowledgement
    /// NLMSG_DONE, after every other reply of the sequence went to the body; NLMSG_ERROR fails the
    /// exchange (rtnl_dump_filter: show).
    case done
    /// Nothing: every message, of any sequence, goes to the body until the connection fails
    /// (rtnl_listen: monitor).
    case never
}

/// One connection to l2tpd, speaking Generic Netlink of the `l2tp` family.
///
/// Flow of one command:
/// 1. `connect`: open the control socket, then `resolve` "l2tp" with nlctrl CTRL_CMD_GETFAMILY
///    (iproute2's genl_init_handle). Any failure here ends the command with status 1.
/// 2. `exchange`, the one request/reply loop, with the caller's `ExchangeEnd`: `talk` for add and
///    delete (rtnl_talk), `dump` for show (rtnl_dump_filter), `ask` for `debug dump`, and no
///    request at all for monitor's notifications.
///
/// Replies are matched on the sequence number only: l2tpd assigns the port id, so the client does
/// not know it in advance. Messages of other sequences (a late ACK of the family lookup) are skipped.
/// Every failure is a `DaemonError`, whose text the caller prints; warnings that leave the exchange
/// successful (`DaemonWarning`) are added to the caller's diagnostics as they come.
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

    /// Opens the connection and resolves the `l2tp` family. Every failure reads as an unreachable
    /// daemon or a failed lookup (`DaemonError.duringLookup`); iproute2 exits 1 when
    /// genl_init_handle fails.
    static func connect(socketPath: String, io: inout some ToolIO, diagnostics: inout String)
        throws(DaemonError) -> DaemonClient
    {
        let connection: any DaemonConnection
        do {
            connection = try io.connect(socketPath: socketPath)
        } catch {
            throw error.duringLookup
        }
        var client = DaemonClient(connection: connection, socketPath: socketPath, sequence: io.initialSequence())
        client.familyID = try client.resolve(family: L2TPGenl.name, diagnostics: &diagnostics).id
        return client
    }

    /// Takes the next sequence number (iproute2's `++rth.seq`).
    mutating func nextSequence() -> UInt32 {
        sequence &+= 1
        return sequence
    }

    /// The one request/reply loop: sends `request`, if there is one, then reads datagrams and walks
    /// their messages until `end` says the exchange is over.
    ///
    /// Messages of a sequence other than `sequence` are skipped; with `sequence` nil none are. What
    /// reaches `body` is `end`'s to say; `body` may fail the exchange by throwing. Fails with
    /// `.transport` when the connection does, `.closed` when l2tpd hangs up first, `.malformed` for
    /// a datagram that does not split into messages, and with l2tpd's error answers as `end`
    /// reads them. Warnings (`DaemonWarning`) go to `diagnostics`.
    mutating func exchange(
        _ request: [UInt8]?, sequence: UInt32?, until end: ExchangeEnd, diagnostics: inout String,
        body: ([UInt8]) throws(DaemonError) -> Void
    ) throws(DaemonError) {
        if let request { try connection.send(request) }
        var interrupted = false
        while true {
            guard let datagram = try connection.receive() else { throw .closed }
            let messages: [[UInt8]]
            do {
                messages = try splitNetlinkMessages(datagram)
            } catch {
                throw .malformed(error)
            }
            for message in messages {
                guard let header = NetlinkHeader(message), sequence == nil || header.sequence == sequence else {
                    continue
                }
                if header.flags & NetlinkFlags.dumpInterrupted != 0 { interrupted = true }
                switch (end, header.type) {
                case (.never, _):
                    try body(message)
                case (.done, NetlinkMessageType.done):
                    try Self.checkDone(message)
                    if interrupted { diagnostics += DaemonWarning.dumpInterrupted.diagnostic }
                    return
                case (_, NetlinkMessageType.error):
                    guard let ack = NetlinkAck.parse(message) else { throw .truncatedError }
                    if end == .done { throw .dumpRefused(errno: ack.errno) }
                    if ack.errno != 0 { throw .refused(errno: ack.errno, message: ack.message) }
                    if end == .acknowledgement {
                        if let m = ack.message, !m.isEmpty {
                            diagnostics += DaemonWarning.acknowledged(message: m).diagnostic
                        }
                        return
                    }
                    // .firstReply: an ACK is not the answer; keep waiting for it.
                case (.acknowledgement, _):
                    diagnostics += DaemonWarning.unexpectedReply.diagnostic
                case (.firstReply, _):
                    try body(message)
                    return
                case (.done, _):
                    try body(message)
                }
            }
        }
    }

    /// Resolves a family name to its id with nlctrl CTRL_CMD_GETFAMILY (iproute2's
    /// genl_resolve_family). Failures are read `duringLookup`.
    mutating func resolve(family name: String, diagnostics: inout String)
        throws(DaemonError) -> GenlControl.Family
    {
        let seq = nextSequence()
        let request = GenlControl.getFamilyRequest(name: name, sequence: seq, portID: 0)
        var family: GenlControl.Family?
        do {
            try exchange(request, sequence: seq, until: .firstReply, diagnostics: &diagnostics) {
                (reply: [UInt8]) throws(DaemonError) in
                family = GenlControl.parseNewFamily(reply)
            }
        } catch {
            throw error.duringLookup
        }
        guard let family else {
            throw .lookupFailed(cause: .malformed(NetlinkError(EPROTO, "not a CTRL_CMD_NEWFAMILY for \"\(name)\"")))
        }
        return family
    }

    /// rtnl_talk with an answer: sends `request` (built with `sequence`) and returns the first reply
    /// of that sequence that is not an ACK.
    mutating func ask(_ request: [UInt8], sequence seq: UInt32, diagnostics: inout String)
        throws(DaemonError) -> [UInt8]
    {
        var answer: [UInt8] = []
        try exchange(request, sequence: seq, until: .firstReply, diagnostics: &diagnostics) {
            (reply: [UInt8]) throws(DaemonError) in
            answer = reply
        }
        return answer
    }

    /// rtnl_talk without an answer: sends `request` (built with `sequence`) and returns at its ACK.
    mutating func talk(_ request: [UInt8], sequence seq: UInt32, diagnostics: inout String) throws(DaemonError) {
        try exchange(request, sequence: seq, until: .acknowledgement, diagnostics: &diagnostics) {
            (_: [UInt8]) throws(DaemonError) in
        }
    }

    /// rtnl_dump_filter: sends the dump `request` (built with `sequence`) and calls `body` with every
    /// reply of that sequence, decoded, until NLMSG_DONE. A reply that does not decode fails the dump.
    mutating func dump(
        _ request: [UInt8], sequence seq: UInt32, diagnostics: inout String, body: (GenlMessage) -> Void
    ) throws(DaemonError) {
        try exchange(request, sequence: seq, until: .done, diagnostics: &diagnostics) {
            (message: [UInt8]) throws(DaemonError) in
            do throws(NetlinkError) {
                body(try L2TPMessageCodec.decode(message))
            } catch {
                throw .malformed(error)
            }
        }
    }

    /// rtnl_dump_done: NLMSG_DONE carries an int; a negative one is the dump's error, optionally
    /// followed by extack attributes.
    private static func checkDone(_ message: [UInt8]) throws(DaemonError) {
        guard message.count >= NetlinkHeader.size + 4 else { throw .truncatedDone }
        let status = message.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: NetlinkHeader.size, as: Int32.self) }
        guard status < 0 else { return }
        let errno = status == Int32.min ? Int32.max : -status
        throw .dumpFailed(errno: errno, message: extackMessage(message, from: NetlinkHeader.size + 4))
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
