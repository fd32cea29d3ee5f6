// SPDX-License-Identifier: GPL-2.0-only
// End-to-end tests of the preload path: unmodified iproute2 (`ip l2tp`, `ip -batch`, `genl`) and a
// libnl program, run through `l2tpd-run --socket <host's daemon>` inside each namespace, drive l2tpd
// as if it were the kernel's l2tp family; programs that do not touch l2tp keep talking to the kernel.

import Foundation
import Testing

/// The preload path's files, next to the other binaries in the build directory.
enum PreloadBinaries {
    static var run: String { Binaries.directory + "/l2tpd-run" }
    static var library: String { Binaries.directory + "/libl2tpd-preload.so" }

    /// Fails (never skips) when something the preload tests need is missing.
    static func check() throws {
        guard FileManager.default.isExecutableFile(atPath: run) else {
            throw CommandError(description: "l2tpd-run not built at \(run); `swift build` builds every product")
        }
        guard FileManager.default.fileExists(atPath: library) else {
            throw CommandError(description: "libl2tpd-preload.so not built at \(library); `swift build` builds every product")
        }
    }
}

extension Host {
    /// Runs `l2tpd-run --socket <this host's daemon> [--debug] -- argv...` inside the namespace.
    @discardableResult
    func preload(_ argv: [String], debug: Bool = false, socket: String? = nil, timeout: Double = 30) throws
        -> CommandResult
    {
        try PreloadBinaries.check()
        return try run(
            [PreloadBinaries.run, "--socket", socket ?? socketPath] + (debug ? ["--debug"] : []) + ["--"] + argv,
            timeout: timeout)
    }

    /// `ip WORDS` (e.g. "l2tp show tunnel", "-j l2tp show session") through the preload.
    @discardableResult
    func ip(_ words: String, timeout: Double = 30) throws -> CommandResult {
        try preload(["/usr/sbin/ip"] + words.split(separator: " ").map(String.init), timeout: timeout)
    }

    /// Like `ip` but requires exit status 0.
    @discardableResult
    func ipOK(_ words: String, timeout: Double = 30) throws -> CommandResult {
        let r = try ip(words, timeout: timeout)
        guard r.status == 0 else { throw CommandError(description: "[\(namespace)] \(r)\nl2tpd log:\n\(log)") }
        return r
    }
}

/// Configures `pw` (the mirrored pseudowire of the CLI tests) with real `ip l2tp` through the preload.
func setUpWithIP(_ pw: Pseudowire, _ t: Topology) throws {
    let sides = [
        (t.a, t.b, pw.tunnelA, pw.tunnelB, pw.portA, pw.portB, pw.sessionA, pw.sessionB, pw.nameA, pw.sessionOptionsA),
        (t.b, t.a, pw.tunnelB, pw.tunnelA, pw.portB, pw.portA, pw.sessionB, pw.sessionA, pw.nameB, pw.sessionOptionsB),
    ]
    for (h, peer, tid, ptid, sport, dport, sid, psid, name, options) in sides {
        let local = pw.ipv6 ? h.ipv6 : h.ipv4
        let remote = pw.ipv6 ? peer.ipv6 : peer.ipv4
        var tunnel = "l2tp add tunnel tunnel_id \(tid) peer_tunnel_id \(ptid) encap \(pw.encap) local \(local) remote \(remote)"
        if pw.encap == "udp" { tunnel += " udp_sport \(sport) udp_dport \(dport)" }
        try h.ipOK(tunnel)
        try h.ipOK("l2tp add session name \(name) tunnel_id \(tid) session_id \(sid) peer_session_id \(psid) \(options)")
    }
    try pw.bringUp(t)
}

/// `ip l2tp show ...` (text and JSON) through the preload prints exactly what `l2tp show ...` prints.
func expectSameListings(_ h: Host, _ comment: String = "") throws {
    for (ipWords, l2tpWords) in [
        ("l2tp show tunnel", "show tunnel"), ("l2tp show session", "show session"),
        ("-j l2tp show tunnel", "-j show tunnel"), ("-j l2tp show session", "-j show session"),
    ] {
        let viaIP = try h.ipOK(ipWords).stdout
        let viaTool = try h.l2tpOK(l2tpWords).stdout
        #expect(!viaIP.isEmpty, "`ip \(ipWords)` printed nothing \(comment)")
        #expect(viaIP == viaTool, "`ip \(ipWords)` differs from `l2tp \(l2tpWords)` \(comment)")
    }
}

@Suite("Unmodified iproute2 and libnl through l2tpd-run", .serialized, .timeLimit(.minutes(4)))
struct PreloadTests {
    @Test("ip l2tp over UDP/IPv4: tunnel, session with name, cookies, seq and l2spec; ping; show; delete")
    func udp4() throws {
        try withTopology { t in
            var pw = Pseudowire()
            pw.nameA = "ippw0"
            pw.nameB = "ippw0"
            pw.sessionOptionsA = "cookie 0a0b0c0d peer_cookie 0102030405060708 seq both l2spec_type default"
            pw.sessionOptionsB = "cookie 0102030405060708 peer_cookie 0a0b0c0d seq both l2spec_type default"
            try setUpWithIP(pw, t)
            try expectConnectivity(t.a, pw.innerB)
            #expect(try ping(t.b, pw.innerA, count: 5) == 5)

            try expectSameListings(t.a)
            try expectSameListings(t.b)
            let tunnel = try t.a.ipOK("l2tp show tunnel").stdout
            #expect(tunnel == """
                Tunnel 42, encap UDP
                  From \(t.a.ipv4) to \(t.b.ipv4)
                  Peer tunnel 45
                  UDP source / dest ports: 5000/5001
                  UDP checksum: disabled

                """)
            let session = try t.a.ipOK("l2tp show session").stdout
            #expect(session == """
                Session 128 in tunnel 42
                  Peer session 5196755, tunnel 45
                  interface name: ippw0
                  offset 0, peer offset 0
                  cookie 0a0b0c0d  peer cookie 0102030405060708
                  sequence numbering: send recv

                """)
            // The traffic went through l2tpd's datapath with the cookies and sequence numbers.
            let (a, b) = try quietSessionStats(t.a, pw.sessionA, t.b, pw.sessionB)
            #expect((a["tx_packets"] ?? 0) > 0 && a["tx_packets"] == b["rx_packets"])
            #expect(a["rx_errors"] == 0 && b["rx_errors"] == 0)

            try t.a.ipOK("l2tp del session tunnel_id 42 session_id 128")
            #expect(try !t.a.links().contains("ippw0"))
            #expect(try t.a.l2tpOK("show session").stdout.isEmpty)
            #expect(try t.a.ipOK("l2tp show session").stdout.isEmpty)
            try t.a.ipOK("l2tp del tunnel tunnel_id 42")
            #expect(try t.a.l2tpOK("show tunnel").stdout.isEmpty)
            #expect(try t.a.ipOK("l2tp show tunnel").stdout.isEmpty)
            // Deleting B's tunnel takes its session with it.
            try t.b.ipOK("l2tp del tunnel tunnel_id 45")
            #expect(try !t.b.links().contains("ippw0"))
            #expect(t.a.daemonIsRunning && t.b.daemonIsRunning)
        }
    }

    @Test("ip l2tp over UDP/IPv6 and over IP (IPv4 and IPv6) carries traffic",
          arguments: [("udp", true), ("ip", false), ("ip", true)])
    func encapsulations(encap: String, ipv6: Bool) throws {
        try withTopology { t in
            var pw = Pseudowire()
            pw.encap = encap
            pw.ipv6 = ipv6
            pw.sessionOptionsA = "l2spec_type none"
            pw.sessionOptionsB = "l2spec_type none"
            try setUpWithIP(pw, t)
            try expectConnectivity(t.a, pw.innerB)
            #expect(try ping(t.b, pw.innerA, count: 3) == 3)
            try expectSameListings(t.a, "(\(encap), IPv\(ipv6 ? 6 : 4))")
            let shown = try t.a.ipOK("l2tp show tunnel").stdout
            #expect(shown.contains("Tunnel 42, encap \(encap.uppercased())"))
            #expect(shown.contains("From \(ipv6 ? t.a.ipv6 : t.a.ipv4) to \(ipv6 ? t.b.ipv6 : t.b.ipv4)"))
        }
    }

    @Test("Errors: l2tpd's extended-ack messages and exit 2; with l2tpd gone, iproute2's own kernel error")
    func errors() throws {
        try withTopology { t in
            let add = "l2tp add tunnel tunnel_id 42 peer_tunnel_id 45 encap udp local \(t.a.ipv4) remote \(t.b.ipv4) udp_sport 5000 udp_dport 5001"
            try t.a.ipOK(add)
            let duplicate = try t.a.ip(add)
            #expect(duplicate.status == 2)
            #expect(duplicate.stderr == "Error: tunnel 42 already exists.\n")
            #expect(duplicate.stdout.isEmpty)
            let tool = try t.a.l2tp(add.split(separator: " ").dropFirst().map(String.init))
            #expect(tool.status == duplicate.status && tool.stderr == duplicate.stderr, "l2tp and ip agree")

            let noTunnel = try t.a.ip("l2tp add session tunnel_id 7 session_id 1 peer_session_id 2")
            #expect(noTunnel.status == 2)
            #expect(noTunnel.stderr == "Error: tunnel 7 does not exist.\n")
            try t.a.ipOK("l2tp add session tunnel_id 42 session_id 1 peer_session_id 2")
            let dupSession = try t.a.ip("l2tp add session tunnel_id 42 session_id 1 peer_session_id 3")
            #expect(dupSession.status == 2)
            #expect(dupSession.stderr == "Error: session 1 already exists in tunnel 42.\n")
            let noSession = try t.a.ip("l2tp del session tunnel_id 42 session_id 9")
            #expect(noSession.status == 2)
            #expect(noSession.stderr == "Error: session 9 does not exist in tunnel 42.\n")

            // Without l2tpd (stopped: its socket is gone; or a path nobody listens on) the request goes
            // to the kernel, which has no l2tp family: exactly what iproute2 prints without the preload.
            let kernel = try t.a.run(["/usr/sbin/ip", "l2tp", "show", "tunnel"])
            #expect(kernel.status == 1)
            #expect(kernel.stderr.contains("Error talking to the kernel"))
            let notListening = NSTemporaryDirectory() + "l2tpd-preload-stale-\(t.id)"
            _ = FileManager.default.createFile(atPath: notListening, contents: Data())
            defer { try? FileManager.default.removeItem(atPath: notListening) }
            let stale = try t.a.preload(["/usr/sbin/ip", "l2tp", "show", "tunnel"], socket: notListening)
            #expect(stale.status == kernel.status && stale.stdout == kernel.stdout && stale.stderr == kernel.stderr)
            t.a.stopDaemon()
            let stopped = try t.a.ip("l2tp show tunnel")
            #expect(stopped.status == 1)
            #expect(stopped.stderr == kernel.stderr, "\(stopped)")
            #expect(stopped.stdout == kernel.stdout)
            let stoppedAdd = try t.a.ip(add)
            #expect(stoppedAdd.status == 1 && stoppedAdd.stderr.contains("Error talking to the kernel"))
        }
    }

    @Test("A dump of 2,000 sessions in 4 tunnels, made with ip -batch, lists every session exactly once")
    func bigDump() throws {
        try withTopology { t in
            let tunnels = 4
            let perTunnel = 500
            var batch = ""
            var expected = Set<String>()
            for k in 1...tunnels {
                batch += "l2tp add tunnel tunnel_id \(k) peer_tunnel_id \(100 + k) encap udp local \(t.a.ipv4) remote \(t.b.ipv4) udp_sport \(6000 + k) udp_dport \(7000 + k)\n"
                for s in 1...perTunnel {
                    let sid = k * 10_000 + s
                    batch += "l2tp add session name d\(k)s\(s) tunnel_id \(k) session_id \(sid) peer_session_id \(sid)\n"
                    expected.insert("\(sid)/\(k)")
                }
            }
            let path = NSTemporaryDirectory() + "l2tpd-preload-batch-\(t.id).txt"
            try batch.write(toFile: path, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let started = Date()
            let made = try t.a.preload(["/usr/sbin/ip", "-batch", path], timeout: 120)
            #expect(made.status == 0, "\(made)")
            let creation = Date().timeIntervalSince(started)

            // Text: "Session <sid> in tunnel <tid>" once per session. The debug trace counts the datagrams
            // the pump delivered: far more than one receive buffer's worth.
            let dumpStart = Date()
            let text = try t.a.preload(["/usr/sbin/ip", "l2tp", "show", "session"], debug: true, timeout: 60)
            let dumpTime = Date().timeIntervalSince(dumpStart)
            #expect(text.status == 0)
            let listed = text.stdout.split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix("Session ") else { return nil }
                let words = line.split(separator: " ")
                return words.count == 5 ? "\(words[1])/\(words[4])" : nil
            }
            #expect(listed.count == tunnels * perTunnel, "sessions listed")
            #expect(Set(listed).count == listed.count, "no session listed twice")
            #expect(Set(listed) == expected)
            let deliveries = text.stderr.split(separator: "\n").filter { $0.contains("delivered") }.count
            #expect(deliveries >= 20, "a 2,000-session dump spans many datagrams (\(deliveries))")

            // JSON, and the tunnel dump.
            let json = try t.a.ipOK("-j l2tp show session", timeout: 60).stdout
            let objects = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]] ?? []
            let ids = objects.compactMap { ($0["session_id"] as? NSNumber)?.intValue }
            #expect(ids.count == tunnels * perTunnel && Set(ids).count == ids.count)
            let shownTunnels = try t.a.ipOK("l2tp show tunnel").stdout.split(separator: "\n").filter { $0.hasPrefix("Tunnel ") }
            #expect(shownTunnels.count == tunnels)
            print("bigDump: created \(tunnels) tunnels and \(listed.count) sessions with ip -batch in "
                + "\(String(format: "%.2f", creation)) s; ip l2tp show session in \(String(format: "%.2f", dumpTime)) s, "
                + "\(text.stdout.utf8.count) bytes of text from \(deliveries) datagrams")
        }
    }

    @Test("Programs that do not use l2tp still talk to the kernel: ip link, ip -j addr, genl ctrl")
    func otherProgramsUntouched() throws {
        try withTopology { t in
            for argv in [["ip", "link", "show"], ["ip", "-j", "addr"], ["ip", "-6", "route"], ["genl", "ctrl", "list"],
                         ["genl", "ctrl", "get", "name", "nlctrl"]] {
                // Compared with a plain run just before or just after (an IPv6 link-local address may
                // finish duplicate address detection in between).
                let command = ["/usr/sbin/" + argv[0]] + argv.dropFirst()
                let before = try t.a.run(command)
                let preloaded = try t.a.preload(command)
                let after = try t.a.run(command)
                #expect(before.status == 0, "\(before)")
                let same = [before, after].contains {
                    $0.status == preloaded.status && $0.stdout == preloaded.stdout && $0.stderr == preloaded.stderr
                }
                #expect(same, "\(argv.joined(separator: " ")) changed by the preload:\n\(preloaded)\nwithout:\n\(before)")
            }
            // The kernel's family list (an nlctrl dump) stays the kernel's: no l2tp in it.
            let list = try t.a.preload(["/usr/sbin/genl", "ctrl", "list"]).stdout
            #expect(list.contains("Name: nlctrl") && !list.contains("Name: l2tp"))
            // A lookup by name of l2tp reaches l2tpd on the same socket; without the preload it fails.
            let l2tp = try t.a.preload(["/usr/sbin/genl", "ctrl", "get", "name", "l2tp"])
            #expect(l2tp.status == 0)
            #expect(l2tp.stdout.contains("Name: l2tp\n\tID: 0x6c32  Version: 0x1"))
            #expect(l2tp.stdout.contains("ID-0x6c32  name: l2tp"))
            #expect(try t.a.run(["/usr/sbin/genl", "ctrl", "get", "name", "l2tp"]).status != 0)
            let byID = try t.a.preload(["/usr/sbin/genl", "ctrl", "get", "id", "0x6c33"])
            #expect(byID.status == 0 && byID.stdout.contains("Name: l2tpd"))
            // The library prints nothing of its own unless asked to.
            let quiet = try t.a.preload(["/usr/sbin/ip", "l2tp", "show", "tunnel"])
            #expect(quiet.status == 0 && quiet.stderr.isEmpty && quiet.stdout.isEmpty)
            let traced = try t.a.preload(["/usr/sbin/ip", "l2tp", "show", "tunnel"], debug: true)
            #expect(traced.stderr.contains("l2tpd-preload[") && traced.stderr.contains("connected to l2tpd"))
            // With l2tpd stopped, non-l2tp programs are still unaffected.
            t.a.stopDaemon()
            let link = try t.a.preload(["/usr/sbin/ip", "link", "show", "lo"])
            #expect(link.status == 0 && link.stdout.contains("lo: <LOOPBACK"))
        }
    }

    @Test("A libnl-3 program resolves l2tp and nlctrl, creates, dumps and deletes a tunnel, and gets notified")
    func libnlProgram() throws {
        let binary = try LibnlProgram.build()
        defer { LibnlProgram.remove(binary) }
        try withTopology { t in
            let r = try t.a.preload([binary, t.a.ipv4, t.b.ipv4])
            #expect(r.status == 0, "\(r)\nl2tpd log:\n\(t.a.log)")
            // libnl reports l2tpd's ENODEV for a missing tunnel as -NLE_NODEV (31).
            #expect(r.stdout == """
                resolve l2tp 0x6c32 nlctrl 0x10 taskstats kernel group l2tp 0x6c32
                create 0
                dump 2: 4242 4243
                join 0
                delete 0
                notification TUNNEL_DELETE 4242
                missing -31 No such device
                immediate 1: 4243 (0)

                """, "\(r)")
            #expect(try t.a.l2tpOK("show tunnel").stdout.hasPrefix("Tunnel 4243,"))
        }
    }
}

/// A small libnl-3 client of the l2tp family, compiled with cc at test time (libnl-genl-3-dev is a
/// build dependency of the package, so its headers are there).
enum LibnlProgram {
    static let source = #"""
        // libnl-3 client of the l2tp family: what an unmodified libnl program does.
        #include <netlink/genl/ctrl.h>
        #include <netlink/genl/genl.h>
        #include <netlink/netlink.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/time.h>
        #include <arpa/inet.h>

        static int family;
        static unsigned ids[16];
        static int nids;
        static int deleted = -1;

        static int on_valid(struct nl_msg *msg, void *arg) {
            struct nlmsghdr *h = nlmsg_hdr(msg);
            struct genlmsghdr *g = nlmsg_data(h);
            struct nlattr *a[36];
            if (h->nlmsg_type != family || genlmsg_parse(h, 0, a, 35, NULL) < 0 || !a[9]) return NL_SKIP;
            if (g->cmd == 4 && nids < 16) ids[nids++] = nla_get_u32(a[9]);
            if (g->cmd == 2) deleted = (int)nla_get_u32(a[9]);
            return NL_OK;
        }

        static int request(struct nl_sock *sk, int cmd, int flags, unsigned tid, const char *local, const char *remote, unsigned ptid) {
            struct nl_msg *m = nlmsg_alloc();
            genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, flags, cmd, 1);
            if (tid) nla_put_u32(m, 9, tid);
            if (ptid) {
                struct in_addr l, r;
                inet_pton(AF_INET, local, &l);
                inet_pton(AF_INET, remote, &r);
                nla_put_u32(m, 10, ptid);
                nla_put_u8(m, 7, 3);
                nla_put_u16(m, 2, 0);
                nla_put_u32(m, 24, l.s_addr);
                nla_put_u32(m, 25, r.s_addr);
                nla_put_u16(m, 26, (unsigned short)(4000 + tid % 100));
                nla_put_u16(m, 27, (unsigned short)(5000 + tid % 100));
            }
            int err = nl_send_auto(sk, m);
            nlmsg_free(m);
            if (err < 0) return err;
            return (flags & NLM_F_DUMP) ? nl_recvmsgs_default(sk) : nl_wait_for_ack(sk);
        }

        int main(int argc, char **argv) {
            if (argc != 3) return 64;
            struct nl_sock *sk = nl_socket_alloc();
            if (genl_connect(sk) < 0) return 10;
            family = genl_ctrl_resolve(sk, "l2tp");
            int nlctrl = genl_ctrl_resolve(sk, "nlctrl");
            int taskstats = genl_ctrl_resolve(sk, "TASKSTATS");
            int group = genl_ctrl_resolve_grp(sk, "l2tp", "l2tp");
            printf("resolve l2tp %#x nlctrl %#x taskstats %s group l2tp %#x\n", family, nlctrl,
                   taskstats > 0 && taskstats < 1024 ? "kernel" : "missing", group);
            if (family < 0) return 1;
            nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_valid, NULL);
            printf("create %d\n", request(sk, 1, 0, 4242, argv[1], argv[2], 4343));
            if (request(sk, 1, 0, 4243, argv[1], argv[2], 4344) != 0) return 2;
            int err = request(sk, 4, NLM_F_DUMP, 0, NULL, NULL, 0);
            printf("dump %d:", nids);
            for (int i = 0; i < nids; i++) printf(" %u", ids[i]);
            printf("\n");
            if (err < 0) return 3;
            printf("join %d\n", nl_socket_add_membership(sk, group));
            nl_socket_disable_seq_check(sk);
            printf("delete %d\n", request(sk, 2, 0, 4242, NULL, NULL, 0));
            struct timeval tv = {.tv_sec = 5};
            setsockopt(nl_socket_get_fd(sk), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            while (deleted < 0 && nl_recvmsgs_default(sk) >= 0) {}
            if (deleted >= 0) printf("notification TUNNEL_DELETE %d\n", deleted);
            err = request(sk, 4, 0, 77, NULL, NULL, 0);
            printf("missing %d %s\n", err, nl_geterror(err));
            // The kernel queues the answer before sendmsg returns: a non-blocking read right after the
            // send finds it.
            nids = 0;
            nl_socket_set_nonblocking(sk);
            struct nl_msg *m = nlmsg_alloc();
            genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, 0, 4, 1);
            nla_put_u32(m, 9, 4243);
            if (nl_send_auto(sk, m) < 0) return 4;
            nlmsg_free(m);
            err = nl_recvmsgs_default(sk);
            printf("immediate %d: %u (%d)\n", nids, nids ? ids[0] : 0, err);
            nl_socket_free(sk);
            return 0;
        }
        """#

    /// Compiles the program into a fresh directory; returns its path.
    static func build() throws -> String {
        let dir = NSTemporaryDirectory() + "l2tpd-preload-libnl-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let binary = dir + "/libnl-l2tp"
        try source.write(toFile: dir + "/libnl-l2tp.c", atomically: true, encoding: .utf8)
        let flags = try Command.run(["/usr/bin/env", "pkg-config", "--cflags", "--libs", "libnl-genl-3.0"])
        guard flags.status == 0 else {
            throw CommandError(description: "pkg-config libnl-genl-3.0 failed (apt-get install libnl-genl-3-dev pkg-config):\n\(flags)")
        }
        let compiler = ["cc", "gcc", "clang"].first { name in
            (try? Command.run(["/usr/bin/env", name, "--version"]).status) == 0
        }
        guard let compiler else {
            remove(binary)
            throw CommandError(description: "no C compiler (cc, gcc or clang) for the libnl test program")
        }
        let cc = try Command.run(
            ["/usr/bin/env", compiler, "-O1", "-Wall", "-o", binary, dir + "/libnl-l2tp.c"]
                + flags.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
        guard cc.status == 0 else {
            remove(binary)
            throw CommandError(description: "cannot compile the libnl test program:\n\(cc)")
        }
        return binary
    }

    static func remove(_ binary: String) {
        try? FileManager.default.removeItem(atPath: (binary as NSString).deletingLastPathComponent)
    }
}
