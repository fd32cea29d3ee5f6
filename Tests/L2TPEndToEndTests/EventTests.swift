// SPDX-License-Identifier: GPL-2.0-only
// Notifications to the `l2tp` multicast group, seen by `l2tp monitor` subscribers: create, modify and
// delete of tunnels and sessions, in order, with the full object, as the kernel announces them.

import Foundation
import Testing

/// `l2tp [-j] monitor` running in the background, its output collected in a file.
final class Monitor {
    let process = Process()
    let output: String

    init(_ h: Host, json: Bool) throws {
        output = NSTemporaryDirectory() + "l2tpd-monitor-\(h.namespace)-\(json ? "json" : "text").out"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = ["netns", "exec", h.namespace, Binaries.l2tp, "--socket", h.socketPath]
            + (json ? ["-j"] : []) + ["monitor"]
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardError = FileHandle.nullDevice
        try process.runUnblocked()
        usleep(300_000)  // subscribed before the test starts changing things
    }

    var text: String { (try? String(contentsOfFile: output, encoding: .utf8)) ?? "" }

    /// Waits until `count` lines matching `filter` have arrived.
    func lines(atLeast count: Int, where filter: (Substring) -> Bool = { _ in true }) -> [Substring] {
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            let l = text.split(separator: "\n").filter(filter)
            if l.count >= count { return l }
            usleep(20_000)
        }
        return text.split(separator: "\n").filter(filter)
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: output)
    }
}

@Suite("Events", .serialized, .timeLimit(.minutes(2)))
struct EventTests {
    /// Sends TUNNEL_MODIFY and SESSION_MODIFY (which the l2tp CLI, like ip l2tp, does not offer).
    private func modify(_ h: Host, tunnel: UInt32, session: UInt32) throws {
        let script = #"""
            import socket, struct, sys
            path, tid, sid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.connect(path)
            def attr(t, d):
                n = 4 + len(d); return struct.pack("=HH", n, t) + d + b"\0" * ((4 - n % 4) % 4)
            def send(cmd, attrs, seq):
                p = struct.pack("=BBH", cmd, 1, 0) + b"".join(attrs)
                s.send(struct.pack("=IHHII", 16 + len(p), 0x6c32, 5, seq, 0) + p)
                r = s.recv(4096)
                assert struct.unpack("=i", r[16:20])[0] == 0, r.hex()
            send(3, [attr(9, struct.pack("=I", tid)), attr(17, struct.pack("=I", 1))], 1)          # TUNNEL_MODIFY debug 1
            send(7, [attr(9, struct.pack("=I", tid)), attr(11, struct.pack("=I", sid)), attr(19, b"\1"),
                     attr(22, struct.pack("=Q", 250))], 2)                                            # SESSION_MODIFY
            """#
        let file = NSTemporaryDirectory() + "l2tpd-modify.py"
        try script.write(toFile: file, atomically: true, encoding: .utf8)
        try h.check(["/usr/bin/python3", file, h.socketPath, "\(tunnel)", "\(session)"])
    }

    @Test("Create, modify and delete reach every subscriber in order, with the full object")
    func lifecycle() throws {
        try withTopology { t in
            let json = try Monitor(t.a, json: true)
            let text = try Monitor(t.a, json: false)
            defer {
                json.stop()
                text.stop()
            }
            try t.a.l2tpOK("add tunnel tunnel_id 42 peer_tunnel_id 45 local \(t.a.ipv4) remote \(t.b.ipv4) udp_sport 5000 udp_dport 5001")
            try t.a.l2tpOK("add session name ev0 tunnel_id 42 session_id 128 peer_session_id 129 cookie 01020304")
            try modify(t.a, tunnel: 42, session: 128)
            try t.a.l2tpOK("add session tunnel_id 42 session_id 130 peer_session_id 131")
            try t.a.l2tpOK("del session tunnel_id 42 session_id 130")
            try t.a.l2tpOK("del tunnel tunnel_id 42")  // takes session 128 with it, without a SESSION_DELETE

            let events = json.lines(atLeast: 7)
            let names = events.map { line -> String in
                let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                return "\(o?["event"] ?? "?") \(o?["session_id"] ?? o?["tunnel_id"] ?? "?")"
            }
            #expect(names == ["TUNNEL_CREATE 42", "SESSION_CREATE 128", "TUNNEL_MODIFY 42", "SESSION_MODIFY 128",
                              "SESSION_CREATE 130", "SESSION_DELETE 130", "TUNNEL_DELETE 42"])
            // Full objects: the session's interface and cookie, the modified sequencing and timeout.
            #expect(events[1].contains("\"interface\":\"ev0\"") && events[1].contains("\"cookie\":\"01020304\""))
            #expect(events[3].contains("\"reorder_timeout\":250") && events[3].contains("\"send_seq\":null"))
            #expect(events[6].contains("\"local_port\":5000"), "the deleted tunnel is announced complete")
            // The text monitor saw the same sequence.
            let headings = text.lines(atLeast: 7) { $0.hasPrefix("[") }
            #expect(headings == ["[TUNNEL_CREATE]", "[SESSION_CREATE]", "[TUNNEL_MODIFY]", "[SESSION_MODIFY]",
                                 "[SESSION_CREATE]", "[SESSION_DELETE]", "[TUNNEL_DELETE]"])
            #expect(text.text.contains("[SESSION_CREATE]\nSession 128 in tunnel 42\n  Peer session 129, tunnel 45\n  interface name: ev0\n"))
        }
    }

    @Test("Failed requests and reads announce nothing; another namespace's daemon is separate")
    func quiet() throws {
        try withTopology { t in
            let monitor = try Monitor(t.a, json: true)
            defer { monitor.stop() }
            _ = try t.a.l2tp(["del", "tunnel", "tunnel_id", "9"])  // ENODEV
            try t.a.l2tpOK("show tunnel")
            try t.b.l2tpOK("add tunnel tunnel_id 1 peer_tunnel_id 2 local \(t.b.ipv4) remote \(t.a.ipv4) udp_sport 1701 udp_dport 1701")
            try t.a.l2tpOK("add tunnel tunnel_id 7 peer_tunnel_id 8 local \(t.a.ipv4) remote \(t.b.ipv4) udp_sport 1701 udp_dport 1701")
            let lines = monitor.lines(atLeast: 1)
            #expect(lines.count == 1 && lines[0].contains("\"event\":\"TUNNEL_CREATE\",\"tunnel_id\":7"))
        }
    }
}
