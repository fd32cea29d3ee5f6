// SPDX-License-Identifier: GPL-2.0-only
// Compares IPRouteRequest with what the real /usr/sbin/ip (iproute2) sends, captured through the preload shim.

import Foundation
import L2TPNetlink
import L2TPTestSupport
import L2TPWire
import Testing

@Suite("Requests captured from the real `ip l2tp`")
struct IPRouteCaptureTests {
    /// Runs `ip l2tp <arguments>` under the shim; returns the nlctrl lookup and the one l2tp request.
    func capture(_ arguments: [String], l2tpReply: [UInt8]? = nil) throws
        -> (ctrl: [UInt8], l2tp: [UInt8], run: PreloadShim.Run)
    {
        let ip = try PreloadShim.tool("ip")
        let sandbox = try PreloadShim.Sandbox.shared.get()
        let (run, sent) = try sandbox.run(ip, ["l2tp"] + arguments, l2tpReply: l2tpReply)
        let ctrl = sent.filter { $0.kind == "ctrl" }
        let l2tp = sent.filter { $0.kind == "l2tp" }
        guard ctrl.count == 1, l2tp.count == 1 else {
            throw PreloadShim.ToolMissing(description: "ip l2tp \(arguments.joined(separator: " ")) sent "
                + "\(ctrl.count) nlctrl and \(l2tp.count) l2tp messages (status \(run.status), stderr: \(run.stderr))")
        }
        return (ctrl[0].bytes, l2tp[0].bytes, run)
    }

    /// Checks a captured request against ours built with the captured sequence number. iproute2 leaves
    /// nlmsg_pid 0 (the kernel fills in the sender), and so do we, so the pid is compared as is.
    func expectSame(_ captured: [UInt8], _ build: (UInt32) -> [UInt8],
                    sourceLocation: SourceLocation = #_sourceLocation)
    {
        guard let header = NetlinkHeader(captured) else {
            Issue.record("captured request shorter than a header", sourceLocation: sourceLocation)
            return
        }
        #expect(header.portID == 0, sourceLocation: sourceLocation)
        let ours = build(header.sequence)
        #expect(ours == captured, "\nours:\n\(hexDump(ours))\nip:\n\(hexDump(captured))",
                sourceLocation: sourceLocation)
    }

    let family = L2TPGenl.familyID

    @Test("a missing ip or cc fails the tests with a clear message instead of skipping them")
    func missingTool() {
        let error = #expect(throws: PreloadShim.ToolMissing.self) { try PreloadShim.tool("l2tpd-no-such-tool") }
        #expect(error?.description.hasPrefix("`l2tpd-no-such-tool` not found in PATH") == true)
    }

    @Test("ip resolves the family with an nlctrl GETFAMILY that parseGetFamily understands")
    func familyLookup() throws {
        let (ctrl, _, run) = try capture(["show", "tunnel"])
        #expect(run.status == 0)
        #expect(try GenlControl.parseGetFamily(ctrl) == .name("l2tp"))
        // iproute2's genl_resolve_family: NLM_F_REQUEST only (rtnl_talk with an answer buffer), version 0.
        let header = try #require(NetlinkHeader(ctrl))
        #expect(header.flags == NetlinkFlags.request)
        #expect(ctrl[16...17] == [GenlControl.commandGetFamily, 0])
    }

    @Test("add tunnel, UDP over IPv4 with udp_csum on")
    func addTunnelUDPv4() throws {
        let (_, l2tp, run) = try capture([
            "add", "tunnel", "remote", "192.0.2.2", "local", "192.0.2.1", "tunnel_id", "1",
            "peer_tunnel_id", "2", "udp_sport", "5000", "udp_dport", "6000", "udp_csum", "on",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        var a = L2TPAttributes()
        a.connID = 1
        a.peerConnID = 2
        a.ipSaddr = IPAddress("192.0.2.1")
        a.ipDaddr = IPAddress("192.0.2.2")
        a.udpSport = 5000
        a.udpDport = 6000
        a.udpCsum = 1
        expectSame(l2tp) { IPRouteRequest.tunnelCreate(a, familyID: family, sequence: $0) }
    }

    @Test("add tunnel, UDP over IPv6 with udp6_csum_tx off")
    func addTunnelUDPv6() throws {
        let (_, l2tp, run) = try capture([
            "add", "tunnel", "remote", "2001:db8::2", "local", "2001:db8::1", "tunnel_id", "3",
            "peer_tunnel_id", "4", "udp_sport", "1701", "udp_dport", "1702", "udp6_csum_tx", "off",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        var a = L2TPAttributes()
        a.connID = 3
        a.peerConnID = 4
        a.ip6Saddr = IPAddress("2001:db8::1")
        a.ip6Daddr = IPAddress("2001:db8::2")
        a.udpSport = 1701
        a.udpDport = 1702
        a.udpZeroCsum6Tx = true
        expectSame(l2tp) { IPRouteRequest.tunnelCreate(a, familyID: family, sequence: $0) }
    }

    @Test("add tunnel, L2TP over IP (encap ip)")
    func addTunnelIP() throws {
        let (_, l2tp, run) = try capture([
            "add", "tunnel", "tunnel_id", "5", "peer_tunnel_id", "6", "encap", "ip",
            "local", "198.51.100.1", "remote", "198.51.100.2",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        var a = L2TPAttributes()
        a.connID = 5
        a.peerConnID = 6
        a.encapType = EncapType.ip.rawValue
        a.ipSaddr = IPAddress("198.51.100.1")
        a.ipDaddr = IPAddress("198.51.100.2")
        expectSame(l2tp) { IPRouteRequest.tunnelCreate(a, familyID: family, sequence: $0) }
    }

    @Test("add session with name, cookies, seq both and l2spec_type none")
    func addSession() throws {
        let (_, l2tp, run) = try capture([
            "add", "session", "name", "l2tpeth7", "tunnel_id", "1", "session_id", "10",
            "peer_session_id", "20", "cookie", "01020304", "peer_cookie", "0a0b0c0d0e0f1011",
            "seq", "both", "l2spec_type", "none",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        var a = L2TPAttributes()
        a.connID = 1
        a.sessionID = 10
        a.peerSessionID = 20
        a.cookie = [1, 2, 3, 4]
        a.peerCookie = [0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11]
        a.ifname = "l2tpeth7"
        a.recvSeq = 1
        a.sendSeq = 1
        a.l2specType = L2SpecType.none.rawValue
        expectSame(l2tp) { IPRouteRequest.sessionCreate(a, familyID: family, sequence: $0) }
    }

    @Test("add session with iproute2's defaults")
    func addSessionDefaults() throws {
        let (_, l2tp, run) = try capture([
            "add", "session", "tunnel_id", "7", "session_id", "8", "peer_session_id", "9",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        var a = L2TPAttributes()
        a.connID = 7
        a.sessionID = 8
        a.peerSessionID = 9
        expectSame(l2tp) { IPRouteRequest.sessionCreate(a, familyID: family, sequence: $0) }
    }

    @Test("del tunnel")
    func deleteTunnel() throws {
        let (_, l2tp, run) = try capture(["del", "tunnel", "tunnel_id", "1"])
        #expect(run.status == 0, "\(run.stderr)")
        expectSame(l2tp) { IPRouteRequest.tunnelDelete(tunnelID: 1, familyID: family, sequence: $0) }
    }

    @Test("del session")
    func deleteSession() throws {
        let (_, l2tp, run) = try capture(["del", "session", "tunnel_id", "1", "session_id", "10"])
        #expect(run.status == 0, "\(run.stderr)")
        expectSame(l2tp) {
            IPRouteRequest.sessionDelete(tunnelID: 1, sessionID: 10, familyID: family, sequence: $0)
        }
    }

    @Test("show tunnel, with and without tunnel_id")
    func showTunnel() throws {
        let all = try capture(["show", "tunnel"])
        #expect(all.run.status == 0, "\(all.run.stderr)")
        expectSame(all.l2tp) { IPRouteRequest.tunnelDump(tunnelID: nil, familyID: family, sequence: $0) }
        let one = try capture(["show", "tunnel", "tunnel_id", "4000000000"])
        #expect(one.run.status == 0, "\(one.run.stderr)")
        expectSame(one.l2tp) { IPRouteRequest.tunnelDump(tunnelID: 4_000_000_000, familyID: family, sequence: $0) }
    }

    @Test("show session, with both ids, one id and none")
    func showSession() throws {
        let all = try capture(["show", "session"])
        #expect(all.run.status == 0, "\(all.run.stderr)")
        expectSame(all.l2tp) {
            IPRouteRequest.sessionDump(tunnelID: nil, sessionID: nil, familyID: family, sequence: $0)
        }
        let both = try capture(["show", "session", "tunnel_id", "1", "session_id", "10"])
        #expect(both.run.status == 0, "\(both.run.stderr)")
        expectSame(both.l2tp) {
            IPRouteRequest.sessionDump(tunnelID: 1, sessionID: 10, familyID: family, sequence: $0)
        }
        let tunnelOnly = try capture(["show", "session", "tunnel_id", "1"])
        expectSame(tunnelOnly.l2tp) {
            IPRouteRequest.sessionDump(tunnelID: 1, sessionID: nil, familyID: family, sequence: $0)
        }
    }

    @Test("ip prints our NLMSG_ERROR extack message and exits 2")
    func errorWithExtack() throws {
        // The reply template answers the delete; the shim patches in the live seq and echoed header.
        let request = IPRouteRequest.tunnelDelete(tunnelID: 9, familyID: family, sequence: 0)
        let error = NetlinkError(ENODEV, "L2TP_ATTR_CONN_ID: no tunnel with id 9", attributeOffset: 20)
        let reply = NetlinkAck.encode(answering: request, error: error, portID: PreloadShim.fakePortID)
        let (_, l2tp, run) = try capture(["del", "tunnel", "tunnel_id", "9"], l2tpReply: reply)
        expectSame(l2tp) { IPRouteRequest.tunnelDelete(tunnelID: 9, familyID: family, sequence: $0) }
        #expect(run.status == 2)
        #expect(run.stderr == "Error: L2TP_ATTR_CONN_ID: no tunnel with id 9.\n")
    }

    @Test("ip prints strerror for an error without extack")
    func errorWithoutExtack() throws {
        let request = IPRouteRequest.tunnelDelete(tunnelID: 9, familyID: family, sequence: 0)
        let reply = NetlinkAck.encode(answering: request, error: NetlinkError(ENODEV), portID: PreloadShim.fakePortID)
        let (_, _, run) = try capture(["del", "tunnel", "tunnel_id", "9"], l2tpReply: reply)
        #expect(run.status == 2)
        #expect(run.stderr == "RTNETLINK answers: No such device\n")
    }
}
