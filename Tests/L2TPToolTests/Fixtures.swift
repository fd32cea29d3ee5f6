// SPDX-License-Identifier: GPL-2.0-only
// Reply attributes for the tunnels and sessions the golden tests print, as the kernel would send them.

import L2TPNetlink
import L2TPWire

/// Canned objects for dump replies.
enum Fixture {
    /// The tunnel of the kernel's l2tp documentation: tunnel 42, peer 45, UDP/IPv4
    /// 192.168.1.1:5000 -> 192.168.1.2:5001, checksums off.
    static var udp4Tunnel: L2TPAttributes {
        var a = L2TPAttributes()
        a.connID = 42
        a.peerConnID = 45
        a.protoVersion = 3
        a.encapType = EncapType.udp.rawValue
        a.debug = 0
        a.udpSport = 5000
        a.udpDport = 5001
        a.udpCsum = 0
        a.ipSaddr = IPAddress("192.168.1.1")
        a.ipDaddr = IPAddress("192.168.1.2")
        a.stats = L2TPStats()
        return a
    }

    /// A UDP/IPv6 tunnel 7 -> 8, 2001:db8::1:1701 -> 2001:db8::2:1702, with the given checksums.
    static func udp6Tunnel(tx: Bool, rx: Bool) -> L2TPAttributes {
        var a = L2TPAttributes()
        a.connID = 7
        a.peerConnID = 8
        a.protoVersion = 3
        a.encapType = EncapType.udp.rawValue
        a.debug = 0
        a.udpSport = 1701
        a.udpDport = 1702
        a.udpZeroCsum6Tx = !tx
        a.udpZeroCsum6Rx = !rx
        a.ip6Saddr = IPAddress("2001:db8::1")
        a.ip6Daddr = IPAddress("2001:db8::2")
        a.stats = L2TPStats()
        return a
    }

    /// An L2TP/IP tunnel 1 -> 2, 10.0.0.1 -> 10.0.0.2.
    static var ipTunnel: L2TPAttributes {
        var a = L2TPAttributes()
        a.connID = 1
        a.peerConnID = 2
        a.protoVersion = 3
        a.encapType = EncapType.ip.rawValue
        a.debug = 0
        a.ipSaddr = IPAddress("10.0.0.1")
        a.ipDaddr = IPAddress("10.0.0.2")
        a.stats = L2TPStats()
        return a
    }

    /// A session of tunnel 42 (peer tunnel 45). Sequencing flags are always sent, as the kernel does.
    static func session(
        _ id: UInt32, peer: UInt32, ifname: String? = nil, cookie: [UInt8]? = nil,
        peerCookie: [UInt8]? = nil, send: Bool = false, recv: Bool = false, reorderTimeout: UInt64? = nil
    ) -> L2TPAttributes {
        var a = L2TPAttributes()
        a.connID = 42
        a.sessionID = id
        a.peerConnID = 45
        a.peerSessionID = peer
        a.debug = 0
        a.pwType = PseudowireType.eth.rawValue
        a.ifname = ifname
        a.cookie = cookie
        a.peerCookie = peerCookie
        a.recvSeq = recv ? 1 : 0
        a.sendSeq = send ? 1 : 0
        a.lnsMode = 0
        a.recvTimeout = reorderTimeout
        a.stats = L2TPStats()
        return a
    }

    /// Distinct counter values, so a swapped field shows.
    static var counters: L2TPStats {
        var s = L2TPStats()
        s.txPackets = 20
        s.txBytes = 2000
        s.txErrors = 6
        s.rxPackets = 10
        s.rxBytes = 1000
        s.rxSeqDiscards = 2
        s.rxOOSPackets = 3
        s.rxErrors = 1
        s.rxCookieDiscards = 4
        s.rxInvalid = 5
        return s
    }

    /// A daemon whose dumps return these objects.
    static func daemon(tunnels: [L2TPAttributes] = [], sessions: [L2TPAttributes] = []) -> FakeDaemon {
        let d = FakeDaemon()
        d.tunnels = tunnels
        d.sessions = sessions
        return d
    }
}
