// SPDX-License-Identifier: GPL-2.0-only
// An in-memory l2tpd for CLI tests: answers the family lookup, records requests, replays canned replies.

import Glibc
import L2TPNetlink
import L2TPWire

@testable import L2TPTool

/// A daemon connection that answers from memory.
///
/// The nlctrl lookup of "l2tp" is answered like l2tpd does (`GenlControl.newFamilyReply`, plus an ACK
/// when asked for one). Every other request is recorded and answered by `respond`, which by default
/// ACKs do-requests and dumps `tunnels` or `sessions`. Replies are queued datagrams; when none is
/// left, `receive` reports end of stream, so a test can never hang.
final class FakeDaemon: DaemonConnection {
    /// The port id l2tpd would assign to the connection.
    static let portID: UInt32 = 0x1234
    var portID: UInt32 { Self.portID }
    /// Largest datagram a dump reply uses (l2tpd packs dump messages into datagrams of 8 KiB).
    var maxDatagram = 8192
    /// Objects returned by tunnel dumps, in order.
    var tunnels: [L2TPAttributes] = []
    /// Objects returned by session dumps, in order.
    var sessions: [L2TPAttributes] = []
    /// Answers one l2tp request with datagrams; the default answers like l2tpd would.
    var respond: ((_ request: [UInt8], _ header: NetlinkHeader) -> [[UInt8]])?
    /// Answers the family lookup; nil gives l2tpd's NEWFAMILY reply.
    var respondToLookup: ((_ request: [UInt8], _ header: NetlinkHeader) -> [[UInt8]])?

    /// Every datagram the CLI sent, family lookup included.
    private(set) var sent: [[UInt8]] = []
    private var queue: [[UInt8]] = []

    /// The l2tp-family requests the CLI sent (the lookup left out).
    var requests: [[UInt8]] {
        sent.filter { NetlinkHeader($0)?.type != NetlinkMessageType.genlControl }
    }

    func send(_ datagram: [UInt8]) throws(DaemonError) {
        sent.append(datagram)
        guard let header = NetlinkHeader(datagram) else { return }
        if header.type == NetlinkMessageType.genlControl {
            if let respondToLookup {
                queue += respondToLookup(datagram, header)
                return
            }
            queue.append(GenlControl.newFamilyReply(GenlControl.l2tp, sequence: header.sequence, portID: portID))
            if header.flags & NetlinkFlags.ack != 0 {
                queue.append(NetlinkAck.encode(answering: datagram, error: nil, portID: portID))
            }
            return
        }
        queue += (respond ?? defaultResponse)(datagram, header)
    }

    func receive() throws(DaemonError) -> [UInt8]? {
        queue.isEmpty ? nil : queue.removeFirst()
    }

    /// ACK for do-requests; the configured objects then NLMSG_DONE for dumps.
    func defaultResponse(_ request: [UInt8], _ header: NetlinkHeader) -> [[UInt8]] {
        guard header.flags & NetlinkFlags.dump == NetlinkFlags.dump else {
            return [NetlinkAck.encode(answering: request, error: nil, portID: portID)]
        }
        let command = request.count > NetlinkHeader.size ? request[NetlinkHeader.size] : 0
        let objects = command == L2TPCommand.sessionGet.rawValue ? sessions : tunnels
        return dumpReply(objects, command: L2TPCommand(rawValue: command) ?? .tunnelGet, sequence: header.sequence)
    }

    /// One dump's reply: NLM_F_MULTI messages packed into datagrams of at most `maxDatagram` bytes,
    /// NLMSG_DONE in the last one.
    func dumpReply(_ objects: [L2TPAttributes], command: L2TPCommand, sequence: UInt32) -> [[UInt8]] {
        let order =
            command == .sessionGet ? L2TPMessageCodec.sessionReplyOrder : L2TPMessageCodec.tunnelReplyOrder
        var messages = objects.map {
            L2TPMessageCodec.encode(
                command: command, attributes: $0, order: order, flags: NetlinkFlags.multi,
                sequence: sequence, portID: portID)
        }
        messages.append(NetlinkAck.done(sequence: sequence, portID: portID))
        return Self.pack(messages, limit: maxDatagram)
    }

    /// Packs whole messages into datagrams no larger than `limit` (a message larger than the limit
    /// gets a datagram of its own).
    static func pack(_ messages: [[UInt8]], limit: Int) -> [[UInt8]] {
        var datagrams: [[UInt8]] = []
        var current: [UInt8] = []
        for m in messages {
            if !current.isEmpty && current.count + m.count > limit {
                datagrams.append(current)
                current = []
            }
            current += m
        }
        if !current.isEmpty { datagrams.append(current) }
        return datagrams
    }
}
