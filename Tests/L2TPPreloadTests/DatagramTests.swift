// SPDX-License-Identifier: GPL-2.0-only
// Datagrams from l2tpd: the library's own ACKs (never shown to the program) and CONTROL_FRAME messages.

import CL2TPPreload
#if canImport(Glibc)
import Glibc
#endif
import L2TPNetlink
import L2TPTestSupport
import Testing

@Suite("Datagrams from l2tpd: l2tpd_preload_is_private_ack / is_control_frames")
struct DatagramTests {
    typealias P = PreloadParser
    let privatePID = L2TPD_PRELOAD_PRIVATE_PID
    /// The program's socket's port, which l2tpd puts in its answers (it learned it from SET_PORT).
    let port: UInt32 = 0x4c32

    /// The library's own request, as preload.c's private_request builds it.
    func privateRequest(_ command: L2TPDGenl.Command, _ attr: L2TPDGenl.Attr, _ value: UInt32, sequence: UInt32)
        -> [UInt8]
    {
        L2TPDGenl.request(command, [(attr, value)], ack: true, sequence: sequence, portID: privatePID)
    }

    @Test("the private request built with L2TPDGenl is the one preload.c writes")
    func privateRequestLayout() {
        // private_request_locked: 28 bytes, NLM_F_REQUEST | NLM_F_ACK, version 1, one u32 attribute.
        let expected = [UInt8](hex: "1c000000 336c 0500 07000000 00ff326c  03 01 0000  0800 0400 324c0000")
        #expect(privateRequest(.setPort, .port, port, sequence: 7) == expected)
    }

    @Test("l2tpd's ACK of a private SET_PORT or membership request is recognised, with its sequence number",
          arguments: [L2TPDGenl.Command.setPort, .addMembership, .dropMembership])
    func ack(_ command: L2TPDGenl.Command) throws {
        let request = command == .setPort
            ? privateRequest(command, .port, port, sequence: 0x1234_5678)
            : privateRequest(command, .group, L2TPGenl.multicastGroupID, sequence: 0x1234_5678)
        let ack = NetlinkAck.encode(answering: request, error: nil, portID: port)
        #expect(ack.count == 36)
        let answer = try #require(P.privateAck(ack))
        #expect(answer.sequence == 0x1234_5678)
        #expect(answer.error == 0)
    }

    @Test("l2tpd's error answers to a private request carry -errno, capped or with the whole request echoed")
    func error() throws {
        let request = privateRequest(.addMembership, .group, 99, sequence: 42)
        let full = NetlinkAck.encode(answering: request, error: NetlinkError(ENOENT, "no multicast group 99"),
                                     portID: port)
        let capped = NetlinkAck.encode(answering: request, error: NetlinkError(EPERM), portID: port, capped: true)
        #expect(full.count > 36 + 12)
        let a = try #require(P.privateAck(full))
        #expect(a.sequence == 42 && a.error == -ENOENT)
        let b = try #require(P.privateAck(capped))
        #expect(b.sequence == 42 && b.error == -EPERM)
    }

    @Test("ACKs of the program's own requests are not the library's")
    func programsOwn() {
        // The program's l2tpd request (its own nlmsg_pid) and its l2tp request.
        let ownL2TPD = L2TPDGenl.request(.setPort, [(.port, port)], ack: true, sequence: 7, portID: port)
        let ownZero = L2TPDGenl.request(.debugDump, ack: true, sequence: 7, portID: 0)
        let l2tpWithPrivatePID = L2TPDGenl.request(.setPort, [(.port, port)], ack: true, familyID: L2TPGenl.familyID,
                                                   sequence: 7, portID: privatePID)
        for request in [ownL2TPD, ownZero, l2tpWithPrivatePID, L2TPRequest.tunnelDump(), Captured.ipResolveL2TP] {
            #expect(P.privateAck(NetlinkAck.encode(answering: request, error: nil, portID: port)) == nil)
            #expect(P.privateAck(NetlinkAck.encode(answering: request, error: NetlinkError(EINVAL), portID: port))
                    == nil)
        }
    }

    @Test("other messages from l2tpd are not ACKs, even when they carry the private request's header")
    func notAnError() {
        let request = privateRequest(.setPort, .port, port, sequence: 5)
        #expect(P.privateAck(NetlinkAck.done(sequence: 5, portID: port) + request) == nil)
        #expect(P.privateAck(L2TPDGenl.textReply(.debugDump, text: "tunnels", sequence: 5, portID: port)) == nil)
        // An ACK's layout with another type in front.
        var ack = NetlinkAck.encode(answering: request, error: nil, portID: port)
        ack.replaceSubrange(4..<6, with: Bytes.u16(NetlinkMessageType.done))
        #expect(P.privateAck(ack) == nil)
    }

    @Test("a truncated ACK, or one whose nlmsg_len is too short or too long, is not recognised")
    func truncated() {
        let ack = NetlinkAck.encode(answering: privateRequest(.setPort, .port, port, sequence: 5), error: nil,
                                    portID: port)
        #expect(P.privateAck(ack) != nil)
        for length in [0, 16, 20, 35] {
            #expect(P.privateAck(Array(ack.prefix(length))) == nil, "\(length) bytes")
        }
        #expect(P.privateAck(ack.withLength(35)) == nil)
        #expect(P.privateAck(ack.withLength(20)) == nil)
        #expect(P.privateAck(ack.withLength(37)) == nil)
        // Bytes after nlmsg_len are allowed.
        #expect(P.privateAck(ack + [0, 0, 0, 0]) != nil)
    }

    @Test("only the datagram's first message is looked at")
    func firstMessageOnly() {
        let ack = NetlinkAck.encode(answering: privateRequest(.setPort, .port, port, sequence: 5), error: nil,
                                    portID: port)
        #expect(P.privateAck(NetlinkAck.done(sequence: 1, portID: port) + ack) == nil)
        #expect(P.privateAck(ack + NetlinkAck.done(sequence: 1, portID: port)) != nil)
    }

    func controlFrame() -> [UInt8] {
        let frame: [UInt8] = [0xc8, 0x03, 0x00, 0x14, 0x00, 0x00, 0x00, 0x0a]  // an L2TPv3 control header
        return frame.withUnsafeBytes { L2TPDGenl.controlFrame(tunnelID: 10, frame: $0, portID: port) }
    }

    @Test("l2tpd's CONTROL_FRAME message is recognised, from its 20-byte headers on")
    func controlFrames() {
        let message = controlFrame()
        #expect(P.isControlFrames(message))
        #expect(P.isControlFrames(Array(message.prefix(20))))
        #expect(!P.isControlFrames(Array(message.prefix(19))))
        #expect(!P.isControlFrames([]))
    }

    @Test("other l2tpd messages, and l2tp messages with command 2, are not CONTROL_FRAMEs")
    func notControlFrames() {
        #expect(!P.isControlFrames(L2TPDGenl.textReply(.debugDump, text: "x", sequence: 1, portID: port)))
        #expect(!P.isControlFrames(privateRequest(.setPort, .port, port, sequence: 1)))
        #expect(!P.isControlFrames(NetlinkAck.encode(answering: controlFrame(), error: nil, portID: port)))
        var tunnelDelete = controlFrame()
        tunnelDelete.replaceSubrange(4..<6, with: Bytes.u16(L2TPGenl.familyID))
        #expect(tunnelDelete[16] == L2TPCommand.tunnelDelete.rawValue)
        #expect(!P.isControlFrames(tunnelDelete))
    }
}
