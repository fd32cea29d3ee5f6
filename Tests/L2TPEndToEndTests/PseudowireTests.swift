// SPDX-License-Identifier: GPL-2.0-only
// End-to-end tests of static L2TPv3 Ethernet pseudowires between two namespaces, each with its own
// l2tpd, configured with the l2tp CLI: traffic, encapsulations, cookies, sublayer, sequencing,
// fragmentation, several tunnels, and device lifetimes.

import Foundation
import Testing

/// Configures the same pseudowire on both hosts, mirrored, and brings l2tpeth up with addresses.
struct Pseudowire {
    var tunnelA: UInt32 = 42
    var tunnelB: UInt32 = 45
    var sessionA: UInt32 = 128
    var sessionB: UInt32 = 5_196_755
    var encap = "udp"
    var ipv6 = false
    var portA: UInt16 = 5000
    var portB: UInt16 = 5001
    /// Extra words for `add session` on A and on B.
    var sessionOptionsA = ""
    var sessionOptionsB = ""
    var nameA = "l2tpeth0"
    var nameB = "l2tpeth0"
    /// Inner addresses on the pseudowire.
    var innerA = "172.31.0.1"
    var innerB = "172.31.0.2"
    /// IPv6 on the pseudowire devices. Off, they send nothing of their own (no DAD, router or
    /// multicast-listener traffic), so packet counts compare exactly.
    var innerIPv6 = true

    func addTunnels(_ t: Topology) throws {
        try addTunnel(on: t.a, local: ipv6 ? t.a.ipv6 : t.a.ipv4, remote: ipv6 ? t.b.ipv6 : t.b.ipv4,
                      tid: tunnelA, ptid: tunnelB, sport: portA, dport: portB)
        try addTunnel(on: t.b, local: ipv6 ? t.b.ipv6 : t.b.ipv4, remote: ipv6 ? t.a.ipv6 : t.a.ipv4,
                      tid: tunnelB, ptid: tunnelA, sport: portB, dport: portA)
    }

    private func addTunnel(on h: Host, local: String, remote: String, tid: UInt32, ptid: UInt32, sport: UInt16, dport: UInt16) throws {
        var cmd = "add tunnel tunnel_id \(tid) peer_tunnel_id \(ptid) encap \(encap) local \(local) remote \(remote)"
        if encap == "udp" { cmd += " udp_sport \(sport) udp_dport \(dport)" }
        try h.l2tpOK(cmd)
    }

    func addSessions(_ t: Topology) throws {
        try t.a.l2tpOK("add session name \(nameA) tunnel_id \(tunnelA) session_id \(sessionA) peer_session_id \(sessionB) \(sessionOptionsA)")
        try t.b.l2tpOK("add session name \(nameB) tunnel_id \(tunnelB) session_id \(sessionB) peer_session_id \(sessionA) \(sessionOptionsB)")
    }

    func bringUp(_ t: Topology, mtu: Int? = nil) throws {
        for (h, name, addr) in [(t.a, nameA, innerA), (t.b, nameB, innerB)] {
            if let mtu { try h.check(["ip", "link", "set", name, "mtu", "\(mtu)"]) }
            if !innerIPv6 { try h.check(["sysctl", "-qw", "net.ipv6.conf.\(name).disable_ipv6=1"]) }
            try h.check(["ip", "addr", "add", "\(addr)/24", "dev", name])
            try h.check(["ip", "link", "set", name, "up"])
        }
    }

    func setUp(_ t: Topology, mtu: Int? = nil) throws {
        try addTunnels(t)
        try addSessions(t)
        try bringUp(t, mtu: mtu)
    }
}

/// Pings `target` from `h`; returns the number of replies received.
@discardableResult
func ping(_ h: Host, _ target: String, count: Int = 3, size: Int? = nil, timeout: Int = 2) throws -> Int {
    var argv = ["ping", "-c", "\(count)", "-i", "0.2", "-W", "\(timeout)"]
    if let size { argv += ["-s", "\(size)"] }
    let r = try h.run(argv + [target], timeout: Double(count * (timeout + 1) + 5))
    let line = r.stdout.split(separator: "\n").first { $0.contains("received") } ?? ""
    let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    return fields.first { $0.hasSuffix("received") }.flatMap { Int($0.split(separator: " ")[0]) } ?? 0
}

/// Session counters from `l2tp -s -j show session`, by session id.
func sessionStats(_ h: Host) throws -> [UInt32: [String: UInt64]] {
    let r = try h.l2tpOK("-s -j show session")
    let objects = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]] ?? []
    var result: [UInt32: [String: UInt64]] = [:]
    for o in objects {
        guard let id = (o["session_id"] as? NSNumber)?.uint32Value, let s = o["stats"] as? [String: Any] else { continue }
        result[id] = s.compactMapValues { ($0 as? NSNumber)?.uint64Value }
    }
    return result
}

/// Both ends' counters for one pseudowire, read once the link is quiet: each side's tx equals the
/// other side's rx (an IPv6 router solicitation may still be in flight when the first read happens),
/// or the last reading after two seconds, for the caller's expectations to report.
func quietSessionStats(_ a: Host, _ sessionA: UInt32, _ b: Host, _ sessionB: UInt32)
    throws -> (a: [String: UInt64], b: [String: UInt64])
{
    let deadline = Date().addingTimeInterval(2)
    while true {
        let sa = try sessionStats(a)[sessionA] ?? [:]
        let sb = try sessionStats(b)[sessionB] ?? [:]
        if (sa["tx_packets"] == sb["rx_packets"] && sb["tx_packets"] == sa["rx_packets"]) || Date() > deadline {
            return (sa, sb)
        }
        usleep(50_000)
    }
}

/// Waits until pings get through (ARP and the first packets may take a moment).
func expectConnectivity(_ h: Host, _ target: String, _ comment: Comment? = nil) throws {
    var replies = 0
    for _ in 0..<3 {
        replies = try ping(h, target, count: 3)
        if replies > 0 { break }
    }
    #expect(replies > 0, comment ?? "no echo replies from \(target)")
}

@Suite("Pseudowires end to end", .serialized, .timeLimit(.minutes(3)))
struct PseudowireTests {
    @Test("The kernel document's Host1/Host2 example over UDP/IPv4")
    func udp4KernelExample() throws {
        try withTopology { t in
            let pw = Pseudowire()
            try pw.setUp(t)
            try expectConnectivity(t.a, pw.innerB)
            #expect(try ping(t.b, pw.innerA, count: 5) == 5)
            // Consistent stats: what A sent is what B received (packets and bytes), once quiet.
            let (a, b) = try quietSessionStats(t.a, pw.sessionA, t.b, pw.sessionB)
            #expect((a["tx_packets"] ?? 0) > 0)
            #expect(a["tx_packets"] == b["rx_packets"])
            #expect(a["tx_bytes"] == b["rx_bytes"])
            #expect(b["tx_packets"] == a["rx_packets"])
            #expect(a["rx_errors"] == 0 && b["rx_errors"] == 0)
        }
    }

    @Test("UDP over IPv6")
    func udp6() throws {
        try withTopology { t in
            var pw = Pseudowire()
            pw.ipv6 = true
            try pw.setUp(t)
            try expectConnectivity(t.a, pw.innerB)
            let show = try t.a.l2tpOK("show tunnel").stdout
            #expect(show.contains("From \(t.a.ipv6) to \(t.b.ipv6)"))
            #expect(show.contains("UDP checksum: enabled"))
        }
    }

    @Test("L2TPv3 over IP (protocol 115) on IPv4 and IPv6", arguments: [false, true])
    func ipEncap(ipv6: Bool) throws {
        try withTopology { t in
            var pw = Pseudowire()
            pw.encap = "ip"
            pw.ipv6 = ipv6
            try pw.setUp(t)
            try expectConnectivity(t.a, pw.innerB)
            #expect(try ping(t.b, pw.innerA, count: 3) == 3)
            // The kernel's MTU rule: 1500 - (IP + L2TP session header and sublayer + Ethernet).
            let mtu = try t.a.check(["cat", "/sys/class/net/\(pw.nameA)/mtu"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(mtu == (ipv6 ? "1438" : "1458"))
        }
    }

    @Test("Cookies of 4 and 8 bytes carry traffic", arguments: ["01020304", "0102030405060708"])
    func cookies(cookie: String) throws {
        try withTopology { t in
            var pw = Pseudowire()
            let other = String(cookie.reversed())
            pw.sessionOptionsA = "cookie \(cookie) peer_cookie \(other)"
            pw.sessionOptionsB = "cookie \(other) peer_cookie \(cookie)"
            try pw.setUp(t)
            try expectConnectivity(t.a, pw.innerB)
            let shown = try t.a.l2tpOK("show session").stdout
            #expect(shown.contains("  cookie \(cookie)  peer cookie \(other)"))
        }
    }

    @Test("A cookie mismatch carries no traffic and counts rx_cookie_discards")
    func cookieMismatch() throws {
        try withTopology { t in
            var pw = Pseudowire()
            pw.sessionOptionsA = "cookie 11111111 peer_cookie 22222222"
            pw.sessionOptionsB = "cookie 33333333 peer_cookie 11111111"  // A expects 22222222, B sends 33333333
            try pw.setUp(t)
            #expect(try ping(t.a, pw.innerB, count: 3, timeout: 1) == 0)
            let a = try sessionStats(t.a)[pw.sessionA] ?? [:]
            let b = try sessionStats(t.b)[pw.sessionB] ?? [:]
            #expect((a["rx_cookie_discards"] ?? 0) > 0, "A drops B's packets: wrong cookie")
            #expect(a["rx_errors"] == a["rx_cookie_discards"])
            #expect(a["rx_packets"] == 0)
            #expect(b["rx_cookie_discards"] == 0, "B accepts A's cookie")
        }
    }

    @Test("L2-Specific Sublayer none and default", arguments: ["none", "default"])
    func l2spec(type: String) throws {
        try withTopology { t in
            var pw = Pseudowire()
            pw.sessionOptionsA = "l2spec_type \(type)"
            pw.sessionOptionsB = "l2spec_type \(type)"
            try pw.setUp(t)
            try expectConnectivity(t.a, pw.innerB)
            let mtu = try t.a.check(["cat", "/sys/class/net/\(pw.nameA)/mtu"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(mtu == (type == "none" ? "1450" : "1446"))
        }
    }

    @Test("Sequence numbers in both directions")
    func sequencing() throws {
        try withTopology { t in
            var pw = Pseudowire()
            pw.sessionOptionsA = "seq both"
            pw.sessionOptionsB = "seq both"
            pw.innerIPv6 = false  // tx on A and rx on B are compared: no traffic of the devices' own
            try pw.setUp(t)
            try expectConnectivity(t.a, pw.innerB)
            #expect(try ping(t.a, pw.innerB, count: 10) == 10)
            let shown = try t.a.l2tpOK("show session").stdout
            #expect(shown.contains("  sequence numbering: send recv"))
            let a = try sessionStats(t.a)[pw.sessionA] ?? [:]
            let b = try sessionStats(t.b)[pw.sessionB] ?? [:]
            #expect(a["rx_seq_discards"] == 0 && b["rx_seq_discards"] == 0)
            #expect(a["rx_oos_packets"] == 0 && a["rx_errors"] == 0)
            #expect(a["tx_packets"] == b["rx_packets"])
        }
    }

    @Test("A 1600-byte ping crosses with fragmented outer packets")
    func fragmentation() throws {
        try withTopology { t in
            let pw = Pseudowire()
            // A 1500-byte pseudowire MTU over a 1500-byte path: full-size frames need outer fragmentation.
            try pw.setUp(t, mtu: 1500)
            try expectConnectivity(t.a, pw.innerB)
            #expect(try ping(t.a, pw.innerB, count: 3, size: 1600) == 3)
            #expect(try ping(t.b, pw.innerA, count: 3, size: 1472) == 3)
        }
    }

    @Test("Two tunnels with three sessions each")
    func severalTunnels() throws {
        try withTopology { t in
            for k in 0..<2 {
                var pw = Pseudowire()
                pw.tunnelA = UInt32(100 + k)
                pw.tunnelB = UInt32(200 + k)
                pw.portA = UInt16(6000 + k)
                pw.portB = UInt16(7000 + k)
                try pw.addTunnels(t)
                for s in 0..<3 {
                    var ses = pw
                    ses.sessionA = UInt32(1000 + 10 * k + s)
                    ses.sessionB = UInt32(2000 + 10 * k + s)
                    ses.nameA = "pwa\(k)\(s)"
                    ses.nameB = "pwb\(k)\(s)"
                    ses.innerA = "172.\(20 + k).\(s).1"
                    ses.innerB = "172.\(20 + k).\(s).2"
                    try ses.addSessions(t)
                    try ses.bringUp(t)
                }
            }
            for k in 0..<2 {
                for s in 0..<3 { try expectConnectivity(t.a, "172.\(20 + k).\(s).2", "tunnel \(k) session \(s)") }
            }
            let sessions = try t.a.l2tpOK("show session").stdout
            #expect(sessions.components(separatedBy: "Session ").count - 1 == 6)
            let tunnels = try t.b.l2tpOK("show tunnel").stdout
            #expect(tunnels.components(separatedBy: "Tunnel ").count - 1 == 2)
        }
    }

    @Test("Deleting a session removes its device; deleting a tunnel removes its sessions")
    func lifetimes() throws {
        try withTopology { t in
            var pw = Pseudowire()
            try pw.addTunnels(t)
            try pw.addSessions(t)
            pw.sessionA = 129
            pw.sessionB = 130
            pw.nameA = "l2tpeth1"
            pw.nameB = "l2tpeth1"
            try pw.addSessions(t)
            #expect(try t.a.links().contains("l2tpeth0"))
            #expect(try t.a.links().contains("l2tpeth1"))
            try t.a.l2tpOK("del session tunnel_id 42 session_id 128")
            #expect(try !t.a.links().contains("l2tpeth0"))
            #expect(try t.a.links().contains("l2tpeth1"))
            #expect(try !t.a.l2tpOK("show session").stdout.contains("Session 128 "))
            try t.a.l2tpOK("del tunnel tunnel_id 42")
            #expect(try !t.a.links().contains("l2tpeth1"))
            #expect(try t.a.l2tpOK("show session").stdout.isEmpty)
            #expect(try t.a.l2tpOK("show tunnel").stdout.isEmpty)
            // The daemon is still healthy and the other side untouched.
            #expect(t.a.daemonIsRunning && t.b.daemonIsRunning)
            #expect(try t.b.links().contains("l2tpeth0"))
        }
    }

    @Test("Default names are l2tpeth%d and the kernel's MTU rule applies (1446 for UDP/IPv4)")
    func defaultNameAndMTU() throws {
        try withTopology { t in
            try t.a.l2tpOK("add tunnel tunnel_id 1 peer_tunnel_id 2 local \(t.a.ipv4) remote \(t.b.ipv4) udp_sport 1701 udp_dport 1701")
            try t.a.l2tpOK("add session tunnel_id 1 session_id 10 peer_session_id 20")
            try t.a.l2tpOK("add session tunnel_id 1 session_id 11 peer_session_id 21")
            let links = try t.a.links()
            #expect(links.contains("l2tpeth0") && links.contains("l2tpeth1"))
            let mtu = try t.a.check(["cat", "/sys/class/net/l2tpeth0/mtu"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(mtu == "1446")
            let mac = try t.a.check(["cat", "/sys/class/net/l2tpeth0/address"]).stdout
            let firstOctet = UInt8(mac.prefix(2), radix: 16) ?? 0
            #expect(firstOctet & 0x02 == 0x02 && firstOctet & 0x01 == 0, "random, locally administered, unicast MAC")
        }
    }
}
