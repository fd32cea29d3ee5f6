// SPDX-License-Identifier: GPL-2.0-only
// TunnelCreateRequest, SessionCreateRequest and SessionModifyRequest: the one reading of TUNNEL_CREATE,
// SESSION_CREATE and SESSION_MODIFY that the control plane acts on and a reload compares with —
// defaults, dropped attributes, and the attributes each renders reading back to the same request.

import Glibc
import L2TPNetlink
import L2TPWire
import Testing

@Suite("Request reading")
struct RequestReadingTests {
    static func tunnel(_ edit: (inout L2TPAttributes) -> Void = { _ in }) -> L2TPAttributes {
        var a = L2TPAttributes()
        a.connID = 42
        a.peerConnID = 45
        a.protoVersion = 3
        a.encapType = EncapType.udp.rawValue
        a.ipSaddr = IPAddress("192.0.2.1")
        a.ipDaddr = IPAddress("192.0.2.2")
        a.udpSport = 5000
        a.udpDport = 5001
        edit(&a)
        return a
    }

    @Test("IPv6 addresses win over IPv4 ones; UDP_CSUM counts by presence and only over IPv4")
    func tunnelNormalisation() throws {
        let v6 = try TunnelCreateRequest(Self.tunnel {
            $0.ip6Saddr = IPAddress("2001:db8::1")
            $0.ip6Daddr = IPAddress("2001:db8::2")
            $0.udpCsum = 0
            $0.udpZeroCsum6Tx = true
        })
        guard case .unmanaged(let r) = v6.socket else { Issue.record("not unmanaged"); return }
        #expect(r.local == IPAddress("2001:db8::1") && r.peer == IPAddress("2001:db8::2"))
        #expect(!r.udpChecksum && r.udp6ZeroChecksumTx && !r.udp6ZeroChecksumRx)
        let csum = try TunnelCreateRequest(Self.tunnel { $0.udpCsum = 0 })
        #expect(csum.socket == .unmanaged(UnmanagedTunnelRequest(
            local: IPAddress("192.0.2.1")!, peer: IPAddress("192.0.2.2")!, localPort: 5000, peerPort: 5001,
            udpChecksum: true, udp6ZeroChecksumTx: false, udp6ZeroChecksumRx: false)))
    }

    @Test("Over IP the ports and checksum options are dropped: two requests that differ only there are equal")
    func ipDropsPorts() throws {
        let a = try TunnelCreateRequest(Self.tunnel { $0.encapType = EncapType.ip.rawValue })
        let b = try TunnelCreateRequest(Self.tunnel {
            $0.encapType = EncapType.ip.rawValue
            $0.udpSport = 1
            $0.udpCsum = 1
        })
        #expect(a == b)
    }

    @Test("Errors in l2tp_nl_cmd_tunnel_create's order and errnos")
    func tunnelErrors() {
        #expect(throws: NetlinkError(EINVAL, "missing L2TP_ATTR_CONN_ID")) { try TunnelCreateRequest(Self.tunnel { $0.connID = nil }) }
        #expect(throws: NetlinkError(EINVAL, "missing L2TP_ATTR_PEER_CONN_ID")) {
            try TunnelCreateRequest(Self.tunnel { $0.peerConnID = nil; $0.protoVersion = nil })
        }
        #expect { try TunnelCreateRequest(Self.tunnel { $0.ipDaddr = nil }) } throws: { ($0 as? NetlinkError)?.errno == EINVAL }
        #expect { try TunnelCreateRequest(Self.tunnel { $0.protoVersion = 2; $0.encapType = 1 }) } throws: {
            ($0 as? NetlinkError)?.errno == EPROTONOSUPPORT
        }
        #expect(throws: Never.self) { try TunnelCreateRequest(Self.tunnel { $0.ipDaddr = nil; $0.fd = 7 }) }
    }

    @Test("A tunnel request renders attributes that read back to the same request", arguments: [
        tunnel(), tunnel { $0.udpCsum = 1; $0.debug = 5 }, tunnel { $0.encapType = 1 },
        tunnel { $0.ip6Saddr = IPAddress("2001:db8::1"); $0.ip6Daddr = IPAddress("2001:db8::2"); $0.udpZeroCsum6Rx = true },
        tunnel { $0.fd = 9 },
    ])
    func tunnelRoundTrip(_ a: L2TPAttributes) throws {
        let r = try TunnelCreateRequest(a)
        #expect(try TunnelCreateRequest(r.attributes) == r)
    }

    static func session(_ edit: (inout L2TPAttributes) -> Void = { _ in }) -> L2TPAttributes {
        var a = L2TPAttributes()
        a.connID = 42
        a.sessionID = 128
        a.peerSessionID = 5196755
        a.pwType = PseudowireType.eth.rawValue
        edit(&a)
        return a
    }

    @Test("Session defaults: the Default L2-Specific Sublayer, empty cookies, sequencing flags by their low bit")
    func sessionDefaults() throws {
        let r = try SessionCreateRequest(Self.session { $0.recvSeq = 2; $0.sendSeq = 3 }, version: .v3)
        #expect(r.l2spec == .default && r.cookie == .none && r.interfaceName == nil)
        #expect(!r.recvSeq && r.sendSeq && !r.lnsMode && r.reorderTimeout == 0 && r.debug == 0)
        // In an L2TPv2 tunnel cookies, the sublayer and the name mean nothing.
        let v2 = try SessionCreateRequest(Self.session {
            $0.pwType = PseudowireType.ppp.rawValue
            $0.cookie = [1, 2]
            $0.ifname = "x"
            $0.l2specType = 1
        }, version: .v2)
        #expect(v2.cookie == .none && v2.l2spec == .none && v2.interfaceName == nil)
        #expect { try SessionCreateRequest(Self.session(), version: .v2) } throws: { ($0 as? NetlinkError)?.errno == EPROTONOSUPPORT }
        #expect { try SessionCreateRequest(Self.session { $0.cookie = Array(repeating: 1, count: 9) }, version: .v3) } throws: {
            ($0 as? NetlinkError)?.errno == EINVAL
        }
    }

    @Test("A session request renders attributes that read back to the same request, in both versions")
    func sessionRoundTrip() throws {
        let cases: [(L2TPAttributes, ProtocolVersion)] = [
            (Self.session(), .v3),
            (Self.session { $0.l2specType = 0; $0.cookie = [1, 2, 3, 4]; $0.peerCookie = [9]; $0.ifname = "pw0" }, .v3),
            (Self.session { $0.recvSeq = 1; $0.lnsMode = 1; $0.recvTimeout = 300; $0.debug = 7 }, .v3),
            (Self.session { $0.pwType = PseudowireType.ppp.rawValue; $0.sendSeq = 1 }, .v2),
        ]
        for (a, version) in cases {
            let r = try SessionCreateRequest(a, version: version)
            #expect(try SessionCreateRequest(r.attributes, version: version) == r)
        }
    }

    @Test("SESSION_MODIFY: only what it carries changes; the difference between two requests is a modify")
    func modify() throws {
        let r = try SessionCreateRequest(Self.session(), version: .v3)
        var m = L2TPAttributes()
        m.sendSeq = 3
        m.recvTimeout = 50
        let modified = r.applying(SessionModifyRequest(m))
        #expect(modified.sendSeq && modified.reorderTimeout == 50 && !modified.recvSeq && modified.debug == 0)
        let back = SessionModifyRequest(from: modified, to: r)
        #expect(back == SessionModifyRequest(sendSeq: false, reorderTimeout: 0))
        #expect(back.attributes.sendSeq == 0 && back.attributes.recvSeq == nil && back.attributes.recvTimeout == 0)
        #expect(SessionModifyRequest(from: r, to: r).isEmpty)
    }
}
