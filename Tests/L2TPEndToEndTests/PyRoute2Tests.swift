// SPDX-License-Identifier: GPL-2.0-only
// End-to-end tests of pyroute2 (unmodified, from PyPI) driving l2tpd through l2tpd-run: L2tp() creates,
// lists, modifies and deletes tunnels and sessions, traffic crosses the pseudowire it made, a managed
// tunnel passes its socket, a subscriber of the `l2tp` multicast group sees the notifications in
// order, and pyroute2's other netlink users (nlctrl, TASKSTATS, rtnetlink) still reach the kernel.

import Foundation
import Synchronization
import Testing

/// A python3 that imports pyroute2 (installed with pip when missing), and the test scripts.
enum PyRoute2 {
    private static let resolved: Result<String, CommandError> = {
        do {
            let which = try Command.run(["/usr/bin/env", "python3", "-c", "import sys; print(sys.executable)"])
            let python = which.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            guard which.status == 0, python.hasPrefix("/") else {
                return .failure(CommandError(description: "python3 is needed for the pyroute2 tests:\n\(which)"))
            }
            if try Command.run([python, "-c", "import pyroute2"]).status != 0 {
                let pip = try Command.run([python, "-m", "pip", "install", "--quiet", "pyroute2"], timeout: 300)
                let again = try Command.run([python, "-c", "import pyroute2"])
                guard again.status == 0 else {
                    return .failure(CommandError(description: """
                        pyroute2 is missing and `\(python) -m pip install --quiet pyroute2` did not install it:
                        \(pip)
                        """))
                }
            }
            return .success(python)
        } catch {
            return .failure(CommandError(description: "cannot prepare pyroute2: \(error)"))
        }
    }()

    /// The interpreter's absolute path (the same one inside the namespaces).
    static func python() throws -> String { try resolved.get() }

    /// Writes the scripts into a fresh directory; returns its path.
    static func scripts(_ t: Topology) throws -> String {
        let dir = NSTemporaryDirectory() + "l2tpd-pyroute2-\(t.id)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try ops.write(toFile: dir + "/ops.py", atomically: true, encoding: .utf8)
        try monitor.write(toFile: dir + "/monitor.py", atomically: true, encoding: .utf8)
        try families.write(toFile: dir + "/families.py", atomically: true, encoding: .utf8)
        try managed.write(toFile: dir + "/managed.py", atomically: true, encoding: .utf8)
        return dir
    }

    /// `ops.py OP ARGS...`: one pyroute2.L2tp() operation, result as JSON on stdout.
    static let ops = #"""
        import json, sys
        from pyroute2 import L2tp
        from pyroute2.netlink.exceptions import NetlinkError

        TUNNEL = ("conn_id", "peer_conn_id", "proto_version", "encap_type", "udp_sport", "udp_dport",
                  "ip_saddr", "ip_daddr")
        SESSION = ("conn_id", "session_id", "peer_conn_id", "peer_session_id", "pw_type", "ifname",
                   "recv_seq", "send_seq", "lns_mode")

        def fields(msg, names):
            return {n: msg.get_attr("L2TP_ATTR_" + n.upper()) for n in names}

        def dump_tunnels(l2):
            try:
                return list(l2.dump_tunnels())
            except TypeError:
                # pyroute2 0.9's synchronous dump_tunnels() does not pass the argument its coroutine wants.
                return list(l2._generate_with_cleanup(l2.asyncore.dump_tunnels, None))

        op, args = sys.argv[1], sys.argv[2:]
        l2 = L2tp()
        try:
            if op == "create":
                tid, ptid, local, remote, sport, dport, sid, psid, ifname = args
                l2.create_tunnel(tunnel_id=int(tid), peer_tunnel_id=int(ptid), local=local, remote=remote,
                                 udp_sport=int(sport), udp_dport=int(dport), encap="udp")
                l2.create_session(tunnel_id=int(tid), session_id=int(sid), peer_session_id=int(psid),
                                  ifname=ifname, l2spec_type="default")
                out = {"created": True}
            elif op == "show":
                tid, sid = int(args[0]), int(args[1])
                out = {
                    "tunnel": fields(l2.get_tunnel(tid), TUNNEL),
                    "session": fields(l2.get_session(tid, sid), SESSION),
                    "tunnels": [fields(m, TUNNEL) for m in dump_tunnels(l2)],
                    "sessions": [fields(m, SESSION) for m in l2.dump_sessions()],
                }
            elif op == "modify":
                l2.modify_session(int(args[0]), int(args[1]), seq="both")
                out = {"modified": True}
            elif op == "delete":
                l2.delete_session(int(args[0]), int(args[1]))
                l2.delete_tunnel(int(args[0]))
                out = {"deleted": True}
            elif op == "missing":
                try:
                    l2.get_tunnel(int(args[0]))
                    out = {"found": True}
                except NetlinkError as e:
                    out = {"code": e.code, "message": str(e)}
            print(json.dumps(out), flush=True)
        finally:
            l2.close()
        """#

    /// `monitor.py N`: joins the `l2tp` group, prints READY, then N notifications, one per line.
    static let monitor = #"""
        import sys
        from pyroute2 import L2tp

        NAMES = {1: "TUNNEL_CREATE", 2: "TUNNEL_DELETE", 3: "TUNNEL_MODIFY", 5: "SESSION_CREATE",
                 6: "SESSION_DELETE", 7: "SESSION_MODIFY"}
        want = int(sys.argv[1])
        l2 = L2tp()
        l2.add_membership("l2tp")
        print("READY group", l2.mcast_groups["l2tp"], flush=True)
        seen = 0
        while seen < want:
            for msg in l2.get():
                tid = msg.get_attr("L2TP_ATTR_CONN_ID")
                sid = msg.get_attr("L2TP_ATTR_SESSION_ID")
                print(NAMES.get(msg["cmd"], msg["cmd"]), tid, "-" if sid is None else sid, flush=True)
                seen += 1
        l2.drop_membership("l2tp")
        print("DONE", flush=True)
        l2.close()
        """#

    /// `families.py`: other generic netlink families and rtnetlink, with l2tp in the same process.
    static let families = #"""
        import json
        from pyroute2 import IPRoute, TaskStats
        from pyroute2.netlink import GENL_ID_CTRL, ctrlmsg
        from pyroute2.netlink.generic import GenericNetlinkSocket

        g = GenericNetlinkSocket()
        g.asyncore.marshal.msg_map[GENL_ID_CTRL] = ctrlmsg
        # One socket: nlctrl lookups of kernel families and of l2tpd's, interleaved.
        ids = {name: g.discovery(name).get_attr("CTRL_ATTR_FAMILY_ID")
               for name in ("nlctrl", "l2tp", "TASKSTATS", "l2tpd")}
        g.close()
        ts = TaskStats()
        ts.bind()
        taskstats = ts.prid
        ts.close()
        with IPRoute() as ipr:
            links = sorted(link.get_attr("IFLA_IFNAME") for link in ipr.get_links())
        print(json.dumps({"ids": ids, "taskstats": taskstats, "links": links}))
        """#

    /// `managed.py LOCAL REMOTE PEER_INNER`: a managed tunnel on the script's own UDP socket (passed to
    /// l2tpd with L2TP_ATTR_FD), a session, an address, and pings across while the script lives.
    static let managed = #"""
        import json, socket, subprocess, sys
        from pyroute2 import IPRoute, L2tp

        local, remote, peer_inner = sys.argv[1:4]
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((local, 5000))
        s.connect((remote, 5001))
        l2 = L2tp()
        l2.create_tunnel(tunnel_id=42, peer_tunnel_id=45, fd=s.fileno(), local=local, remote=remote,
                         udp_sport=5000, udp_dport=5001)
        l2.create_session(tunnel_id=42, session_id=128, peer_session_id=5196755, ifname="mpw0")
        tunnel = l2.get_tunnel(42)
        with IPRoute() as ipr:
            idx = ipr.link_lookup(ifname="mpw0")[0]
            ipr.addr("add", index=idx, address="172.31.0.1", prefixlen=24)
            ipr.link("set", index=idx, state="up")
        replies = 0
        for attempt in range(3):
            r = subprocess.run(["ping", "-c", "3", "-i", "0.2", "-W", "2", peer_inner], capture_output=True, text=True)
            replies = int(r.stdout.split(" received")[0].split(", ")[-1]) if " received" in r.stdout else 0
            if replies:
                break
        print(json.dumps({"sport": tunnel.get_attr("L2TP_ATTR_UDP_SPORT"),
                          "dport": tunnel.get_attr("L2TP_ATTR_UDP_DPORT"), "replies": replies}), flush=True)
        l2.close()
        """#
}

extension Host {
    /// Runs a pyroute2 script through l2tpd-run; requires exit 0 and returns its stdout parsed as JSON.
    func pyroute2(_ scripts: String, _ script: String, _ args: [String] = [], timeout: Double = 60) throws -> [String: Any] {
        let r = try preload([try PyRoute2.python(), scripts + "/" + script] + args, timeout: timeout)
        guard r.status == 0, let line = r.stdout.split(separator: "\n").last,
            let json = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        else { throw CommandError(description: "[\(namespace)] \(r)\nl2tpd log:\n\(log)") }
        return json
    }
}

/// A command running in the background while the test does other things; stdout is collected.
final class BackgroundCommand: @unchecked Sendable {
    /// Text collected from a pipe by its readability handler.
    final class Collected: Sendable {
        let text = Mutex("")
        func append(_ data: Data) { text.withLock { $0 += String(decoding: data, as: UTF8.self) } }
        var value: String { text.withLock { $0 } }
    }

    private let process = Process()
    private let stdout = Collected()
    private let stderr = Collected()
    let argv: [String]

    init(_ argv: [String]) throws {
        self.argv = argv
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        process.standardInput = FileHandle.nullDevice
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        out.fileHandleForReading.readabilityHandler = { [stdout] h in stdout.append(h.availableData) }
        err.fileHandleForReading.readabilityHandler = { [stderr] h in stderr.append(h.availableData) }
        try process.runUnblocked()
    }

    var output: String { stdout.value }
    var errors: String { stderr.value }

    /// Waits until stdout contains `text` (or the command ends, or time runs out).
    func wait(for text: String, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if output.contains(text) { return true }
            if !process.isRunning { return output.contains(text) }
            usleep(20_000)
        }
        return false
    }

    /// Waits for the command to end, killing it after `timeout`; returns its status (nil if killed).
    @discardableResult
    func finish(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        usleep(100_000)  // let the pipe handlers take the last bytes
        return process.terminationStatus
    }

    var description: String { "`\(argv.joined(separator: " "))`\nstdout:\n\(output)\nstderr:\n\(errors)" }
}

@Suite("pyroute2 through l2tpd-run", .serialized, .timeLimit(.minutes(3)))
struct PyRoute2Tests {
    @Test("L2tp(): create, get, dump, modify and delete; traffic crosses the pyroute2-made pseudowire")
    func lifecycle() throws {
        _ = try PyRoute2.python()
        try withTopology { t in
            let dir = try PyRoute2.scripts(t)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let pw = Pseudowire()
            for (h, peer, tid, ptid, sport, dport, sid, psid) in [
                (t.a, t.b, pw.tunnelA, pw.tunnelB, pw.portA, pw.portB, pw.sessionA, pw.sessionB),
                (t.b, t.a, pw.tunnelB, pw.tunnelA, pw.portB, pw.portA, pw.sessionB, pw.sessionA),
            ] {
                let created = try h.pyroute2(dir, "ops.py", ["create", "\(tid)", "\(ptid)", h.ipv4, peer.ipv4, "\(sport)",
                                                          "\(dport)", "\(sid)", "\(psid)", "pyeth0"])
                #expect(created["created"] as? Bool == true)
            }
            var up = pw
            up.nameA = "pyeth0"
            up.nameB = "pyeth0"
            try up.bringUp(t)
            try expectConnectivity(t.a, pw.innerB)
            #expect(try ping(t.b, pw.innerA, count: 3) == 3)

            // What pyroute2 reads back, and what the l2tp CLI sees.
            let shown = try t.a.pyroute2(dir, "ops.py", ["show", "\(pw.tunnelA)", "\(pw.sessionA)"])
            let tunnel = shown["tunnel"] as? [String: Any] ?? [:]
            #expect(tunnel["conn_id"] as? Int == Int(pw.tunnelA) && tunnel["peer_conn_id"] as? Int == Int(pw.tunnelB))
            #expect(tunnel["udp_sport"] as? Int == Int(pw.portA) && tunnel["udp_dport"] as? Int == Int(pw.portB))
            #expect(tunnel["ip_saddr"] as? String == t.a.ipv4 && tunnel["ip_daddr"] as? String == t.b.ipv4)
            #expect(tunnel["proto_version"] as? Int == 3 && tunnel["encap_type"] as? Int == 0)
            let session = shown["session"] as? [String: Any] ?? [:]
            #expect(session["session_id"] as? Int == Int(pw.sessionA))
            #expect(session["peer_session_id"] as? Int == Int(pw.sessionB))
            #expect(session["ifname"] as? String == "pyeth0" && session["pw_type"] as? Int == 5)
            #expect(session["send_seq"] as? Int == 0 && session["recv_seq"] as? Int == 0)
            #expect((shown["tunnels"] as? [[String: Any]])?.map { $0["conn_id"] as? Int } == [Int(pw.tunnelA)])
            #expect((shown["sessions"] as? [[String: Any]])?.map { $0["session_id"] as? Int } == [Int(pw.sessionA)])
            #expect(try t.a.l2tpOK("show session").stdout.contains("interface name: pyeth0"))

            // Modify: sequencing on both sides, still carrying traffic.
            for (h, tid, sid) in [(t.a, pw.tunnelA, pw.sessionA), (t.b, pw.tunnelB, pw.sessionB)] {
                #expect(try h.pyroute2(dir, "ops.py", ["modify", "\(tid)", "\(sid)"])["modified"] as? Bool == true)
            }
            let modified = try t.a.pyroute2(dir, "ops.py", ["show", "\(pw.tunnelA)", "\(pw.sessionA)"])
            let after = modified["session"] as? [String: Any] ?? [:]
            #expect(after["send_seq"] as? Int == 1 && after["recv_seq"] as? Int == 1)
            #expect(try t.a.l2tpOK("show session").stdout.contains("sequence numbering: send recv"))
            #expect(try ping(t.a, pw.innerB, count: 3) == 3)

            // Errors come back as pyroute2's NetlinkError with l2tpd's errno and extended-ack text.
            let missing = try t.a.pyroute2(dir, "ops.py", ["missing", "999"])
            #expect(missing["code"] as? Int == Int(ENODEV))
            #expect((missing["message"] as? String)?.contains("tunnel 999 does not exist") == true)

            // Delete: the device goes, the listings are empty.
            #expect(try t.a.pyroute2(dir, "ops.py", ["delete", "\(pw.tunnelA)", "\(pw.sessionA)"])["deleted"] as? Bool == true)
            #expect(try !t.a.links().contains("pyeth0"))
            #expect(try t.a.l2tpOK("show tunnel").stdout.isEmpty)
            #expect(try t.a.l2tpOK("show session").stdout.isEmpty)
        }
    }

    @Test("A pyroute2 subscriber of the l2tp group sees the notifications of l2tp commands in order")
    func notifications() throws {
        let python = try PyRoute2.python()
        try PreloadBinaries.check()
        try withTopology { t in
            let dir = try PyRoute2.scripts(t)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let monitor = try BackgroundCommand(
                ["/usr/sbin/ip", "netns", "exec", t.a.namespace, PreloadBinaries.run, "--socket", t.a.socketPath,
                 python, dir + "/monitor.py", "5"])
            defer { monitor.finish(timeout: 0) }
            #expect(monitor.wait(for: "READY", timeout: 20), "the monitor did not start: \(monitor.description)")
            #expect(monitor.output.contains("READY group \(0x6c32)"))

            try t.a.l2tpOK("add tunnel tunnel_id 42 peer_tunnel_id 45 encap udp local \(t.a.ipv4) remote \(t.b.ipv4) udp_sport 5000 udp_dport 5001")
            try t.a.l2tpOK("add session name evpw tunnel_id 42 session_id 128 peer_session_id 129")
            #expect(try t.a.pyroute2(dir, "ops.py", ["modify", "42", "128"])["modified"] as? Bool == true)
            try t.a.l2tpOK("del session tunnel_id 42 session_id 128")
            try t.a.l2tpOK("del tunnel tunnel_id 42")

            #expect(monitor.wait(for: "DONE", timeout: 20), "\(monitor.description)")
            let status = monitor.finish(timeout: 10)
            #expect(status == 0, "\(monitor.description)")
            let events = monitor.output.split(separator: "\n").filter { !$0.hasPrefix("READY") && $0 != "DONE" }
            #expect(events == [
                "TUNNEL_CREATE 42 -", "SESSION_CREATE 42 128", "SESSION_MODIFY 42 128", "SESSION_DELETE 42 128",
                "TUNNEL_DELETE 42 -",
            ], "\(monitor.description)\nl2tpd log:\n\(t.a.log)")
        }
    }

    @Test("A managed tunnel: pyroute2 passes its own UDP socket (L2TP_ATTR_FD) and traffic crosses")
    func managedTunnel() throws {
        _ = try PyRoute2.python()
        try withTopology { t in
            let dir = try PyRoute2.scripts(t)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let pw = Pseudowire()
            try t.b.l2tpOK("add tunnel tunnel_id 45 peer_tunnel_id 42 encap udp local \(t.b.ipv4) remote \(t.a.ipv4) udp_sport 5001 udp_dport 5000")
            try t.b.l2tpOK("add session name l2tpeth0 tunnel_id 45 session_id 5196755 peer_session_id 128")
            try t.b.check(["ip", "addr", "add", "\(pw.innerB)/24", "dev", "l2tpeth0"])
            try t.b.check(["ip", "link", "set", "l2tpeth0", "up"])
            let result = try t.a.pyroute2(dir, "managed.py", [t.a.ipv4, t.b.ipv4, pw.innerB], timeout: 60)
            #expect(result["sport"] as? Int == 5000 && result["dport"] as? Int == 5001, "l2tpd reports the passed socket's ports")
            #expect((result["replies"] as? Int ?? 0) > 0, "no echo replies across the managed tunnel\nl2tpd log:\n\(t.a.log)")
            // The script has exited: its socket is closed, and the tunnel went with it.
            #expect(try t.a.l2tpOK("show tunnel").stdout.isEmpty)
        }
    }

    @Test("pyroute2's other netlink users reach the kernel: nlctrl, TASKSTATS, rtnetlink")
    func otherFamilies() throws {
        _ = try PyRoute2.python()
        try withTopology { t in
            let dir = try PyRoute2.scripts(t)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let r = try t.a.pyroute2(dir, "families.py")
            let ids = r["ids"] as? [String: Any] ?? [:]
            #expect(ids["nlctrl"] as? Int == 0x10)
            #expect(ids["l2tp"] as? Int == 0x6c32 && ids["l2tpd"] as? Int == 0x6c33)
            let taskstats = ids["TASKSTATS"] as? Int ?? 0
            #expect(taskstats > 0x10 && taskstats < 1024, "TASKSTATS is a kernel family id")
            #expect(r["taskstats"] as? Int == taskstats)
            #expect(r["links"] as? [String] == ["lo", t.a.veth].sorted())
            // Without the preload the same script fails at the l2tp lookup: the kernel has no l2tp.
            let plain = try t.a.run([try PyRoute2.python(), dir + "/families.py"])
            #expect(plain.status != 0 && plain.stderr.contains("No such file or directory"))
        }
    }
}
