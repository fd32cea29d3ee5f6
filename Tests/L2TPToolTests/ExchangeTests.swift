// SPDX-License-Identifier: GPL-2.0-only
// The one reply loop under each of its ending policies that the other suites do not reach (`monitor`
// and `debug dump`), and the text of every DaemonError, made in one place.

import Glibc
import L2TPNetlink
import L2TPWire
import Testing

@testable import L2TPTool

/// A FakeDaemon that answers the lookup of each family by name, as l2tpd does: "l2tp" (with its
/// multicast group, unless `groups` is false) and "l2tpd".
private func daemonWithBothFamilies(groups: Bool = true) -> FakeDaemon {
    let daemon = FakeDaemon()
    daemon.respondToLookup = { request, header in
        let query = try? GenlControl.parseGetFamily(request)
        var family = query == .name(L2TPDGenl.name) ? L2TPDGenl.family : GenlControl.l2tp
        if !groups { family.multicastGroups = [] }
        return [GenlControl.newFamilyReply(family, sequence: header.sequence, portID: FakeDaemon.portID)]
    }
    return daemon
}

private func command(of request: [UInt8]) -> UInt8? {
    request.count > NetlinkHeader.size ? request[NetlinkHeader.size] : nil
}

@Suite("Exchanges: monitor and debug dump")
struct ExchangeTests {
    static let socket = "/run/l2tpd/control.sock"
    static let ipTunnelText = "Tunnel 1, encap IP\n  From 10.0.0.1 to 10.0.0.2\n  Peer tunnel 2\n"

    /// A TUNNEL_CREATE notification of `Fixture.ipTunnel` (sequence 0, as multicast messages are).
    static var notification: [UInt8] {
        L2TPMessageCodec.encode(
            command: .tunnelCreate, attributes: Fixture.ipTunnel, order: L2TPMessageCodec.tunnelReplyOrder,
            flags: 0, sequence: 0, portID: 0)
    }

    @Test func monitorPrintsNotificationsUntilTheDaemonGoesAway() {
        let daemon = daemonWithBothFamilies()
        daemon.respond = { request, header in
            #expect(command(of: request) == L2TPDGenl.Command.addMembership.rawValue)
            #expect(L2TPDGenl.u32(.group, of: request) == L2TPGenl.multicastGroupID)
            // A notification before the ACK of the join is not a reply of its sequence: skipped.
            let ack = NetlinkAck.encode(answering: request, error: nil, portID: FakeDaemon.portID)
            return [Self.notification + ack, Self.notification]
        }
        let r = l2tp("monitor", daemon: daemon)
        #expect(r == RunResult(
            status: 1, standardOutput: "[TUNNEL_CREATE]\n" + Self.ipTunnelText,
            standardError: "Error: l2tpd at \(Self.socket) closed the connection\n"))
    }

    @Test func monitorSkipsMessagesOfOtherFamilies() {
        let daemon = daemonWithBothFamilies()
        daemon.respond = { request, _ in
            let other = L2TPDGenl.textReply(.debugDump, text: "x", sequence: 0, portID: FakeDaemon.portID)
            let ack = NetlinkAck.encode(answering: request, error: nil, portID: FakeDaemon.portID)
            return [ack, other, Self.notification]
        }
        let r = l2tp("-j monitor", daemon: daemon)
        #expect(r.status == 1)
        #expect(r.standardOutput
            == #"{"event":"TUNNEL_CREATE","tunnel_id":1,"encap":"IP","local":"10.0.0.1","peer":"10.0.0.2","peer_tunnel":2}"# + "\n")
    }

    @Test func monitorJoinRefused() {
        let daemon = daemonWithBothFamilies()
        daemon.respond = { request, _ in
            [NetlinkAck.encode(answering: request, error: NetlinkError(EPERM), portID: FakeDaemon.portID)]
        }
        #expect(l2tp("monitor", daemon: daemon)
            == RunResult(status: 2, standardOutput: "", standardError: "RTNETLINK answers: Operation not permitted\n"))
    }

    @Test func monitorWithoutTheMulticastGroup() {
        let daemon = daemonWithBothFamilies(groups: false)
        #expect(l2tp("monitor", daemon: daemon) == RunResult(
            status: 1, standardOutput: "",
            standardError: "Error: l2tpd at \(Self.socket) announced no \"l2tp\" multicast group\n"))
        #expect(daemon.requests.isEmpty)
    }

    @Test func debugDumpPrintsTheText() {
        let daemon = daemonWithBothFamilies()
        daemon.respond = { request, header in
            #expect(command(of: request) == L2TPDGenl.Command.debugDump.rawValue)
            return [L2TPDGenl.textReply(.debugDump, text: "state\n", sequence: header.sequence, portID: FakeDaemon.portID)]
        }
        #expect(l2tp("debug dump", daemon: daemon) == RunResult(status: 0, standardOutput: "state\n", standardError: ""))
    }

    @Test func debugDumpRefused() {
        let daemon = daemonWithBothFamilies()
        daemon.respond = { request, _ in
            [NetlinkAck.encode(answering: request, error: NetlinkError(EPERM, "needs CAP_NET_ADMIN"), portID: FakeDaemon.portID)]
        }
        #expect(l2tp("debug dump", daemon: daemon)
            == RunResult(status: 2, standardOutput: "", standardError: "Error: needs CAP_NET_ADMIN.\n"))
    }

    @Test func debugDumpDaemonHangsUp() {
        let daemon = daemonWithBothFamilies()
        daemon.respond = { _, _ in [] }
        #expect(l2tp("debug dump", daemon: daemon) == RunResult(
            status: 2, standardOutput: "", standardError: "Error: l2tpd at \(Self.socket) closed the connection\n"))
    }

    @Test func debugDumpReplyWithoutText() {
        let daemon = daemonWithBothFamilies()
        daemon.respond = { request, header in
            [L2TPDGenl.request(.debugDump, sequence: header.sequence, portID: FakeDaemon.portID)]
        }
        let r = l2tp("debug dump", daemon: daemon)
        #expect(r.status == 2)
        #expect(r.standardError.hasPrefix("Error: malformed reply from l2tpd at \(Self.socket): "))
    }

    @Test func malformedDatagramEndsATalk() {
        let daemon = FakeDaemon()
        daemon.respond = { _, header in
            let h = NetlinkHeader(
                length: 8, type: NetlinkMessageType.error, flags: 0, sequence: header.sequence, portID: FakeDaemon.portID)
            return [h.bytes]
        }
        let r = l2tp("del tunnel tunnel_id 1", daemon: daemon)
        #expect(r.status == 2)
        #expect(r.standardError.hasPrefix("Error: malformed reply from l2tpd at \(Self.socket): "))
    }

    @Test func truncatedErrorAnswer() {
        let daemon = FakeDaemon()
        daemon.respond = { _, header in
            // NLMSG_ERROR without room for its error code.
            [NetlinkHeader(length: 16, type: NetlinkMessageType.error, flags: 0, sequence: header.sequence,
                           portID: FakeDaemon.portID).bytes]
        }
        #expect(l2tp("del tunnel tunnel_id 1", daemon: daemon)
            == RunResult(status: 2, standardOutput: "", standardError: "ERROR truncated\n"))
        #expect(l2tp("show tunnel", daemon: daemon)
            == RunResult(status: 1, standardOutput: "", standardError: "ERROR truncated\nDump terminated\n"))
    }

    @Test func truncatedDone() {
        let daemon = FakeDaemon()
        daemon.respond = { _, header in
            [NetlinkHeader(length: 16, type: NetlinkMessageType.done, flags: NetlinkFlags.multi,
                           sequence: header.sequence, portID: FakeDaemon.portID).bytes]
        }
        #expect(l2tp("show tunnel", daemon: daemon)
            == RunResult(status: 1, standardOutput: "", standardError: "DONE truncated\nDump terminated\n"))
    }

    @Test func transportFailureAfterTheLookup() {
        final class FailingSend: DaemonConnection {
            var lookups = 0
            var pending: [[UInt8]] = []
            func send(_ datagram: [UInt8]) throws(DaemonError) {
                guard let header = NetlinkHeader(datagram), header.type == NetlinkMessageType.genlControl else {
                    throw .transport(errno: EPIPE)
                }
                pending.append(GenlControl.newFamilyReply(GenlControl.l2tp, sequence: header.sequence, portID: 1))
            }
            func receive() throws(DaemonError) -> [UInt8]? { pending.isEmpty ? nil : pending.removeFirst() }
        }
        struct IO: ToolIO {
            var standardError = ""
            mutating func write(_ text: String, to stream: ToolStream) {
                if stream == .standardError { standardError += text }
            }
            mutating func connect(socketPath path: String) throws(DaemonError) -> any DaemonConnection { FailingSend() }
            mutating func initialSequence() -> UInt32 { 1 }
        }
        var io = IO()
        #expect(L2TPToolMain.run(arguments: ["del", "tunnel", "tunnel_id", "1"], environment: [:], io: &io) == 2)
        #expect(io.standardError == "Error: cannot talk to l2tpd at \(Self.socket): Broken pipe\n")
    }
}

@Suite("DaemonError text")
struct DaemonErrorTextTests {
    @Test(arguments: [
        (DaemonError.unreachable(errno: ECONNREFUSED), "Error: cannot reach l2tpd at /s: Connection refused\n"),
        (.transport(errno: EPIPE), "Error: cannot talk to l2tpd at /s: Broken pipe\n"),
        (.closed, "Error: l2tpd at /s closed the connection\n"),
        (.malformed(NetlinkError(EINVAL, "bad")), "Error: malformed reply from l2tpd at /s: bad (Invalid argument)\n"),
        (.truncatedError, "ERROR truncated\n"),
        (.truncatedDone, "DONE truncated\n"),
        (.refused(errno: EEXIST, message: nil), "RTNETLINK answers: File exists\n"),
        (.refused(errno: EEXIST, message: ""), "RTNETLINK answers: File exists\n"),
        (.refused(errno: EEXIST, message: "tunnel exists"), "Error: tunnel exists.\n"),
        (.refused(errno: EEXIST, message: "tunnel exists."), "Error: tunnel exists.\n"),
        (.dumpRefused(errno: EINVAL), "RTNETLINK answers: Invalid argument\n"),
        (.dumpFailed(errno: ENOENT, message: nil), ""),
        (.dumpFailed(errno: EOPNOTSUPP, message: nil), ""),
        (.dumpFailed(errno: EMSGSIZE, message: nil), "Error: Buffer too small for object.\n"),
        (.dumpFailed(errno: EIO, message: nil), "RTNETLINK answers: Input/output error\n"),
        (.dumpFailed(errno: ENOENT, message: "gone"), "Error: gone.\n"),
        (.lookupFailed(cause: .refused(errno: ENOENT, message: nil)),
         "RTNETLINK answers: No such file or directory\nError talking to l2tpd at /s\n"),
        (.lookupFailed(cause: .truncatedError), "Error talking to l2tpd at /s\n"),
        (.noMulticastGroup("l2tp"), "Error: l2tpd at /s announced no \"l2tp\" multicast group\n"),
    ])
    func text(_ error: DaemonError, _ expected: String) {
        #expect(error.diagnostic(socketPath: "/s") == expected)
    }

    @Test func lookupReadsLostConnectionsAsUnreachable() {
        #expect(DaemonError.transport(errno: ENOENT).duringLookup == .unreachable(errno: ENOENT))
        #expect(DaemonError.closed.duringLookup == .unreachable(errno: ECONNRESET))
        #expect(DaemonError.truncatedError.duringLookup == .lookupFailed(cause: .truncatedError))
        #expect(DaemonError.unreachable(errno: EACCES).duringLookup == .unreachable(errno: EACCES))
    }

    @Test func warnings() {
        #expect(DaemonWarning.unexpectedReply.diagnostic == "Unexpected reply!!!\n")
        #expect(DaemonWarning.acknowledged(message: "idle").diagnostic == "Warning: idle.\n")
        #expect(DaemonWarning.dumpInterrupted.diagnostic == "Dump was interrupted and may be inconsistent.\n")
    }
}
