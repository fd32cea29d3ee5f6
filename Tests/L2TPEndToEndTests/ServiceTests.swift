// SPDX-License-Identifier: GPL-2.0-only
// l2tpd as a service: the configuration file at start-up, --check-config, live reload on SIGHUP with
// traffic flowing, the sd_notify protocol on a real $NOTIFY_SOCKET, per-context debug logging, and
// shutdown.

import Foundation
import Glibc
import Testing

/// A Unix datagram socket standing in for systemd's $NOTIFY_SOCKET.
final class NotifySocket {
    let path: String
    private let fd: Int32

    init() throws {
        path = NSTemporaryDirectory() + "l2tpd-notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        unlink(path)
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var sun = sockaddr_un()
        sun.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &sun.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        let r = withUnsafePointer(to: &sun) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard r == 0 else { throw CommandError(description: "cannot bind \(path)") }
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// The next notification within `timeout` seconds, as its assignments.
    func next(timeout: Double = 10) -> [String]? {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, Int32(timeout * 1000)) > 0 else { return nil }
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buf, buf.count, 0)
        guard n > 0 else { return nil }
        return String(decoding: buf[0..<n], as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// Waits for a notification containing `assignment`, skipping others (watchdog pings).
    func waitFor(_ assignment: String, timeout: Double = 10) -> [String]? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard let n = next(timeout: deadline.timeIntervalSinceNow) else { return nil }
            if n.contains(assignment) { return n }
        }
        return nil
    }
}

/// A configuration file in a temporary directory.
struct ConfigFile {
    let path: String

    init(_ name: String, _ text: String) throws {
        path = NSTemporaryDirectory() + "l2tpd-\(name)-\(getpid()).toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    func write(_ text: String) throws { try text.write(toFile: path, atomically: true, encoding: .utf8) }
}

/// The interface index of `name` in the namespace.
func ifindex(_ h: Host, _ name: String) throws -> String {
    try h.check(["cat", "/sys/class/net/\(name)/ifindex"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

@Suite("Running as a service", .serialized, .timeLimit(.minutes(3)))
struct ServiceTests {
    /// Host A's side of a pseudowire to B, with `sessions` extra TOML text.
    private func config(_ t: Topology, sessions: String) -> String {
        """
        [daemon]
        log_level = "info"

        [[tunnel]]
        tunnel_id = 42
        peer_tunnel_id = 45
        local = "\(t.a.ipv4)"
        remote = "\(t.b.ipv4)"
        udp_sport = 5000
        udp_dport = 5001

        \(sessions)
        """
    }

    private func session(_ id: UInt32, name: String, extra: String = "") -> String {
        """
          [[tunnel.session]]
          session_id = \(id)
          peer_session_id = \(id + 1000)
          name = "\(name)"
          \(extra)

        """
    }

    /// B's side, configured with the CLI: sessions id+1000 ⇄ id.
    private func peer(_ t: Topology, sessions: [(UInt32, String, String)]) throws {
        try t.b.l2tpOK("add tunnel tunnel_id 45 peer_tunnel_id 42 local \(t.b.ipv4) remote \(t.a.ipv4) udp_sport 5001 udp_dport 5000")
        for (n, (id, addr, options)) in sessions.enumerated() {
            try t.b.l2tpOK("add session name pb\(n) tunnel_id 45 session_id \(id + 1000) peer_session_id \(id) \(options)")
            try t.b.check(["ip", "addr", "add", "\(addr)/24", "dev", "pb\(n)"])
            try t.b.check(["ip", "link", "set", "pb\(n)", "up"])
        }
    }

    @Test("Start-up applies the file, then READY=1; reload: RELOADING=1 then READY=1; watchdog; STOPPING=1")
    func notifications() throws {
        try withTopology(startDaemons: false) { t in
            try t.b.startDaemon()
            let notify = try NotifySocket()
            let file = try ConfigFile("notify", config(t, sessions: session(1, name: "pwa")))
            try t.a.startDaemon(
                extraArguments: ["--config", file.path],
                environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "200000"], logLevel: nil)
            let ready = notify.waitFor("READY=1")
            #expect(ready?.contains("STATUS=1 tunnels, 1 sessions") == true, "\(ready ?? [])")
            // The tunnel existed when READY=1 was sent.
            #expect(try t.a.l2tpOK("show session").stdout.contains("interface name: pwa"))
            #expect(notify.waitFor("WATCHDOG=1", timeout: 2) != nil, "WATCHDOG=1 every WATCHDOG_USEC/2")

            #expect(!t.a.log.contains(" DEBUG "), "log_level = info from the file")
            try file.write(config(t, sessions: session(1, name: "pwa") + session(2, name: "pwb"))
                .replacingOccurrences(of: "log_level = \"info\"", with: "log_level = \"debug\""))
            t.a.signalDaemon(SIGHUP)
            let reloading = notify.waitFor("RELOADING=1")
            #expect(reloading?.contains { $0.hasPrefix("MONOTONIC_USEC=") } == true)
            let reloaded = notify.waitFor("READY=1")
            #expect(reloaded?.contains("STATUS=Reloaded (1 created, 0 modified, 0 deleted); 1 tunnels, 2 sessions") == true,
                    "\(reloaded ?? [])")
            // The reload changed the log level: a client connecting is now logged at debug.
            try t.a.l2tpOK("show tunnel")
            #expect(t.a.log.contains("log level changed log_level=debug"))
            #expect(t.a.log.contains("DEBUG control client connected"), "\(t.a.log)")

            t.a.signalDaemon(SIGTERM)
            #expect(notify.waitFor("STOPPING=1") != nil)
            #expect(t.a.waitForDaemonExit(timeout: 5)?.status == 0)
        }
    }

    @Test("Reload applies only the difference: the unchanged session loses no packets and keeps its device")
    func reloadWithTraffic() throws {
        try withTopology(startDaemons: false) { t in
            try t.b.startDaemon()
            let steady = session(1, name: "steady")
            let gone = session(2, name: "gone")
            let changed = session(3, name: "changed", extra: "peer_cookie = \"aabbccdd\"")
            let tuned = session(4, name: "tuned")
            let file = try ConfigFile("reload", config(t, sessions: steady + gone + changed + tuned))
            try t.a.startDaemon(extraArguments: ["--config", file.path], logLevel: "info")
            try peer(t, sessions: [(1, "172.40.1.2", ""), (2, "172.40.2.2", ""), (3, "172.40.3.2", "cookie aabbccdd"),
                                   (4, "172.40.4.2", "")])
            for (name, addr) in [("steady", "172.40.1.1"), ("gone", "172.40.2.1"), ("changed", "172.40.3.1"), ("tuned", "172.40.4.1")] {
                try t.a.check(["ip", "addr", "add", "\(addr)/24", "dev", name])
                try t.a.check(["ip", "link", "set", name, "up"])
            }
            // A session created at run time over the control socket: not the file's, never touched.
            try t.a.l2tpOK("add session name runtime tunnel_id 42 session_id 9 peer_session_id 1009")
            try expectConnectivity(t.a, "172.40.1.2")
            let steadyIndex = try ifindex(t.a, "steady")
            let changedIndex = try ifindex(t.a, "changed")
            let tunedIndex = try ifindex(t.a, "tuned")
            let before = try sessionStats(t.a)[1]?["rx_packets"] ?? 0

            // Flood-ping over the steady session while the file changes underneath it.
            let flood = Process()
            flood.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            flood.arguments = ["netns", "exec", t.a.namespace, "ping", "-f", "-c", "8000", "-q", "172.40.1.2"]
            let out = Pipe()
            flood.standardOutput = out
            flood.standardError = FileHandle.nullDevice
            try flood.runUnblocked()
            usleep(800_000)
            try file.write(config(t, sessions: steady + session(3, name: "changed", extra: "peer_cookie = \"01020304\"")
                                  + session(4, name: "tuned", extra: "seq = \"both\"\n  reorder_timeout = 100")
                                  + session(5, name: "added")))
            t.a.signalDaemon(SIGHUP)
            usleep(800_000)
            // A broken file changes nothing.
            try file.write("[[tunnel]]\ntunnel_id = \"forty-two\"\n")
            t.a.signalDaemon(SIGHUP)
            flood.waitUntilExit()
            let summary = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let line = summary.split(separator: "\n").first { $0.contains("packets transmitted") } ?? ""
            let numbers = line.split(separator: ",").map { $0.split(separator: " ").first.flatMap { Int($0) } ?? -1 }
            #expect(numbers.count >= 2 && numbers[0] > 100 && numbers[0] == numbers[1], "flood ping: \(line)")

            #expect(try ifindex(t.a, "steady") == steadyIndex, "unchanged session keeps its device")
            #expect((try sessionStats(t.a)[1]?["rx_packets"] ?? 0) > before, "and its counters")
            #expect(try ifindex(t.a, "tuned") == tunedIndex, "a modifiable change is a SESSION_MODIFY")
            #expect(try t.a.l2tpOK("show session").stdout.contains("  reorder timeout: 100\n  sequence numbering: send recv"))
            #expect(try ifindex(t.a, "changed") != changedIndex, "a peer_cookie change re-creates the session")
            let links = try t.a.links()
            #expect(!links.contains("gone") && links.contains("added") && links.contains("runtime"), "log:\n\(t.a.log)")
            #expect(t.a.log.contains("configuration not reloaded"), "the broken file was reported")
            #expect(t.a.log.contains("reload.toml") || t.a.log.contains(".toml:2"), "with file and line")
            #expect(t.a.daemonIsRunning)
        }
    }

    @Test("--check-config: 0 and a summary for a valid file; 1 and FILE:LINE messages otherwise")
    func checkConfig() throws {
        let good = try ConfigFile("good", """
            [[tunnel]]
            tunnel_id = 1
            peer_tunnel_id = 2
            local = "192.0.2.1"
            remote = "192.0.2.2"
            udp_sport = 1701
            udp_dport = 1701
              [[tunnel.session]]
              session_id = 10
              peer_session_id = 20
            """)
        let ok = try Command.run([Binaries.l2tpd, "--check-config", good.path])
        #expect(ok.status == 0)
        #expect(ok.stdout == "\(good.path): OK (1 tunnels, 1 sessions)\n")
        let bad = try ConfigFile("bad", """
            [[tunnel]]
            tunnel_id = 1
            peer_tunnel_id = 2
            local = "192.0.2.1"
            remote = "not-an-address"
            udp_sport = 1701
            """)
        let r = try Command.run([Binaries.l2tpd, "--check-config", bad.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("\(bad.path):5: remote:"), "\(r.stderr)")
        #expect(r.stderr.contains("udp_dport"), "the missing key is reported too: \(r.stderr)")
    }

    @Test("L2TP_ATTR_DEBUG turns on debug logging for that session only, with the kernel's tracepoint names")
    func perContextDebug() throws {
        try withTopology(startDaemons: false) { t in
            try t.b.startDaemon()
            let file = try ConfigFile("debug", config(t, sessions: session(1, name: "loud", extra: "seq = \"both\"\n  debug = 1")
                                                        + session(2, name: "quiet", extra: "seq = \"both\"")))
            try t.a.startDaemon(extraArguments: ["--config", file.path], logLevel: "info")
            try peer(t, sessions: [(1, "172.41.1.2", "seq both"), (2, "172.41.2.2", "seq both")])
            for (name, addr) in [("loud", "172.41.1.1"), ("quiet", "172.41.2.1")] {
                try t.a.check(["ip", "addr", "add", "\(addr)/24", "dev", name])
                try t.a.check(["ip", "link", "set", name, "up"])
            }
            try expectConnectivity(t.a, "172.41.1.2")
            try expectConnectivity(t.a, "172.41.2.2")
            usleep(200_000)
            let lines = t.a.log.split(separator: "\n")
            let updates = lines.filter { $0.contains("session_seqnum_update") }
            #expect(!updates.isEmpty, "debug session traced")
            #expect(updates.allSatisfy { $0.contains("session=1 ") || $0.hasSuffix("session=1") }, "only session 1")
            #expect(lines.contains { $0.contains("register_session") && $0.contains("session=1") })
            #expect(!lines.contains { $0.contains("register_session") && $0.contains("session=2") },
                    "other contexts stay at the global level (info)")
        }
    }

    @Test("SIGTERM deletes everything and exits 0 within a second; a second signal exits at once")
    func shutdown() throws {
        try withTopology { t in
            try t.a.l2tpOK("add tunnel tunnel_id 1 peer_tunnel_id 2 local \(t.a.ipv4) remote \(t.b.ipv4) udp_sport 1701 udp_dport 1701")
            for s in 1...20 { try t.a.l2tpOK("add session tunnel_id 1 session_id \(s) peer_session_id \(s)") }
            try t.a.l2tpOK("add tunnel tunnel_id 3 peer_tunnel_id 4 encap ip local \(t.a.ipv4) remote \(t.b.ipv4)")
            try t.a.l2tpOK("add session tunnel_id 3 session_id 100 peer_session_id 100")
            t.a.signalDaemon(SIGTERM)
            let exit = t.a.waitForDaemonExit(timeout: 5)
            #expect(exit?.status == 0)
            #expect((exit?.seconds ?? 99) < 1.0, "took \(exit?.seconds ?? -1) s")
            #expect(try t.a.links().filter { $0.hasPrefix("l2tpeth") }.isEmpty, "no device left")
            let sockets = try t.a.check(["ss", "-uanp"]).stdout + (try t.a.check(["ss", "-wanp"]).stdout)
            #expect(!sockets.contains("l2tpd"), "no socket left:\n\(sockets)")
            #expect(!FileManager.default.fileExists(atPath: t.a.socketPath), "control socket removed")

            // A second signal during a shutdown ends the process at once, unclean. SIGTERM and SIGINT
            // back to back: the control loop takes one and starts the shutdown, the other is the
            // second (deleting 400 devices leaves the watcher ample time to see it first).
            try t.b.l2tpOK("add tunnel tunnel_id 1 peer_tunnel_id 2 local \(t.b.ipv4) remote \(t.a.ipv4) udp_sport 1701 udp_dport 1701")
            for s in 1...400 { try t.b.l2tpOK("add session tunnel_id 1 session_id \(s) peer_session_id \(s)") }
            t.b.signalDaemon(SIGTERM)
            t.b.signalDaemon(SIGINT)
            // The kernel unregisters the remaining devices as the process dies: seconds, not at once.
            let second = t.b.waitForDaemonExit(timeout: 20)
            #expect(second?.status == 1, "log:\n\(t.b.log.suffix(2000))")
            #expect(t.b.log.contains("second signal during shutdown"))
            #expect(try t.b.links().filter { $0.hasPrefix("l2tpeth") }.isEmpty, "the kernel removed the rest")
        }
    }
}
