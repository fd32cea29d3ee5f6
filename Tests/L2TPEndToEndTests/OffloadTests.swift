// SPDX-License-Identifier: GPL-2.0-only
// The offloaded datapath end to end: TCP super-frames from the TAP segmented by l2tpd (sent as UDP GSO
// where the socket allows, one datagram each otherwise), coalesced again on the far side; UDP super-
// frames (USO) likewise; and the paths without offloads. Large transfers are compared by SHA-256,
// and the wire is checked with tshark.

import Foundation
import L2TPSystem
import Testing

/// One way of running the pseudowire.
struct OffloadCase: CustomTestStringConvertible, Sendable {
    var name: String
    var encap = "udp"
    var ipv6 = false
    /// Extra words for `add tunnel` on both sides.
    var tunnelOptions = ""
    var offloads = true
    /// L2TPD_TAP_OFFLOADS for both daemons: TAPs with fewer offloads, as older kernels give.
    var tapOffloads: String?
    /// The sending side should use UDP GSO (checksums on, UDP encapsulation, offloads on).
    var expectGSO = false
    /// The pseudowire devices' MTU, if not l2tpd's.
    var mtu: Int?
    var megabytes = 48

    var testDescription: String { name }

    static let all: [OffloadCase] = [
        // IPv4 tunnels compute checksums with offloads on, udp_csum or not: UDP GSO.
        OffloadCase(name: "UDP/IPv4 (UDP GSO)", expectGSO: true),
        OffloadCase(name: "UDP/IPv4 with udp_csum on (UDP GSO)", tunnelOptions: "udp_csum on", expectGSO: true),
        OffloadCase(name: "UDP/IPv6 (UDP GSO)", ipv6: true, expectGSO: true),
        // Zero checksums asked for: the kernel refuses UDP GSO, so one datagram per segment.
        OffloadCase(
            name: "UDP/IPv6 with zero checksums (no UDP GSO)", ipv6: true,
            tunnelOptions: "udp6_csum_tx off udp6_csum_rx off"),
        OffloadCase(name: "IP/IPv4", encap: "ip"),
        OffloadCase(name: "IP/IPv6", encap: "ip", ipv6: true),
        OffloadCase(name: "UDP/IPv4 with --no-offloads", offloads: false),
        // What older kernels give: no USO (before 6.2), no TSO, a virtio-net header and nothing else.
        OffloadCase(name: "UDP/IPv4, TAP without USO", tapOffloads: "csum,tso", expectGSO: true),
        OffloadCase(name: "UDP/IPv4, TAP with checksum offload only", tapOffloads: "csum", expectGSO: true, megabytes: 16),
        OffloadCase(name: "UDP/IPv4, TAP with no offloads", tapOffloads: "none", expectGSO: true, megabytes: 16),
        // A small MSS: a 64 KiB super-frame is some 250 segments.
        OffloadCase(name: "UDP/IPv6, MTU 300 (UDP GSO)", ipv6: true, expectGSO: true, mtu: 300, megabytes: 8),
    ]
}

/// Python programs run in the namespaces: a TCP sink and source, a UDP sink and a UDP GSO source.
private enum Transfer {
    static let tcpSink = #"""
        import hashlib, socket, sys
        s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1); s.settimeout(30)
        c, _ = s.accept(); c.settimeout(30)
        h, n = hashlib.sha256(), 0
        while True:
            d = c.recv(1 << 20)
            if not d: break
            h.update(d); n += len(d)
        print(n, h.hexdigest(), flush=True)
        """#
    static let tcpSource = #"""
        import hashlib, random, socket, sys, time
        r, total, h, sent = random.Random(int(sys.argv[4])), int(sys.argv[3]), hashlib.sha256(), 0
        for attempt in range(50):
            try:
                s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=30); break
            except OSError:
                time.sleep(0.1)
        while sent < total:
            block = r.randbytes(min(1 << 20, total - sent))
            s.sendall(block); h.update(block); sent += len(block)
        s.shutdown(socket.SHUT_WR); s.recv(1)
        print(sent, h.hexdigest(), flush=True)
        """#
    /// Receives datagrams until 2 s of silence; prints how many, and how many were intact.
    static let udpSink = #"""
        import socket, sys
        s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        s.bind((sys.argv[1], int(sys.argv[2]))); s.settimeout(20)
        n = good = 0
        while True:
            try: d = s.recv(65536)
            except socket.timeout: break
            s.settimeout(2)
            n += 1
            seq = int.from_bytes(d[:4], "big")
            good += len(d) == int(sys.argv[3]) and d[4:] == bytes([seq % 251]) * (len(d) - 4)
        print(n, good, flush=True)
        """#
    /// Sends `count` super-frames of `per` datagrams of `size` bytes with UDP_SEGMENT (USO).
    static let udpSource = #"""
        import socket, sys, time
        addr, port, size, per, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
        s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_UDP, 103, size)  # UDP_SEGMENT
        seq = 0
        for _ in range(count):
            buf = b""
            for _ in range(per):
                buf += seq.to_bytes(4, "big") + bytes([seq % 251]) * (size - 4); seq += 1
            s.sendto(buf, (addr, port)); time.sleep(0.002)
        print(seq, flush=True)
        """#

    static func write(_ name: String, _ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "l2tpd-offload-\(getpid())-\(name).py"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

/// Runs `sink` in `receiver` in the background and `source` in `sender`; returns both outputs.
private func runPair(
    sender: Host, receiver: Host, sink: [String], source: [String], timeout: Double = 60
) throws -> (sink: String, source: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
    p.arguments = ["netns", "exec", receiver.namespace] + sink
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.runUnblocked()
    defer { if p.isRunning { p.terminate() } }
    usleep(300_000)
    let s = try sender.run(source, timeout: timeout)
    let deadline = Date().addingTimeInterval(timeout)
    while p.isRunning && Date() < deadline { usleep(20_000) }
    if p.isRunning { p.terminate() }
    p.waitUntilExit()
    let sinkText = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    return (sinkText.trimmingCharacters(in: .whitespacesAndNewlines), s.stdout.trimmingCharacters(in: .whitespacesAndNewlines) + s.stderr)
}

/// The pseudowire of `c` between A and B, daemons started accordingly.
private func offloadPseudowire(_ t: Topology, _ c: OffloadCase) throws -> Pseudowire {
    let args = c.offloads ? [] : ["--no-offloads"]
    let environment = c.tapOffloads.map { ["L2TPD_TAP_OFFLOADS": $0] } ?? [:]
    try t.a.startDaemon(extraArguments: args, environment: environment, logLevel: "info")
    try t.b.startDaemon(extraArguments: args, environment: environment, logLevel: "info")
    var pw = Pseudowire()
    pw.encap = c.encap
    pw.ipv6 = c.ipv6
    if !c.tunnelOptions.isEmpty {
        let (a, b) = c.ipv6 ? (t.a.ipv6, t.b.ipv6) : (t.a.ipv4, t.b.ipv4)
        try t.a.l2tpOK("add tunnel tunnel_id \(pw.tunnelA) peer_tunnel_id \(pw.tunnelB) local \(a) remote \(b) udp_sport \(pw.portA) udp_dport \(pw.portB) \(c.tunnelOptions)")
        try t.b.l2tpOK("add tunnel tunnel_id \(pw.tunnelB) peer_tunnel_id \(pw.tunnelA) local \(b) remote \(a) udp_sport \(pw.portB) udp_dport \(pw.portA) \(c.tunnelOptions)")
    } else {
        try pw.addTunnels(t)
    }
    try pw.addSessions(t)
    try pw.bringUp(t, mtu: c.mtu)
    try expectConnectivity(t.a, pw.innerB)
    return pw
}

@Suite("Offloads end to end", .serialized, .timeLimit(.minutes(5)))
struct OffloadTests {
    @Test("A large TCP transfer each way arrives intact; what crosses the wire is segmented", arguments: OffloadCase.all)
    func tcpTransfer(_ c: OffloadCase) throws {
        try withTopology(startDaemons: false) { t in
            let pw = try offloadPseudowire(t, c)
            let sink = try Transfer.write("tcp-sink", Transfer.tcpSink)
            let source = try Transfer.write("tcp-source", Transfer.tcpSource)
            let total = c.megabytes << 20
            for (from, to, addr) in [(t.a, t.b, pw.innerB), (t.b, t.a, pw.innerA)] {
                let r = try runPair(
                    sender: from, receiver: to, sink: ["python3", sink, addr, "7001"],
                    source: ["python3", source, addr, "7001", "\(total)", "42"])
                #expect(!r.sink.isEmpty && r.sink == r.source, "sink: \(r.sink) source: \(r.source)")
                #expect(r.source.hasPrefix("\(total) "))
            }
            // The wire carried segments: at least one L2TP packet per MTU-sized piece, none dropped.
            let a = try sessionStats(t.a)[pw.sessionA] ?? [:]
            let b = try sessionStats(t.b)[pw.sessionB] ?? [:]
            #expect((a["tx_packets"] ?? 0) >= UInt64(total / (c.mtu ?? 1500)), "\(a)")
            #expect(a["tx_errors"] == 0 && b["tx_errors"] == 0 && a["rx_errors"] == 0 && b["rx_errors"] == 0)
            let dump = try t.a.l2tpOK("debug dump").stdout
            #expect(dump.contains("offloads \(c.offloads ? c.tapOffloads ?? "csum,tso,uso" : "none")\n"), "\(dump)")
            #expect(dump.contains("rx_dropped 0"))
            if c.encap == "udp" {
                #expect(dump.contains("gso \(c.expectGSO ? 1 : 0) gro \(c.offloads ? 1 : 0)"), "\(dump)")
            }
        }
    }

    @Test("UDP super-frames from an application (UDP_SEGMENT) cross as separate datagrams, every one intact",
          arguments: [
              OffloadCase(name: "offloads", tunnelOptions: "udp_csum on", expectGSO: true),
              // The kernel segments the application's super-frames itself before the TAP.
              OffloadCase(name: "TAP without USO", tunnelOptions: "udp_csum on", tapOffloads: "csum,tso", expectGSO: true),
              OffloadCase(name: "--no-offloads", tunnelOptions: "udp_csum on", offloads: false),
          ])
    func udpSegmentation(_ c: OffloadCase) throws {
        try withTopology(startDaemons: false) { t in
            let pw = try offloadPseudowire(t, c)
            let sink = try Transfer.write("udp-sink", Transfer.udpSink)
            let source = try Transfer.write("udp-source", Transfer.udpSource)
            let before = try sessionStats(t.a)[pw.sessionA]?["tx_packets"] ?? 0
            let r = try runPair(
                sender: t.a, receiver: t.b, sink: ["python3", sink, pw.innerB, "7002", "1000"],
                source: ["python3", source, pw.innerB, "7002", "1000", "40", "50"])
            #expect(r.source == "2000", "\(r.source)")
            #expect(r.sink == "2000 2000", "received, intact: \(r.sink)")
            let after = try sessionStats(t.a)[pw.sessionA]?["tx_packets"] ?? 0
            #expect(after - before >= 2000, "one L2TP packet per datagram: \(after - before)")
        }
    }

    @Test("Separate frames of one size read together leave as one UDP GSO message; every datagram arrives intact")
    func smallFramesBatched() throws {
        try withTopology(startDaemons: false) { t in
            // Without USO on the TAP the kernel splits the application's super-frames into separate
            // frames before l2tpd reads them: bursts of equal frames.
            let c = OffloadCase(name: "", tapOffloads: "csum,tso", expectGSO: true)
            let pw = try offloadPseudowire(t, c)
            let sink = try Transfer.write("udp-sink", Transfer.udpSink)
            let source = try Transfer.write("udp-source", Transfer.udpSource)
            var r = (sink: "", source: "")
            // veth passes a UDP GSO message whole, so B's capture sees it as one packet larger than
            // any datagram (1000 bytes of payload: 1,096 bytes on the wire alone).
            let lengths = try captured(t.b, port: pw.portB, field: "frame.len") {
                r = try runPair(
                    sender: t.a, receiver: t.b, sink: ["python3", sink, pw.innerB, "7005", "1000"],
                    source: ["python3", source, pw.innerB, "7005", "1000", "40", "50"])
            }
            #expect(r.sink == "2000 2000", "received, intact: \(r.sink)")
            let largest = lengths.compactMap { Int($0) }.max() ?? 0
            #expect(largest > 2000, "largest packet on B's veth: \(largest) of \(lengths.count)")
        }
    }

    @Test("A UDP GSO send the kernel refuses ends GSO on that tunnel; the transfer carries on, one datagram at a time")
    func refusedSegmentation() throws {
        try withTopology(startDaemons: false) { t in
            let pw = try offloadPseudowire(t, OffloadCase(name: "", expectGSO: true))
            #expect(try t.a.l2tpOK("debug dump").stdout.contains("gso 1"))
            // The kernel refuses (EINVAL) GSO datagrams that would need fragmenting: shrink the route
            // MTU under the pseudowire's (1446 + headers). Single datagrams are fragmented as before.
            for h in [t.a, t.b] { try h.check(["ip", "link", "set", h.veth, "mtu", "1000"]) }
            let sink = try Transfer.write("tcp-sink", Transfer.tcpSink)
            let source = try Transfer.write("tcp-source", Transfer.tcpSource)
            let r = try runPair(
                sender: t.a, receiver: t.b, sink: ["python3", sink, pw.innerB, "7004"],
                source: ["python3", source, pw.innerB, "7004", "\(8 << 20)", "3"])
            #expect(!r.sink.isEmpty && r.sink == r.source, "sink: \(r.sink) source: \(r.source)")
            let dump = try t.a.l2tpOK("debug dump").stdout
            #expect(dump.contains("gso 0"), "\(dump)")
            // The refused messages were counted as transmit errors (their datagrams were lost).
            let a = try sessionStats(t.a)[pw.sessionA] ?? [:]
            #expect((a["tx_errors"] ?? 0) > 0, "\(a)")
        }
    }

    @Test("TAPOffloads(names:) reads what description writes, and nothing else")
    func offloadNames() {
        for o: TAPOffloads in [[], .checksum, [.checksum, .tcpSegmentation], .all, [.checksum, .udpSegmentation]] {
            #expect(TAPOffloads(names: o.description) == o, "\(o)")
        }
        #expect(TAPOffloads(names: "uso,csum") == [.checksum, .udpSegmentation])
        for bad in ["", "csum,", "gso", "CSUM", "csum,,tso", "none,csum"] {
            #expect(TAPOffloads(names: bad) == nil, "\(bad)")
        }
    }

    @Test("L2TPD_TAP_OFFLOADS other than a list of csum, tso, uso or none: l2tpd refuses to start, saying why")
    func invalidTAPOffloads() throws {
        let r = try Command.run(
            ["env", "L2TPD_TAP_OFFLOADS=csum,gso", Binaries.l2tpd, "--control-socket", NSTemporaryDirectory() + "l2tpd-bad-\(getpid()).sock"],
            timeout: 20)
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.contains("L2TPD_TAP_OFFLOADS=csum,gso: expected a comma list of csum, tso and uso, or none"), "\(r)")
    }

    @Test("On the wire: L2TP packets no larger than the path MTU, inner TCP checksums valid (tshark)",
          arguments: [true, false])
    func wireFormat(gso: Bool) throws {
        try withTopology(startDaemons: false) { t in
            // Without UDP GSO l2tpd sends every segment itself (IPv6 with zero checksums asked for).
            let c = gso
                ? OffloadCase(name: "", expectGSO: true)
                : OffloadCase(name: "", ipv6: true, tunnelOptions: "udp6_csum_tx off udp6_csum_rx off")
            let pw = try offloadPseudowire(t, c)
            // veth passes UDP GSO packets whole (a NIC would segment them): make A's kernel segment
            // them in software, so B's capture shows the datagrams a real wire would carry.
            try t.a.check(["ethtool", "-K", t.a.veth, "tx-udp-segmentation", "off"])
            let sink = try Transfer.write("tcp-sink", Transfer.tcpSink)
            let source = try Transfer.write("tcp-source", Transfer.tcpSource)
            let out = NSTemporaryDirectory() + "l2tpd-offload-\(t.id).txt"
            let capture = Process()
            capture.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            capture.arguments = [
                "netns", "exec", t.b.namespace, "tshark", "-n", "-i", t.b.veth, "-c", "2000", "-a", "duration:20",
                "-f", "udp dst port \(pw.portB)", "-d", "udp.port==\(pw.portB),l2tp", "-d", "l2tp.pw_type==0,eth",
                "-o", "l2tp.l2_specific:Default L2-Specific", "-o", "l2tp.cookie_size:None",
                "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
                "-T", "fields", "-E", "occurrence=a", "-e", "frame.len", "-e", "tcp.checksum.status", "-e", "tcp.len",
            ]
            _ = FileManager.default.createFile(atPath: out, contents: nil)
            capture.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
            capture.standardError = FileHandle.nullDevice
            try capture.runUnblocked()
            defer {
                if capture.isRunning { capture.terminate() }
                try? FileManager.default.removeItem(atPath: out)
            }
            usleep(1_500_000)
            let r = try runPair(
                sender: t.a, receiver: t.b, sink: ["python3", sink, pw.innerB, "7003"],
                source: ["python3", source, pw.innerB, "7003", "\(4 << 20)", "7"])
            #expect(!r.sink.isEmpty && r.sink == r.source)
            let deadline = Date().addingTimeInterval(20)
            while capture.isRunning && Date() < deadline { usleep(50_000) }
            if capture.isRunning { capture.terminate() }
            capture.waitUntilExit()
            let rows = ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n")
                .map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
            let data = rows.filter { $0.count >= 3 && !$0[2].isEmpty && $0[2].split(separator: ",").last != "0" }
            #expect(data.count > 500, "captured \(rows.count) packets, \(data.count) with TCP data")
            // Whole Ethernet frames on the veth: at most its 1500-byte MTU plus the 14-byte header.
            let largest = data.compactMap { Int($0[0]) }.max() ?? 0
            #expect(largest <= 1514, "largest frame on the wire: \(largest)")
            #expect(largest > 1400, "full-sized segments: \(largest)")
            // tcp.checksum.status (with check_checksum on): 1 good, 0 bad, 2 not verified.
            let bad = data.filter { $0[1] != "1" }.count
            #expect(bad == 0, "\(bad) of \(data.count) TCP checksums not good, e.g. \(data.first { $0[1] != "1" } ?? [])")
        }
    }
}
