// SPDX-License-Identifier: GPL-2.0-only
// Managed tunnels (L2TP_ATTR_FD) end to end: on each host a small control program owns the tunnel
// socket, hands it to l2tpd with SCM_RIGHTS, exchanges control frames with its peer (sending on its
// own socket, receiving them from l2tpd as CONTROL_FRAME messages) while data flows through l2tpd,
// then exits, and its tunnel and session disappear. Also the kernel's checks of the passed socket.

import Foundation
import Testing

/// The control program: raw netlink over the control socket, as Docs/CONTROL.md describes it.
let controlProgram = #"""
import os, socket, struct, sys, time, select

path, role, encap, local, peer, tid, ptid, sid, psid, status, go, stop = sys.argv[1:]
tid, ptid, sid, psid = int(tid), int(ptid), int(sid), int(psid)
IPV6 = ":" in local
ctl = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
ctl.connect(path)
seq = 0
pending = []  # messages of seq 0 (control frames) that arrived while waiting for an answer

def attr(t, data):
    n = 4 + len(data)
    return struct.pack("=HH", n, t) + data + b"\0" * ((4 - n % 4) % 4)

def attrs(b):
    out = {}
    while len(b) >= 4:
        n, t = struct.unpack("=HH", b[:4])
        if n < 4: break
        out[t & 0x3fff] = b[4:n]
        b = b[(n + 3) & ~3:]
    return out

def messages(d):
    while len(d) >= 16:
        n, typ, flags, s, pid = struct.unpack("=IHHII", d[:16])
        yield typ, s, d[16:n]
        d = d[(n + 3) & ~3:]

def ask(typ, cmd, body, fds=()):
    """Sends one request with NLM_F_REQUEST|NLM_F_ACK; returns (reply payloads, errno)."""
    global seq
    seq += 1
    payload = struct.pack("=BBH", cmd, 1, 0) + b"".join(body)
    msg = struct.pack("=IHHII", 16 + len(payload), typ, 5, seq, 0) + payload
    if fds:
        ctl.sendmsg([msg], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("i" * len(fds), *fds))])
    else:
        ctl.send(msg)
    replies = []
    while True:
        for typ2, s, payload in messages(ctl.recv(65536)):
            if s == 0:
                pending.append((typ2, payload))
            elif s == seq and typ2 == 2:
                return replies, -struct.unpack("=i", payload[:4])[0]
            elif s == seq:
                replies.append(payload)

def family(name):
    replies, err = ask(0x10, 3, [attr(2, name.encode() + b"\0")])
    assert err == 0, (name, err)
    return struct.unpack("=H", attrs(replies[0][4:])[1][:2])[0]

L2TP, L2TPD = family("l2tp"), family("l2tpd")
fam = socket.AF_INET6 if IPV6 else socket.AF_INET
if encap == "udp":
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((local, 1701))
    s.connect((peer, 1701))
else:
    s = socket.socket(fam, socket.SOCK_RAW, 115)
    s.bind((local, 0))
    s.connect((peer, 0))
u32 = lambda v: struct.pack("=I", v)
_, err = ask(L2TP, 1, [attr(9, u32(tid)), attr(10, u32(ptid)), attr(7, b"\3"),
                       attr(2, struct.pack("=H", 0 if encap == "udp" else 1)), attr(23, u32(s.fileno()))],
             fds=[s.fileno()])
assert err == 0, ("TUNNEL_CREATE", err)
_, err = ask(L2TP, 5, [attr(9, u32(tid)), attr(11, u32(sid)), attr(12, u32(psid)),
                       attr(1, struct.pack("=H", 5)), attr(8, b"mgd0\0")])
assert err == 0, ("SESSION_CREATE", err)
open(status, "w").write("ready\n")

def control(n):
    body = ("%s %d" % (role, n)).encode()
    header = struct.pack("!HHIHH", 0xc803, 12 + len(body), ptid, n, 0)  # T, L, Ver 3 | Length | CCID | Ns | Nr
    return (b"" if encap == "udp" else b"\0\0\0\0") + header + body

while not os.path.exists(go):  # both tunnels exist before any control frame is sent
    time.sleep(0.05)
other = "b" if role == "a" else "a"
received, sent, deadline = [], 0, time.time() + 20
while (len(received) < 10 or sent < 10) and time.time() < deadline:
    if sent < 10:
        s.send(control(sent))
        sent += 1
    for typ, payload in pending:
        a = attrs(payload[4:])
        if typ == L2TPD and payload[0] == 2 and struct.unpack("=I", a[2][:4])[0] == tid:
            frame = a[3]
            assert struct.unpack("!H", frame[:2])[0] == 0xc803, frame[:4].hex()
            received.append(frame[12:].decode())
    pending.clear()
    if select.select([ctl], [], [], 0.05)[0]:
        for typ, s2, payload in messages(ctl.recv(65536)):
            pending.append((typ, payload))
expected = ["%s %d" % (other, n) for n in range(10)]
open(status, "a").write("control %s\n" % ("ok" if received == expected else "bad %r" % received))
while not os.path.exists(stop):
    time.sleep(0.05)
"""#

/// Runs the control program for one host in the background.
final class ControlProgram {
    let process = Process()
    let status: String
    let go: String
    let stop: String

    init(_ h: Host, role: String, encap: String, ipv6: Bool, peer: Host, tid: UInt32, ptid: UInt32, sid: UInt32, psid: UInt32) throws {
        let dir = NSTemporaryDirectory()
        let script = dir + "l2tpd-control-\(h.namespace).py"
        try controlProgram.write(toFile: script, atomically: true, encoding: .utf8)
        status = dir + "l2tpd-control-\(h.namespace).status"
        go = dir + "l2tpd-control-\(h.namespace).go"
        stop = dir + "l2tpd-control-\(h.namespace).stop"
        try? FileManager.default.removeItem(atPath: go)
        try? FileManager.default.removeItem(atPath: status)
        try? FileManager.default.removeItem(atPath: stop)
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = ["netns", "exec", h.namespace, "/usr/bin/python3", script, h.socketPath, role, encap,
                             ipv6 ? h.ipv6 : h.ipv4, ipv6 ? peer.ipv6 : peer.ipv4, "\(tid)", "\(ptid)", "\(sid)", "\(psid)",
                             status, go, stop]
        process.standardOutput = FileHandle.nullDevice
        try process.runUnblocked()
    }

    var statusText: String { (try? String(contentsOfFile: status, encoding: .utf8)) ?? "" }

    /// Waits until the status file contains `text` (or the program died).
    func wait(for text: String, timeout: Double = 20) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if statusText.contains(text) { return true }
            if !process.isRunning { return statusText.contains(text) }
            usleep(50_000)
        }
        return false
    }

    /// Lets the program start exchanging control frames.
    func start() { _ = FileManager.default.createFile(atPath: go, contents: nil) }

    /// Lets the program exit (closing its control connection) and waits for it.
    func finish() {
        start()
        _ = FileManager.default.createFile(atPath: stop, contents: nil)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

@Suite("Managed tunnels", .serialized, .timeLimit(.minutes(2)))
struct ManagedTunnelTests {
    @Test("A control program owns the socket; control frames reach it in order while data flows; its exit closes the tunnel",
          arguments: [("udp", false), ("udp", true), ("ip", false)])
    func ownedTunnel(encap: String, ipv6: Bool) throws {
        try withTopology { t in
            let a = try ControlProgram(t.a, role: "a", encap: encap, ipv6: ipv6, peer: t.b, tid: 10, ptid: 20, sid: 100, psid: 200)
            let b = try ControlProgram(t.b, role: "b", encap: encap, ipv6: ipv6, peer: t.a, tid: 20, ptid: 10, sid: 200, psid: 100)
            defer {
                a.finish()
                b.finish()
            }
            #expect(a.wait(for: "ready") && b.wait(for: "ready"), "a: \(a.statusText) b: \(b.statusText) \(t.a.log)")
            for (h, addr) in [(t.a, "172.30.0.1"), (t.b, "172.30.0.2")] {
                try h.check(["ip", "addr", "add", "\(addr)/24", "dev", "mgd0"])
                try h.check(["ip", "link", "set", "mgd0", "up"])
            }
            a.start()
            b.start()
            try expectConnectivity(t.a, "172.30.0.2", "data through the managed tunnel")
            #expect(a.wait(for: "control ok"), "a: \(a.statusText)")
            #expect(b.wait(for: "control ok"), "b: \(b.statusText)")
            // The control frames did not go to the datapath, and the tunnel reports the socket's addresses.
            #expect(try dumpValue(t.a, "DATAPATH", "control_without_owner") == 0)
            let shown = try t.a.l2tpOK("show tunnel").stdout
            #expect(shown.contains("Tunnel 10, encap \(encap.uppercased())"))
            #expect(shown.contains("From \(ipv6 ? t.a.ipv6 : t.a.ipv4) to \(ipv6 ? t.b.ipv6 : t.b.ipv4)"))
            a.finish()
            // The owner is gone: its tunnel and session are closed, as the kernel closes a tunnel whose
            // socket is closed; the other host's tunnel is untouched.
            var gone = false
            for _ in 0..<50 where !gone {
                gone = try t.a.l2tpOK("show tunnel").stdout.isEmpty
                if !gone { usleep(50_000) }
            }
            #expect(gone, "tunnel 10 still exists after its owner exited")
            #expect(try !t.a.links().contains("mgd0"))
            #expect(try t.b.l2tpOK("show tunnel").stdout.contains("Tunnel 20"))
            #expect(t.a.daemonIsRunning)
        }
    }

    @Test("The passed socket is checked as l2tp_validate_socket checks it")
    func socketChecks() throws {
        try withTopology { t in
            let script = #"""
                import socket, struct, sys
                path, local, peer = sys.argv[1:]
                ctl = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); ctl.connect(path)
                def attr(t, d):
                    n = 4 + len(d); return struct.pack("=HH", n, t) + d + b"\0" * ((4 - n % 4) % 4)
                def create(tid, fd, encap=0, send_fd=True):
                    p = struct.pack("=BBH", 1, 1, 0) + attr(9, struct.pack("=I", tid)) + attr(10, struct.pack("=I", 1)) \
                        + attr(7, b"\3") + attr(2, struct.pack("=H", encap)) + attr(23, struct.pack("=I", fd))
                    m = struct.pack("=IHHII", 16 + len(p), 0x6c32, 5, tid, 0) + p
                    if send_fd: ctl.sendmsg([m], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("i", fd))])
                    else: ctl.send(m)
                    r = ctl.recv(4096)
                    return -struct.unpack("=i", r[16:20])[0]
                good = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); good.bind((local, 1701)); good.connect((peer, 1701))
                unconnected = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); unconnected.bind((local, 1702))
                tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                f = open("/dev/null")
                print(create(1, good.fileno(), send_fd=False),    # EBADF: nothing passed
                      create(2, f.fileno()),                      # ENOTSOCK
                      create(3, tcp.fileno()),                    # EPROTONOSUPPORT: not a datagram socket
                      create(4, good.fileno(), encap=1),          # EPROTONOSUPPORT: UDP socket for an IP tunnel
                      create(5, unconnected.fileno()),            # ENOTCONN
                      create(6, good.fileno()),                   # 0: adopted
                      create(7, good.fileno()),                   # EBUSY: already a tunnel's
                      create(6, good.fileno()))                   # EEXIST: tunnel id taken
                """#
            let file = NSTemporaryDirectory() + "l2tpd-validate-\(t.a.namespace).py"
            try script.write(toFile: file, atomically: true, encoding: .utf8)
            let r = try t.a.check(["/usr/bin/python3", file, t.a.socketPath, t.a.ipv4, t.b.ipv4])
            let codes = r.stdout.split(separator: " ").map { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            #expect(codes == [EBADF, ENOTSOCK, EPROTONOSUPPORT, EPROTONOSUPPORT, ENOTCONN, 0, EBUSY, EEXIST])
            // The script exited: its tunnel closed with its connection.
            #expect(try t.a.l2tpOK("show tunnel").stdout.isEmpty)
        }
    }
}
