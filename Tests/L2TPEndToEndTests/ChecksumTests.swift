// SPDX-License-Identifier: GPL-2.0-only
// UDP checksum options seen on the wire: udp_csum for IPv4, udp6_csum_tx/rx for IPv6, checked by
// capturing the tunnel's packets with tshark on the peer's veth.

import Foundation
import Testing

/// Captures `field` of every UDP packet to `port` on `h`'s veth while `traffic` runs.
func captured(_ h: Host, port: UInt16, field: String, _ traffic: () throws -> Void) throws -> [String] {
    let out = NSTemporaryDirectory() + "l2tpd-capture-\(h.namespace).txt"
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
    p.arguments = ["netns", "exec", h.namespace, "tshark", "-n", "-l", "-i", h.veth, "-a", "duration:6",
                   "-f", "udp dst port \(port)", "-T", "fields", "-e", field]
    _ = FileManager.default.createFile(atPath: out, contents: nil)
    p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
    p.standardError = FileHandle.nullDevice
    try p.runUnblocked()
    defer {
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        try? FileManager.default.removeItem(atPath: out)
    }
    usleep(1_500_000)  // tshark needs a moment before it captures
    try traffic()
    usleep(300_000)
    p.terminate()
    p.waitUntilExit()
    let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
    return text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}

/// The UDP checksums of packets to `port` on `h`'s veth while `traffic` runs.
func capturedChecksums(_ h: Host, port: UInt16, _ traffic: () throws -> Void) throws -> [String] {
    try captured(h, port: port, field: "udp.checksum", traffic)
}

@Suite("UDP checksums on the wire", .serialized, .timeLimit(.minutes(2)))
struct ChecksumTests {
    /// udp_csum off means zero checksums only without offloads: with them l2tpd computes checksums,
    /// which UDP GSO needs (Docs/CONTROL.md, "Where l2tpd knowingly differs").
    @Test("IPv4: zero checksums with udp_csum off and --no-offloads, computed otherwise",
          arguments: [false, true], [false, true])
    func ipv4(udpCsum: Bool, offloads: Bool) throws {
        try withTopology(startDaemons: false) { t in
            try t.a.startDaemon(extraArguments: offloads ? [] : ["--no-offloads"])
            try t.b.startDaemon()
            try t.a.l2tpOK("add tunnel tunnel_id 42 peer_tunnel_id 45 local \(t.a.ipv4) remote \(t.b.ipv4) udp_sport 5000 udp_dport 5001 udp_csum \(udpCsum ? "on" : "off")")
            try t.b.l2tpOK("add tunnel tunnel_id 45 peer_tunnel_id 42 local \(t.b.ipv4) remote \(t.a.ipv4) udp_sport 5001 udp_dport 5000")
            let pw = Pseudowire()
            try pw.addSessions(t)
            try pw.bringUp(t)
            let sums = try capturedChecksums(t.b, port: 5001) { try expectConnectivity(t.a, pw.innerB) }
            #expect(!sums.isEmpty, "no tunnel packets captured")
            let zero = sums.filter { $0 == "0x0000" }.count
            let expectZero = !udpCsum && !offloads
            #expect(expectZero ? zero == sums.count : zero == 0, "checksums seen: \(sums)")
            // The tunnel still reports the udp_csum asked for; UDP GSO follows the checksums.
            let dump = try t.a.l2tpOK("debug dump").stdout
            #expect(dump.contains("udp_csum \(udpCsum ? 1 : 0)"), "\(dump)")
            #expect(dump.contains("gso \(offloads ? 1 : 0)"), "\(dump)")
        }
    }

    @Test("IPv6: zero checksums sent with udp6_csum_tx off, accepted only with udp6_csum_rx off", arguments: [false, true])
    func ipv6(peerAcceptsZero: Bool) throws {
        try withTopology { t in
            try t.a.l2tpOK("add tunnel tunnel_id 42 peer_tunnel_id 45 local \(t.a.ipv6) remote \(t.b.ipv6) udp_sport 5000 udp_dport 5001 udp6_csum_tx off")
            try t.b.l2tpOK("add tunnel tunnel_id 45 peer_tunnel_id 42 local \(t.b.ipv6) remote \(t.a.ipv6) udp_sport 5001 udp_dport 5000 udp6_csum_rx \(peerAcceptsZero ? "off" : "on")")
            let pw = Pseudowire()
            try pw.addSessions(t)
            try pw.bringUp(t)
            var replies = 0
            let sums = try capturedChecksums(t.b, port: 5001) { replies = try ping(t.a, pw.innerB, count: 3, timeout: 1) }
            #expect(!sums.isEmpty && sums.allSatisfy { $0 == "0x0000" }, "checksums seen: \(sums)")
            if peerAcceptsZero {
                if replies == 0 { replies = try ping(t.a, pw.innerB, count: 3) }
                #expect(replies > 0, "B accepts zero checksums with udp6_csum_rx off")
            } else {
                #expect(replies == 0, "B's kernel must drop zero-checksum UDP/IPv6 unless udp6_csum_rx is off")
            }
        }
    }
}
