// SPDX-License-Identifier: GPL-2.0-only
// How daemon answers and failures are reported: rtnl_talk's and rtnl_dump_filter's messages, the
// unreachable daemon, and the exit statuses that go with them.

import Glibc
import L2TPNetlink
import L2TPWire
import Testing

@testable import L2TPTool

@Suite("Daemon replies and failures")
struct DaemonReplyTests {
    static let addTunnel = "add tunnel tunnel_id 1 peer_tunnel_id 2 encap ip local 10.0.0.1 remote 10.0.0.2"

    /// A daemon that answers every l2tp request with `error`.
    func failing(_ error: NetlinkError, capped: Bool = false) -> FakeDaemon {
        let daemon = FakeDaemon()
        daemon.respond = { request, _ in
            [NetlinkAck.encode(answering: request, error: error, portID: FakeDaemon.portID, capped: capped)]
        }
        return daemon
    }

    @Test func errorWithoutExtackIsRTNETLINKAnswers() {
        let r = l2tp(Self.addTunnel, daemon: failing(NetlinkError(EEXIST)))
        #expect(r == RunResult(status: 2, standardOutput: "", standardError: "RTNETLINK answers: File exists\n"))
    }

    @Test func extackMessageGetsAFinalPeriod() {
        let r = l2tp(Self.addTunnel, daemon: failing(NetlinkError(EEXIST, "tunnel 1 already exists")))
        #expect(r == RunResult(status: 2, standardOutput: "", standardError: "Error: tunnel 1 already exists.\n"))
        let r2 = l2tp("del tunnel tunnel_id 9", daemon: failing(NetlinkError(ENOENT, "No such tunnel.", attributeOffset: 20)))
        #expect(r2 == RunResult(status: 2, standardOutput: "", standardError: "Error: No such tunnel.\n"))
    }

    @Test func cappedErrorKeepsTheExtackMessage() {
        let r = l2tp("del session tunnel_id 1 session_id 2", daemon: failing(NetlinkError(ENOENT, "no session"), capped: true))
        #expect(r == RunResult(status: 2, standardOutput: "", standardError: "Error: no session.\n"))
    }

    @Test func errnoTextForCommonErrors() {
        #expect(l2tp("del tunnel tunnel_id 1", daemon: failing(NetlinkError(ENOENT))).standardError
            == "RTNETLINK answers: No such file or directory\n")
        #expect(l2tp("del tunnel tunnel_id 1", daemon: failing(NetlinkError(EPERM))).standardError
            == "RTNETLINK answers: Operation not permitted\n")
        #expect(l2tp("del tunnel tunnel_id 1", daemon: failing(NetlinkError(EPROTONOSUPPORT))).standardError
            == "RTNETLINK answers: Protocol not supported\n")
    }

    @Test func addTunnelAndSessionReportBothButReturnTheSessionsStatus() {
        let daemon = FakeDaemon()
        var count = 0
        daemon.respond = { request, _ in
            count += 1
            let error = count == 1 ? NetlinkError(EEXIST, "tunnel exists") : nil
            return [NetlinkAck.encode(answering: request, error: error, portID: FakeDaemon.portID)]
        }
        let r = l2tp(
            "add tunnel session tunnel_id 1 peer_tunnel_id 2 session_id 3 peer_session_id 4 local 10.0.0.1 remote 10.0.0.2 encap ip",
            daemon: daemon)
        #expect(r == RunResult(status: 0, standardOutput: "", standardError: "Error: tunnel exists.\n"))
        #expect(daemon.requests.count == 2)
    }

    @Test func ackAfterUnrelatedMessages() {
        let daemon = FakeDaemon()
        daemon.respond = { request, header in
            let stale = NetlinkAck.encode(answering: request, error: NetlinkError(EINVAL), portID: FakeDaemon.portID)
            var staleHeader = NetlinkHeader(stale)!
            staleHeader.sequence = header.sequence &- 5
            let staleMessage = staleHeader.bytes + stale[NetlinkHeader.size...]
            return [staleMessage, NetlinkAck.encode(answering: request, error: nil, portID: FakeDaemon.portID)]
        }
        #expect(l2tp("del tunnel tunnel_id 1", daemon: daemon) == RunResult(status: 0, standardOutput: "", standardError: ""))
    }

    // MARK: dumps

    @Test func dumpAnsweredWithAnError() {
        let daemon = failing(NetlinkError(EINVAL, "bad dump"))
        let r = l2tp("show tunnel", daemon: daemon)
        // rtnl_dump_error prints perror("RTNETLINK answers") and not the extack message.
        #expect(r == RunResult(status: 1, standardOutput: "", standardError: "RTNETLINK answers: Invalid argument\nDump terminated\n"))
    }

    @Test func jsonDumpFailureLeavesTheArrayOpen() {
        let daemon = failing(NetlinkError(EPERM))
        let r = l2tp("-j show session", daemon: daemon)
        #expect(r == RunResult(status: 1, standardOutput: "[", standardError: "RTNETLINK answers: Operation not permitted\nDump terminated\n"))
    }

    /// NLMSG_DONE whose payload is `status` followed by `attributes` (already encoded nlattrs).
    func done(status: Int32, sequence: UInt32, portID: UInt32, attributes: [UInt8] = []) -> [UInt8] {
        let header = NetlinkHeader(
            length: UInt32(NetlinkHeader.size + 4 + attributes.count), type: NetlinkMessageType.done,
            flags: NetlinkFlags.multi, sequence: sequence, portID: portID)
        return header.bytes + withUnsafeBytes(of: status) { Array($0) } + attributes
    }

    @Test func doneWithAnErrorEndsTheDump() {
        let cases: [(Int32, String)] = [
            (-ENOENT, "Dump terminated\n"),
            (-EOPNOTSUPP, "Dump terminated\n"),
            (-EMSGSIZE, "Error: Buffer too small for object.\nDump terminated\n"),
            (-EIO, "RTNETLINK answers: Input/output error\nDump terminated\n"),
        ]
        for (status, stderr) in cases {
            let daemon = FakeDaemon()
            daemon.respond = { _, header in
                let object = L2TPMessageCodec.encode(
                    command: .tunnelGet, attributes: Fixture.ipTunnel, order: L2TPMessageCodec.tunnelReplyOrder,
                    flags: NetlinkFlags.multi, sequence: header.sequence, portID: FakeDaemon.portID)
                return [object + self.done(status: status, sequence: header.sequence, portID: FakeDaemon.portID)]
            }
            let r = l2tp("show tunnel", daemon: daemon)
            let printed = "Tunnel 1, encap IP\n  From 10.0.0.1 to 10.0.0.2\n  Peer tunnel 2\n"
            #expect(r == RunResult(status: 1, standardOutput: printed, standardError: stderr))
        }
    }

    @Test func doneWithAnExtackMessage() {
        let daemon = FakeDaemon()
        daemon.respond = { _, header in
            // NLMSGERR_ATTR_MSG "dump failed\0", padded to 4 bytes.
            let text = Array("dump failed".utf8) + [0]
            var attribute: [UInt8] = [UInt8(4 + text.count), 0, 1, 0] + text
            while attribute.count % 4 != 0 { attribute.append(0) }
            return [self.done(status: -EINVAL, sequence: header.sequence, portID: FakeDaemon.portID, attributes: attribute)]
        }
        let r = l2tp("show session", daemon: daemon)
        #expect(r == RunResult(status: 1, standardOutput: "", standardError: "Error: dump failed.\nDump terminated\n"))
    }

    @Test func interruptedDumpIsReported() {
        let daemon = FakeDaemon()
        daemon.respond = { _, header in
            let object = L2TPMessageCodec.encode(
                command: .tunnelGet, attributes: Fixture.ipTunnel, order: L2TPMessageCodec.tunnelReplyOrder,
                flags: NetlinkFlags.multi | NetlinkFlags.dumpInterrupted, sequence: header.sequence,
                portID: FakeDaemon.portID)
            return [object, NetlinkAck.done(sequence: header.sequence, portID: FakeDaemon.portID)]
        }
        let r = l2tp("show tunnel", daemon: daemon)
        #expect(r.status == 0)
        #expect(r.standardOutput == "Tunnel 1, encap IP\n  From 10.0.0.1 to 10.0.0.2\n  Peer tunnel 2\n")
        #expect(r.standardError == "Dump was interrupted and may be inconsistent.\n")
    }

    @Test func malformedDumpReply() {
        let daemon = FakeDaemon()
        daemon.respond = { _, header in
            // A message whose length field overruns the datagram.
            let h = NetlinkHeader(
                length: 400, type: GenlControl.l2tp.id, flags: NetlinkFlags.multi,
                sequence: header.sequence, portID: FakeDaemon.portID)
            return [h.bytes + [4, 1, 0, 0]]
        }
        let r = l2tp("show tunnel", daemon: daemon)
        #expect(r.status == 1)
        #expect(r.standardOutput == "")
        #expect(r.standardError.hasPrefix("Error: malformed reply from l2tpd at /run/l2tpd/control.sock: "))
        #expect(r.standardError.hasSuffix("\nDump terminated\n"))
    }

    // MARK: reaching the daemon

    @Test func unreachableDaemon() {
        let r = l2tp("show tunnel", daemon: nil)
        #expect(r == RunResult(
            status: 1, standardOutput: "",
            standardError: "Error: cannot reach l2tpd at /run/l2tpd/control.sock: No such file or directory\n"))
    }

    @Test func unreachableDaemonNamesTheSocketAndErrno() {
        var io = FakeIO(daemon: nil)
        io.connectError = ECONNREFUSED
        let status = L2TPToolMain.run(arguments: ["--socket", "/tmp/x.sock", "add", "bogus"], environment: [:], io: &io)
        #expect(status == 1)
        #expect(io.standardError == "Error: cannot reach l2tpd at /tmp/x.sock: Connection refused\n")
    }

    @Test func argumentErrorsComeAfterTheDaemonLookup() {
        // Like `ip l2tp`, which resolves the family before parsing: without l2tpd only `help` works.
        let r = l2tp("add tunnel tunnel_id x", daemon: nil)
        #expect(r.status == 1)
        #expect(r.standardError.hasPrefix("Error: cannot reach l2tpd at "))
    }

    @Test func familyLookupAnsweredWithAnError() {
        let daemon = FakeDaemon()
        daemon.respondToLookup = { request, _ in
            [NetlinkAck.encode(answering: request, error: NetlinkError(ENOENT), portID: FakeDaemon.portID)]
        }
        let r = l2tp("show tunnel", daemon: daemon)
        #expect(r == RunResult(
            status: 1, standardOutput: "",
            standardError: "RTNETLINK answers: No such file or directory\nError talking to l2tpd at /run/l2tpd/control.sock\n"))
        #expect(daemon.requests.isEmpty)
    }

    @Test func daemonHangsUpDuringLookup() {
        let daemon = FakeDaemon()
        daemon.respondToLookup = { _, _ in [] }
        let r = l2tp("show tunnel", daemon: daemon)
        #expect(r == RunResult(
            status: 1, standardOutput: "",
            standardError: "Error: cannot reach l2tpd at /run/l2tpd/control.sock: Connection reset by peer\n"))
    }

    @Test func daemonHangsUpDuringAddOrDump() {
        let daemon = FakeDaemon()
        daemon.respond = { _, _ in [] }
        let add = l2tp(Self.addTunnel, daemon: daemon)
        #expect(add == RunResult(
            status: 2, standardOutput: "",
            standardError: "Error: l2tpd at /run/l2tpd/control.sock closed the connection\n"))
        let show = l2tp("show tunnel", daemon: daemon)
        #expect(show == RunResult(
            status: 1, standardOutput: "",
            standardError: "Error: l2tpd at /run/l2tpd/control.sock closed the connection\nDump terminated\n"))
    }
}

@Suite("Daemon acknowledgements")
struct DaemonAcknowledgementTests {
    @Test func ackWithAWarning() {
        let daemon = FakeDaemon()
        daemon.respond = { request, _ in
            [NetlinkAck.encode(answering: request, error: NetlinkError(0, "tunnel already idle"), portID: FakeDaemon.portID)]
        }
        let r = l2tp("del tunnel tunnel_id 1", daemon: daemon)
        #expect(r == RunResult(status: 0, standardOutput: "", standardError: "Warning: tunnel already idle.\n"))
    }

    @Test func unexpectedReplyBeforeTheAck() {
        let daemon = FakeDaemon()
        daemon.respond = { request, header in
            let stray = L2TPMessageCodec.encode(
                command: .tunnelCreate, attributes: Fixture.ipTunnel, order: L2TPMessageCodec.tunnelReplyOrder,
                flags: 0, sequence: header.sequence, portID: FakeDaemon.portID)
            return [stray + NetlinkAck.encode(answering: request, error: nil, portID: FakeDaemon.portID)]
        }
        let r = l2tp("del tunnel tunnel_id 1", daemon: daemon)
        #expect(r == RunResult(status: 0, standardOutput: "", standardError: "Unexpected reply!!!\n"))
    }
}
