// SPDX-License-Identifier: GPL-2.0-only
// What a reload does with what it did not create, checking a file against the running daemon
// (`--check-config FILE --running`, the unit's ExecReload), the log level a reload leaves, and
// L2TPD_TAP_OFFLOADS under --no-offloads: the documented behaviours, tried as an operator would.

import Foundation
import Glibc
import Testing

@Suite("Reload rules end to end", .serialized, .timeLimit(.minutes(3)))
struct ReloadRulesTests {
    /// A file with tunnel 42 to B and one session, then `extra` TOML.
    private func file(_ t: Topology, logLevel: String? = "info", extra: String = "") -> String {
        (logLevel.map { "[daemon]\nlog_level = \"\($0)\"\n\n" } ?? "") + """
            [[tunnel]]
            tunnel_id = 42
            peer_tunnel_id = 45
            local = "\(t.a.ipv4)"
            remote = "\(t.b.ipv4)"
            udp_sport = 5000
            udp_dport = 5001
              [[tunnel.session]]
              session_id = 1
              peer_session_id = 1001
              name = "filepw"

            \(extra)
            """
    }

    /// Tunnel 78 as a client creates it with `l2tp add tunnel`, in the file's words; `dport` varies.
    private func tunnel78(_ t: Topology, dport: Int = 7801) -> String {
        """
        [[tunnel]]
        tunnel_id = 78
        peer_tunnel_id = 87
        local = "\(t.a.ipv4)"
        remote = "\(t.b.ipv4)"
        udp_sport = 7800
        udp_dport = \(dport)
        """
    }

    /// Waits (bounded) until the daemon's log contains `text`.
    private func waitForLog(_ h: Host, _ text: String, timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if h.log.contains(text) { return true }
            usleep(50_000)
        }
        return false
    }

    @Test("A tunnel created at run time and named unchanged by the file is taken over, and said so; a later reload without it deletes it")
    func runtimeTunnelTakenOver() throws {
        try withTopology(startDaemons: false) { t in
            let config = try ConfigFile("adopt", file(t))
            try t.a.startDaemon(extraArguments: ["--config", config.path], logLevel: nil)
            try t.a.l2tpOK("add tunnel tunnel_id 78 peer_tunnel_id 87 local \(t.a.ipv4) remote \(t.b.ipv4) udp_sport 7800 udp_dport 7801")
            try t.a.l2tpOK("add session name client78 tunnel_id 78 session_id 7 peer_session_id 8")
            let index = try ifindex(t.a, "client78")

            try config.write(file(t, extra: tunnel78(t)))
            t.a.signalDaemon(SIGHUP)
            #expect(waitForLog(t.a, "configuration reloaded"), "\(t.a.log)")
            #expect(t.a.log.contains("tunnel 78: created at run time, now configured by \(config.path):"), "\(t.a.log)")
            #expect(try ifindex(t.a, "client78") == index, "taken over as it is: nothing re-created")

            try config.write(file(t))
            t.a.signalDaemon(SIGHUP)
            let deadline = Date().addingTimeInterval(10)
            while try t.a.l2tpOK("show tunnel").stdout.contains("Tunnel 78,"), Date() < deadline { usleep(50_000) }
            #expect(!(try t.a.l2tpOK("show tunnel").stdout.contains("Tunnel 78,")), "the file's now: deleted with it")
            #expect(!(try t.a.links().contains("client78")), "its sessions go with it")
        }
    }

    @Test("A file that would re-create a tunnel created at run time is refused, and the tunnel is untouched")
    func runtimeTunnelNotRecreated() throws {
        try withTopology(startDaemons: false) { t in
            let config = try ConfigFile("norecreate", file(t))
            try t.a.startDaemon(extraArguments: ["--config", config.path], logLevel: nil)
            try t.a.l2tpOK("add tunnel tunnel_id 78 peer_tunnel_id 87 local \(t.a.ipv4) remote \(t.b.ipv4) udp_sport 7800 udp_dport 7801")
            try t.a.l2tpOK("add session name client78 tunnel_id 78 session_id 7 peer_session_id 8")
            let index = try ifindex(t.a, "client78")

            try config.write(file(t, extra: tunnel78(t, dport: 7999)))
            let check = try Command.run([Binaries.l2tpd, "--check-config", config.path, "--running", "--control-socket", t.a.socketPath])
            #expect(check.status == 1, "\(check)")
            #expect(check.stderr.contains(":16: tunnel_id: 78 exists with another udp_dport: a client created it at run time"),
                    "\(check.stderr)")
            t.a.signalDaemon(SIGHUP)
            #expect(waitForLog(t.a, "configuration not reloaded"), "\(t.a.log)")
            #expect(try ifindex(t.a, "client78") == index, "the client's tunnel and session are untouched")
            #expect(try t.a.l2tpOK("show tunnel tunnel_id 78").stdout.contains("UDP source / dest ports: 7800/7801"))
        }
    }

    @Test("--check-config --running finds what only the running daemon knows: a device name a client's session uses")
    func checkAgainstRunningDaemon() throws {
        try withTopology(startDaemons: false) { t in
            let config = try ConfigFile("running", file(t))
            try t.a.startDaemon(extraArguments: ["--config", config.path], logLevel: nil)
            try t.a.l2tpOK("add session name taken0 tunnel_id 42 session_id 9 peer_session_id 1009")
            let next = """
                  [[tunnel.session]]
                  session_id = 2
                  peer_session_id = 1002
                  name = "taken0"
                """
            try config.write(file(t, extra: next))
            let alone = try Command.run([Binaries.l2tpd, "--check-config", config.path])
            #expect(alone.status == 0, "the file alone is valid: \(alone)")
            let running = try Command.run([Binaries.l2tpd, "--check-config", config.path, "--running", "--control-socket", t.a.socketPath])
            #expect(running.status == 1, "\(running)")
            #expect(running.stderr.contains("\(config.path):16: session 42/2 added: interface name taken0 is already in use"),
                    "\(running.stderr)")
            #expect(try t.a.l2tpOK("show session").stdout.contains("interface name: taken0"), "nothing changed")
            #expect(!(try t.a.links().contains("filepw2")))

            try config.write(file(t, extra: next.replacingOccurrences(of: "taken0", with: "free0")))
            let ok = try Command.run([Binaries.l2tpd, "--check-config", config.path, "--running", "--control-socket", t.a.socketPath])
            #expect(ok.status == 0, "\(ok)")
            #expect(ok.stdout.hasPrefix("\(config.path): OK against the running l2tpd (1 tunnels, 2 sessions; a reload would make 1 creates, 0 modifies, 0 deletes)"),
                    "\(ok.stdout)")
            #expect(!(try t.a.links().contains("free0")), "a check changes nothing")

            let unreachable = try Command.run([Binaries.l2tpd, "--check-config", config.path, "--running",
                                               "--control-socket", t.a.socketPath + ".absent"])
            #expect(unreachable.status == 1)
            #expect(unreachable.stderr.contains("cannot reach l2tpd at \(t.a.socketPath).absent"), "\(unreachable)")
        }
    }

    @Test("Removing log_level from the file returns the daemon to the default level on reload")
    func logLevelBackToDefault() throws {
        try withTopology(startDaemons: false) { t in
            let config = try ConfigFile("loglevel", file(t, logLevel: "debug"))
            try t.a.startDaemon(extraArguments: ["--config", config.path], logLevel: nil)
            try t.a.l2tpOK("show tunnel")
            #expect(waitForLog(t.a, "DEBUG control client connected"), "log_level = debug at start")
            try config.write(file(t, logLevel: nil))
            t.a.signalDaemon(SIGHUP)
            #expect(waitForLog(t.a, "log level changed log_level=info"), "\(t.a.log)")
            let before = t.a.log.components(separatedBy: "DEBUG control client connected").count
            try t.a.l2tpOK("show tunnel")
            usleep(200_000)
            #expect(t.a.log.components(separatedBy: "DEBUG control client connected").count == before,
                    "debug lines stop: \(t.a.log)")
        }
    }

    @Test("With --no-offloads, L2TPD_TAP_OFFLOADS is not read: a bogus value does not stop the daemon")
    func offloadEnvironmentIgnoredWithoutOffloads() throws {
        try withTopology(startDaemons: false) { t in
            try t.a.startDaemon(extraArguments: ["--no-offloads"], environment: ["L2TPD_TAP_OFFLOADS": "bogus"])
            #expect(t.a.daemonIsRunning, "\(t.a.log)")
            #expect(try t.a.l2tpOK("show tunnel").status == 0)
        }
    }
}
