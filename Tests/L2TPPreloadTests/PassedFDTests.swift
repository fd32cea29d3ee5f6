// SPDX-License-Identifier: GPL-2.0-only
// The descriptor the preload library attaches (SCM_RIGHTS) to an `l2tp` TUNNEL_CREATE: L2TP_ATTR_FD's value.

import L2TPNetlink
import L2TPWire
import Testing

@Suite("TUNNEL_CREATE's L2TP_ATTR_FD: l2tpd_preload_passed_fd_of")
struct PassedFDTests {
    typealias P = PreloadParser
    let fdAttr = L2TPAttr.fd.rawValue

    @Test("a managed tunnel's TUNNEL_CREATE yields the descriptor in L2TP_ATTR_FD", arguments: [0, 3, 7, 1023, 65536])
    func withFD(_ fd: UInt32) {
        #expect(P.passedFD(L2TPRequest.managedTunnelCreate(fd: fd)) == Int32(fd))
    }

    @Test("iproute2's TUNNEL_CREATE (no L2TP_ATTR_FD) yields -1")
    func iproute2TunnelCreate() {
        var a = L2TPAttributes()
        a.connID = 1
        a.peerConnID = 2
        a.ipSaddr = IPAddress("192.0.2.1")
        a.ipDaddr = IPAddress("192.0.2.2")
        a.udpSport = 5000
        a.udpDport = 6000
        let request = IPRouteRequest.tunnelCreate(a, familyID: L2TPGenl.familyID, sequence: 1)
        #expect(P.passedFD(request) == -1)
    }

    @Test("L2TP_ATTR_FD is found anywhere among the attributes, with its type flags masked")
    func position() {
        let fd = Bytes.attribute(fdAttr, Bytes.u32(9))
        let connID = Bytes.attribute(L2TPAttr.connID.rawValue, Bytes.u32(10))
        let version = Bytes.attribute(L2TPAttr.protoVersion.rawValue, [3])
        #expect(P.passedFD(L2TPRequest.custom(fd)) == 9)
        #expect(P.passedFD(L2TPRequest.custom(fd + connID + version)) == 9)
        #expect(P.passedFD(L2TPRequest.custom(connID + version + fd)) == 9)
        #expect(P.passedFD(L2TPRequest.custom(Bytes.attribute(fdAttr | 0x8000, Bytes.u32(9)))) == 9)
        // The first one counts.
        #expect(P.passedFD(L2TPRequest.custom(fd + Bytes.attribute(fdAttr, Bytes.u32(4)))) == 9)
    }

    @Test("an L2TP_ATTR_FD shorter than a u32 is not a descriptor")
    func truncatedFD() {
        #expect(P.passedFD(L2TPRequest.custom(Bytes.attribute(fdAttr, [9, 0]))) == -1)
        #expect(P.passedFD(L2TPRequest.custom(Bytes.attribute(fdAttr, Bytes.u32(9), length: 7))) == -1)
        #expect(P.passedFD(L2TPRequest.custom(Bytes.attribute(fdAttr, []))) == -1)
    }

    @Test("an L2TP_ATTR_FD past nlmsg_len or behind a malformed attribute is not seen")
    func malformed() {
        let request = L2TPRequest.managedTunnelCreate(fd: 9)  // FD is the last attribute (8 bytes)
        #expect(P.passedFD(request, length: request.count - 1) == -1)
        #expect(P.passedFD(request, length: request.count - 4) == -1)
        #expect(P.passedFD(L2TPRequest.custom(Bytes.attribute(fdAttr, Bytes.u32(9), length: 12))) == -1)
        let broken = Bytes.u16(2) + Bytes.u16(L2TPAttr.connID.rawValue) + Bytes.u32(10)
        #expect(P.passedFD(L2TPRequest.custom(broken + Bytes.attribute(fdAttr, Bytes.u32(9)))) == -1)
        let overlong = Bytes.attribute(L2TPAttr.connID.rawValue, Bytes.u32(10), length: 100)
        #expect(P.passedFD(L2TPRequest.custom(overlong + Bytes.attribute(fdAttr, Bytes.u32(9)))) == -1)
    }

    @Test("other commands and other families carrying attribute 23 yield -1")
    func otherMessages() {
        for command in L2TPCommand.allCases where command != .tunnelCreate {
            #expect(P.passedFD(L2TPRequest.managedTunnelCreate(fd: 9, command: command)) == -1, "\(command.cName)")
        }
        #expect(P.passedFD(L2TPRequest.managedTunnelCreate(fd: 9, familyID: L2TPDGenl.familyID)) == -1)
        #expect(P.passedFD(L2TPRequest.managedTunnelCreate(fd: 9, familyID: 0x1c)) == -1)
        #expect(P.passedFD(L2TPRequest.managedTunnelCreate(fd: 9, familyID: NetlinkMessageType.genlControl)) == -1)
    }

    @Test("a TUNNEL_CREATE with nlmsg_len of 20 or less (headers only, or shorter) yields -1")
    func shorterThanHeaders() {
        let request = L2TPRequest.managedTunnelCreate(fd: 9)
        for length in 0...20 {
            #expect(P.passedFD(request, length: length) == -1, "nlmsg_len \(length)")
        }
    }
}
