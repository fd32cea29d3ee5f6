// SPDX-License-Identifier: GPL-2.0-only
// Bad input end to end: crafted and random packets on tunnel sockets (UDP and IP), and malformed
// messages on the control socket. Each is a counted drop or an error reply; the daemon stays up and
// a working pseudowire next to it keeps carrying traffic.

import Foundation
import L2TPNetlink
import L2TPSystem
import Testing

/// Sends datagrams built by a Python snippet from inside a namespace (`send(bytes)` is predefined:
/// UDP from `sport` to `dst:dport`, or raw IP protocol 115 to `dst` when `dport` is 0).
func craft(_ h: Host, dst: String, sport: Int, dport: Int, _ body: String) throws {
    let script = """
        import os, random, socket, struct
        random.seed(1)
        if \(dport) == 0:
            s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 115)
            def send(b): s.sendto(b, ("\(dst)", 0))
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("0.0.0.0", \(sport)))
            def send(b): s.sendto(b, ("\(dst)", \(dport)))
        def v3(sid, cookie=b"", l2spec=b"\\0\\0\\0\\0", ver=3, payload=b""):
            hdr = struct.pack("!HHI", ver, 0, sid) if \(dport) != 0 else struct.pack("!I", sid)
            return hdr + cookie + l2spec + payload
        frame = bytes.fromhex("ffffffffffff02000000000108004500")
        \(body)
        """
    try h.check(["/usr/bin/python3", "-c", script])
}

/// Counters of one tunnel from `l2tp -s -j show tunnel`.
func tunnelStats(_ h: Host, _ id: UInt32) throws -> [String: UInt64] {
    let r = try h.l2tpOK("-s -j show tunnel")
    let objects = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]] ?? []
    let o = objects.first { ($0["tunnel_id"] as? NSNumber)?.uint32Value == id }
    return (o?["stats"] as? [String: Any] ?? [:]).compactMapValues { ($0 as? NSNumber)?.uint64Value }
}

/// A number that follows `key` on a `l2tp debug dump` line containing `context`.
func dumpValue(_ h: Host, _ context: String, _ key: String) throws -> UInt64? {
    let text = try h.l2tpOK("debug dump").stdout
    for line in text.split(separator: "\n") where line.contains(context) {
        let words = line.split(separator: " ")
        if let i = words.firstIndex(of: Substring(key)), i + 1 < words.count { return UInt64(words[i + 1]) }
    }
    return nil
}

@Suite("Bad input", .serialized, .timeLimit(.minutes(3)))
struct BadInputTests {
    @Test("Crafted and random UDP datagrams are counted drops; other tunnels keep working")
    func udpGarbage() throws {
        try withTopology { t in
            let pw = Pseudowire()
            try pw.setUp(t)
            try expectConnectivity(t.a, pw.innerB)
            // A second tunnel on A only; B's address and port 6001 play its peer from Python.
            try t.a.l2tpOK("add tunnel tunnel_id 7 peer_tunnel_id 8 local \(t.a.ipv4) remote \(t.b.ipv4) udp_sport 6000 udp_dport 6001")
            try t.a.l2tpOK("add session name victim tunnel_id 7 session_id 77 peer_session_id 78 peer_cookie aabbccdd")
            try t.a.check(["ip", "link", "set", "victim", "up"])
            // Random garbage first: whatever it is, it must not crash anything.
            try craft(t.b, dst: t.a.ipv4, sport: 6001, dport: 6000, """
                for n in range(300): send(os.urandom(random.randrange(0, 120)))
                """)
            usleep(200_000)
            let tunnel0 = try tunnelStats(t.a, 7)
            let session0 = try sessionStats(t.a)[77] ?? [:]
            let control0 = try dumpValue(t.a, "DATAPATH", "control_without_owner") ?? 0
            let unknown0 = try dumpValue(t.a, "DATAPATH", "unknown_session") ?? 0
            let dropped0 = try dumpValue(t.a, "device victim", "rx_dropped") ?? 0
            // Then one packet of each kind, each with a known verdict.
            try craft(t.b, dst: t.a.ipv4, sport: 6001, dport: 6000, """
                good = b"\\xaa\\xbb\\xcc\\xdd"
                send(v3(77, ver=4, cookie=good, payload=frame))                   # version mismatch
                send(v3(77, cookie=good, l2spec=b"\\0\\0"))                   # 14 bytes: sublayer cut short
                send(v3(77, cookie=good[:2], l2spec=b""))                         # 10 bytes: short, passed up
                send(v3(77, cookie=b"\\x11\\x22\\x33\\x44", payload=frame))  # wrong cookie
                send(struct.pack("!HHII", 0xc803, 20, 7, 0) + b"\\0" * 8)      # control frame (T bit)
                send(v3(999, cookie=good, payload=frame))                         # unknown session
                send(v3(77, cookie=good, payload=frame + bytes(1600)))            # larger than the MTU
                send(v3(77, cookie=good, payload=b"\\x01" * 10))                # shorter than Ethernet
                send(v3(77, cookie=good, payload=frame + bytes(50)))              # good
                """)
            usleep(300_000)
            #expect(t.a.daemonIsRunning)
            let tunnel = try tunnelStats(t.a, 7)
            #expect(tunnel["rx_invalid"]! - tunnel0["rx_invalid"]! == 2, "version mismatch and truncated options")
            let session = try sessionStats(t.a)[77] ?? [:]
            #expect(session["rx_cookie_discards"]! - session0["rx_cookie_discards"]! == 1)
            #expect(session["rx_errors"]! - session0["rx_errors"]! == 1)
            #expect(session["rx_packets"]! - session0["rx_packets"]! == 3, "oversized, runt and good frames reach the device stage")
            #expect(try dumpValue(t.a, "device victim", "rx_dropped")! - dropped0 == 2, "oversized and runt frames")
            #expect(try dumpValue(t.a, "DATAPATH", "control_without_owner")! - control0 == 1)
            #expect(try dumpValue(t.a, "DATAPATH", "unknown_session")! - unknown0 == 1)
            // The first pseudowire is untouched.
            #expect(try ping(t.a, pw.innerB, count: 3) == 3)
            #expect(try sessionStats(t.a)[pw.sessionA]?["rx_errors"] == 0)
        }
    }

    @Test("Crafted and random L2TP/IP packets are counted drops; the daemon stays up")
    func ipGarbage() throws {
        try withTopology { t in
            var pw = Pseudowire()
            pw.encap = "ip"
            try pw.setUp(t)
            try expectConnectivity(t.a, pw.innerB)
            try t.a.l2tpOK("add session name other tunnel_id 42 session_id 300 peer_session_id 301 peer_cookie 01020304")
            // Stop B's daemon so only the crafted packets reach A from B.
            t.b.stopDaemon()
            try craft(t.b, dst: t.a.ipv4, sport: 0, dport: 0, """
                for n in range(300): send(os.urandom(random.randrange(0, 80)))
                send(struct.pack("!I", 0) + bytes(12))                                # session 0 without T/L
                send(struct.pack("!IHHI", 0, 0xc803, 20, 42) + bytes(8))               # control for tunnel 42
                send(v3(12345, payload=frame))                                         # unknown session
                send(v3(300, cookie=b"\\x01\\x02"))                                    # truncated: uncounted over IP
                send(v3(300, cookie=b"\\x09\\x09\\x09\\x09", payload=frame))           # wrong cookie
                """)
            usleep(300_000)
            #expect(t.a.daemonIsRunning)
            #expect(try tunnelStats(t.a, 42)["rx_invalid"] == 0, "the IP form counts no rx_invalid (l2tp_ip_recv)")
            #expect(try sessionStats(t.a)[300]?["rx_cookie_discards"] == 1)
            #expect(try dumpValue(t.a, "DATAPATH", "control_without_owner") == 1)
            #expect((try dumpValue(t.a, "DATAPATH", "unknown_session") ?? 0) >= 1)
            try t.b.startDaemon()
            try t.b.l2tpOK("add tunnel tunnel_id \(pw.tunnelB) peer_tunnel_id \(pw.tunnelA) encap ip local \(t.b.ipv4) remote \(t.a.ipv4)")
            try t.b.l2tpOK("add session name \(pw.nameB) tunnel_id \(pw.tunnelB) session_id \(pw.sessionB) peer_session_id \(pw.sessionA)")
            try t.b.check(["ip", "addr", "add", "\(pw.innerB)/24", "dev", pw.nameB])
            try t.b.check(["ip", "link", "set", pw.nameB, "up"])
            try t.a.check(["ip", "neigh", "flush", "dev", pw.nameA])  // B's new device has a new MAC
            try expectConnectivity(t.a, pw.innerB, "A's pseudowire still works after the garbage")
        }
    }

    @Test("Malformed control messages get NLMSG_ERROR or are dropped; nothing else changes")
    func controlGarbage() throws {
        try withTopology { t in
            let pw = Pseudowire()
            try pw.setUp(t)
            try expectConnectivity(t.a, pw.innerB)
            let before = try t.a.l2tpOK("show session").stdout

            let socket = try UnixSocket.connect(path: t.a.socketPath)
            defer { socket.close() }
            func exchange(_ bytes: [UInt8], wait: Int32 = 300) throws -> [UInt8]? {
                try socket.send(bytes)
                var fds = [pollfd(fd: socket.fd.rawValue, events: Int16(POLLIN), revents: 0)]
                guard poll(&fds, 1, wait) > 0 else { return nil }
                try socket.fd.setNonBlocking()
                defer { try? socket.fd.setNonBlocking(false) }
                guard case .value(let d?) = try socket.receive() else { return nil }
                return d.bytes
            }
            func errno(_ reply: [UInt8]?) -> Int32? {
                guard let reply, let m = try? splitNetlinkMessages(reply).first else { return nil }
                return NetlinkAck.parse(m)?.errno
            }
            func header(type: UInt16, flags: UInt16 = NetlinkFlags.request | NetlinkFlags.ack, length: UInt32? = nil,
                        command: UInt8, _ attrs: [UInt8]) -> [UInt8] {
                var h = NetlinkHeader(length: length ?? UInt32(20 + attrs.count), type: type, flags: flags,
                                      sequence: 77, portID: 0).bytes
                h += [command, 1, 0, 0] + attrs
                return h
            }
            let family = L2TPGenl.familyID
            // Framing errors: nothing to answer.
            #expect(try exchange([]) == nil)
            #expect(try exchange([1, 2, 3]) == nil)
            #expect(try exchange(header(type: family, length: 1000, command: 4, [])) == nil)
            // Errors with a reply.
            #expect(errno(try exchange(header(type: 0x55, command: 1, []))) == ENOENT)
            #expect(errno(try exchange(header(type: family, command: 99, []))) == EOPNOTSUPP)
            #expect(errno(try exchange(header(type: family, command: 1, [6, 0, 9, 0, 1, 0, 0, 0]))) == ERANGE)
            #expect(errno(try exchange(header(type: family, command: 1, []))) == EINVAL, "missing CONN_ID")
            #expect(errno(try exchange(header(type: family, command: 5, [8, 0, 9, 0, 42, 0, 0, 0]))) == EINVAL)
            let longName: [UInt8] = [24, 0, 8, 0] + Array("abcdefghijklmnopqrst".utf8)
            #expect(errno(try exchange(header(type: family, command: 6, longName))) == EINVAL)
            let lyingNest: [UInt8] = [12, 0, 30, 0, 200, 0, 1, 0, 0, 0, 0, 0]
            #expect(errno(try exchange(header(type: family, command: 8, lyingNest))) == ENODEV)
            #expect(try exchange(header(type: family, flags: 0, command: 8, [])) == nil, "not a request")
            // A thousand random datagrams.
            var rng = SystemRandomNumberGenerator()
            for _ in 0..<1000 {
                let n = Int.random(in: 0...200, using: &rng)
                var junk = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
                if n >= 20 && Bool.random() {
                    junk.replaceSubrange(0..<6, with: header(type: family, command: 1, [])[0..<6])
                }
                _ = try? exchange(junk, wait: 0)
            }
            #expect(t.a.daemonIsRunning)
            #expect(try t.a.l2tpOK("show session").stdout == before)
            #expect(try ping(t.a, pw.innerB, count: 2) == 2)
        }
    }

    @Test("CLI mistakes and daemon refusals get iproute2's wording and a non-zero exit")
    func cliErrors() throws {
        try withTopology { t in
            let pw = Pseudowire()
            try pw.addTunnels(t)
            let dup = try t.a.l2tp(["add", "tunnel", "tunnel_id", "42", "peer_tunnel_id", "45", "local", t.a.ipv4,
                                    "remote", t.b.ipv4, "udp_sport", "5002", "udp_dport", "5001"])
            #expect(dup.status == 2)
            #expect(dup.stderr == "Error: tunnel 42 already exists.\n")
            let port = try t.a.l2tp(["add", "tunnel", "tunnel_id", "43", "peer_tunnel_id", "45", "local", t.a.ipv4,
                                     "remote", t.b.ipv4, "udp_sport", "5000", "udp_dport", "5001"])
            #expect(port.status == 2)
            #expect(port.stderr.contains("Address already in use"))
            let missing = try t.a.l2tp(["add", "session", "tunnel_id", "42", "session_id", "1"])
            #expect(missing.status == 255)
            #expect(missing.stderr == "Error: argument \"peer_session_id\" is required\n")
            let nodev = try t.a.l2tp(["del", "session", "tunnel_id", "42", "session_id", "9"])
            #expect(nodev.status == 2)
            #expect(nodev.stderr == "Error: session 9 does not exist in tunnel 42.\n")
            let badID = try t.a.l2tp(["show", "tunnel", "tunnel_id", "x"])
            #expect(badID.status == 255)
            #expect(badID.stderr == "Error: argument \"x\" is wrong: invalid ID\n\n")
            let down = try Command.run([Binaries.l2tp, "--socket", "/nonexistent/l2tpd.sock", "show", "tunnel"])
            #expect(down.status == 1)
            #expect(down.stderr == "Error: cannot reach l2tpd at /nonexistent/l2tpd.sock: No such file or directory\n")
        }
    }
}
