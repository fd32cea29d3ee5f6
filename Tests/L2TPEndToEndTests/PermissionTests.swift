// SPDX-License-Identifier: GPL-2.0-only
// Who may use the control socket: root only (0600) by default, a group with --control-group (0660),
// and every request except NOOP needs CAP_NET_ADMIN over the daemon's network namespace — the kernel's
// GENL_UNS_ADMIN_PERM rule — tested by running clients as an unprivileged user.

import Foundation
import Testing

/// The unprivileged identity used by these tests.
enum Unprivileged {
    static let user = "nobody"
    static let group = "nogroup"

    /// `setpriv` prefix that drops to nobody:nogroup with no capabilities.
    static let drop = ["setpriv", "--reuid=\(user)", "--regid=\(group)", "--clear-groups", "--inh-caps=-all"]
    /// The same, but keeping CAP_NET_ADMIN as an ambient capability.
    static let dropKeepingNetAdmin = [
        "setpriv", "--reuid=\(user)", "--regid=\(group)", "--clear-groups", "--inh-caps=+net_admin",
        "--ambient-caps=+net_admin",
    ]
}

@Suite("Permissions", .serialized, .timeLimit(.minutes(2)))
struct PermissionTests {
    private func noop(_ h: Host, as prefix: [String]) throws -> CommandResult {
        let script = #"""
            import socket, struct, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.connect(sys.argv[1])
            s.send(struct.pack("=IHHIIBBH", 20, 0x6c32, 1, 1, 0, 0, 1, 0))   # L2TP_CMD_NOOP
            r = s.recv(4096)
            typ, = struct.unpack("=H", r[4:6])
            print("noop" if typ == 0x6c32 and r[16] == 0 else "error %d" % -struct.unpack("=i", r[16:20])[0])
            """#
        let file = NSTemporaryDirectory() + "l2tpd-noop.py"
        try script.write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o644)
        return try h.run(prefix + ["/usr/bin/python3", file, h.socketPath])
    }

    @Test("The control socket is root-only by default")
    func rootOnly() throws {
        try withTopology { t in
            var st = stat()
            #expect(stat(t.a.socketPath, &st) == 0)
            #expect(st.st_mode & 0o777 == 0o600)
            let r = try t.a.run(Unprivileged.drop + [Binaries.l2tp, "--socket", t.a.socketPath, "show", "tunnel"])
            #expect(r.status == 1)
            #expect(r.stderr == "Error: cannot reach l2tpd at \(t.a.socketPath): Permission denied\n")
        }
    }

    @Test("--control-group lets the group connect; without CAP_NET_ADMIN only NOOP is allowed")
    func groupWithoutCapability() throws {
        try withTopology(startDaemons: false) { t in
            try t.a.startDaemon(extraArguments: ["--control-group", Unprivileged.group])
            var st = stat()
            #expect(stat(t.a.socketPath, &st) == 0)
            #expect(st.st_mode & 0o777 == 0o660)
            #expect(st.st_gid == getgrnam(Unprivileged.group).pointee.gr_gid)
            let l2tp = Unprivileged.drop + [Binaries.l2tp, "--socket", t.a.socketPath]
            let add = try t.a.run(l2tp + ["add", "tunnel", "tunnel_id", "1", "peer_tunnel_id", "2", "local", t.a.ipv4,
                                          "remote", t.b.ipv4, "udp_sport", "1701", "udp_dport", "1701"])
            #expect(add.status == 2)
            #expect(add.stderr == "Error: L2TP_CMD_TUNNEL_CREATE needs CAP_NET_ADMIN.\n")
            let show = try t.a.run(l2tp + ["show", "tunnel"])
            #expect(show.status == 1)
            #expect(show.stderr == "RTNETLINK answers: Operation not permitted\nDump terminated\n")
            #expect(try noop(t.a, as: Unprivileged.drop).stdout == "noop\n")
            #expect(try t.a.l2tpOK("show tunnel").stdout.isEmpty, "nothing was created")
            // The same user with CAP_NET_ADMIN may do everything.
            let capable = Unprivileged.dropKeepingNetAdmin + [Binaries.l2tp, "--socket", t.a.socketPath]
            let ok = try t.a.run(capable + ["add", "tunnel", "tunnel_id", "1", "peer_tunnel_id", "2", "local", t.a.ipv4,
                                            "remote", t.b.ipv4, "udp_sport", "1701", "udp_dport", "1701"])
            #expect(ok.status == 0, "\(ok)")
            #expect(try t.a.run(capable + ["show", "tunnel"]).stdout.contains("Tunnel 1, encap UDP"))
        }
    }

    @Test("Root of another user namespace has no CAP_NET_ADMIN over the daemon's network namespace")
    func foreignUserNamespace() throws {
        try withTopology { t in
            let r = try t.a.run(["unshare", "--user", "--map-root-user", Binaries.l2tp, "--socket", t.a.socketPath,
                                 "add", "tunnel", "tunnel_id", "1", "peer_tunnel_id", "2", "local", t.a.ipv4,
                                 "remote", t.b.ipv4, "udp_sport", "1701", "udp_dport", "1701"])
            #expect(r.status == 2)
            #expect(r.stderr == "Error: L2TP_CMD_TUNNEL_CREATE needs CAP_NET_ADMIN.\n")
        }
    }

    @Test("A daemon with bounded capabilities (as under its systemd unit) still refuses another user namespace's root")
    func boundedDaemon() throws {
        try withTopology(startDaemons: false) { t in
            // Without ptrace access to its clients, l2tpd cannot read their user namespace; it must not
            // then take a namespace root's CAP_NET_ADMIN for the real thing.
            try t.a.startDaemon(
                extraArguments: ["--control-group", Unprivileged.group],
                wrapper: ["setpriv", "--bounding-set=-all,+net_admin,+net_raw,+chown", "--inh-caps=-all"])
            let status = try t.a.check(["cat", "/proc/\(t.a.daemonPID ?? 0)/status"]).stdout
            #expect(status.contains("CapEff:\t0000000000003001"), "the daemon runs with bounded capabilities")
            func add(_ prefix: [String], _ id: Int) throws -> CommandResult {
                try t.a.run(prefix + [Binaries.l2tp, "--socket", t.a.socketPath, "add", "tunnel", "tunnel_id", "\(id)",
                                      "peer_tunnel_id", "2", "local", t.a.ipv4, "remote", t.b.ipv4,
                                      "udp_sport", "\(1700 + id)", "udp_dport", "1701"])
            }
            let foreign = try add(Unprivileged.drop + ["unshare", "--user", "--map-root-user"], 1)
            #expect(foreign.status == 2)
            #expect(foreign.stderr == "Error: L2TP_CMD_TUNNEL_CREATE needs CAP_NET_ADMIN.\n")
            // Root, with more capabilities than the daemon, and a user holding CAP_NET_ADMIN still may.
            #expect(try add([], 2).status == 0)
            #expect(try add(Unprivileged.dropKeepingNetAdmin, 3).status == 0)
            let tunnels = try t.a.l2tpOK("show tunnel").stdout
            #expect(!tunnels.contains("Tunnel 1,") && tunnels.contains("Tunnel 2,") && tunnels.contains("Tunnel 3,"))

            // Without CAP_CHOWN the socket cannot be given to the group: a start-up error that says so.
            let path = t.a.socketPath + ".nochown"
            let r = try t.a.run(["setpriv", "--bounding-set=-all,+net_admin,+net_raw", "--inh-caps=-all", Binaries.l2tpd,
                                 "--control-socket", path, "--control-group", Unprivileged.group], timeout: 10)
            #expect(r.status == 1)
            #expect(r.stderr.contains("cannot give \(path) to group \(Unprivileged.group): Operation not permitted"), "\(r)")
            #expect(r.stderr.contains("SupplementaryGroups=\(Unprivileged.group)"))
        }
    }
}
