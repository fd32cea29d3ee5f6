// SPDX-License-Identifier: GPL-2.0-only
// Cross-checks the golden fixtures with Wireshark's L2TP dissector: the fixtures go into a pcap
// (Ethernet/IPv4/UDP port 1701 for the UDP form, IPv4 protocol 115 for the IP form), tshark decodes
// it, and the T bit, version, ids, cookie and sequence number it reports must be what our parser reads.
//
// L2TPv3 cookie size and sublayer are not in the packet; tshark takes them as preferences
// (l2tp.cookie_size, l2tp.l2_specific), so fixtures are grouped by session context and each group
// is decoded in its own tshark run.
//
// Payloads are not compared: Wireshark (4.0) does not skip the v2 offset pad before handing the
// payload to PPP, while the kernel and RFC 2661 start the payload after it.

import L2TPTestSupport
import L2TPWire
import Testing

@Suite struct TSharkCrossCheckTests {
    static let fields = [
        "frame.number", "frame.protocols", "l2tp.type", "l2tp.version", "l2tp.tunnel", "l2tp.session", "l2tp.Ns",
        "l2tp.sid", "l2tp.ccid", "l2tp.cookie", "l2tp.l2_spec_s", "l2tp.l2_spec_sequence", "ip.checksum.status",
        "udp.checksum.status",
    ]

    /// What both decoders are compared on.
    struct View: Equatable, CustomStringConvertible {
        var control: Bool
        var version: UInt8?
        var tunnelID: UInt16?
        var sessionID: UInt32?
        var connectionID: UInt32?
        var ns: UInt32?
        var cookie: String

        var description: String {
            func show<T>(_ v: T?) -> String { v.map { "\($0)" } ?? "-" }
            return "\(control ? "control" : "data") ver=\(show(version)) tid=\(show(tunnelID)) sid=\(show(sessionID)) "
                + "ccid=\(show(connectionID)) ns=\(show(ns)) cookie=\(cookie.isEmpty ? "-" : cookie)"
        }
    }

    /// Our parser's reading of a fixture, restricted to what tshark reports.
    static func ours(_ fixture: Fixture) -> View {
        let d = parse(fixture)
        if d.kind == .control {
            // Over UDP the control header stays unparsed, so there is no connection id to compare.
            return View(control: true, version: d.version, connectionID: fixture.form == .ip ? d.connectionID : nil, cookie: "")
        }
        return View(
            control: false, version: d.version, tunnelID: d.tunnelID, sessionID: d.sessionID, ns: d.ns,
            cookie: d.cookie.hex)
    }

    /// tshark's reading of a fixture, from one row of `-T fields` output.
    static func theirs(_ row: [String: String], fixture: Fixture) -> View {
        let control = row["l2tp.type"] == "1"
        let version = row["l2tp.version"].flatMap { UInt8($0) }
        if control {
            return View(
                control: true, version: version,
                connectionID: fixture.form == .ip ? number(row["l2tp.ccid"]).map(UInt32.init) : nil, cookie: "")
        }
        if version == 2 {
            return View(
                control: false, version: 2, tunnelID: number(row["l2tp.tunnel"]).map(UInt16.init),
                sessionID: number(row["l2tp.session"]).map(UInt32.init), ns: number(row["l2tp.Ns"]).map(UInt32.init),
                cookie: "")
        }
        let sequenced = flag(row["l2tp.l2_spec_s"])
        return View(
            control: false, version: version, sessionID: number(row["l2tp.sid"]).map(UInt32.init),
            ns: sequenced ? number(row["l2tp.l2_spec_sequence"]).map(UInt32.init) : nil,
            cookie: (row["l2tp.cookie"] ?? "").filter { $0 != ":" }.lowercased())
    }

    /// The dissectors tshark ran on the frame, outermost first ("eth", "ethertype", "ip", "udp", "l2tp", ...).
    static func layers(_ row: [String: String]) -> [String] {
        (row["frame.protocols"] ?? "").split(separator: ":").map(String.init)
    }

    /// A decimal or 0x-prefixed hex number; nil for an empty field.
    static func number(_ s: String?) -> UInt64? {
        guard let s, !s.isEmpty else { return nil }
        if s.hasPrefix("0x") { return UInt64(s.dropFirst(2), radix: 16) }
        return UInt64(s)
    }

    /// A boolean field, printed as 1/0 by older tshark and True/False by newer.
    static func flag(_ s: String?) -> Bool {
        guard let s else { return false }
        return s == "1" || s.lowercased() == "true"
    }

    /// The dissector preferences that describe a fixture's session context.
    static func preferences(_ fixture: Fixture) -> [(String, String)] {
        [
            ("l2tp.cookie_size", "cookie\(fixture.cookie.count)"),
            ("l2tp.l2_specific", fixture.l2spec == .default ? "default" : "none"),
            ("ip.check_checksum", "TRUE"),
            ("udp.check_checksum", "TRUE"),
        ]
    }

    static var checked: [Fixture] {
        Fixtures.all.filter {
            if case .skip = $0.tshark { return false }
            return true
        }
    }

    @Test(
        "tshark decodes the golden packets as our parser does",
        .disabled(if: TShark.skipRequested, "\(TShark.skipVariable)=1"))
    func crossCheck() throws {
        guard let tshark = TShark.locate() else {
            Issue.record(
                "tshark is not installed: run `make test` (it installs tshark), or set \(TShark.skipVariable)=1 to skip this check")
            return
        }
        // One tshark run per session context (cookie size, sublayer), fixtures in a stable order.
        var groups: [String: [Fixture]] = [:]
        var order: [String] = []
        for fixture in Self.checked {
            let key = Self.preferences(fixture).map { "\($0.0)=\($0.1)" }.joined(separator: ",")
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(fixture)
        }
        #expect(order.count > 1)

        var compared = 0
        for key in order {
            let fixtures = groups[key]!
            var pcap = PcapWriter()
            for fixture in fixtures {
                switch fixture.form {
                case .udp: pcap.appendUDP(l2tp: fixture.bytes)
                case .ip: pcap.appendIP(l2tp: fixture.bytes)
                }
            }
            let rows = try tshark.fields(
                capture: pcap.bytes, fields: Self.fields, preferences: Self.preferences(fixtures[0]))
            try #require(rows.count == fixtures.count, "tshark returned \(rows.count) frames for \(fixtures.count) packets")

            for (fixture, values) in zip(fixtures, rows) {
                let row = Dictionary(uniqueKeysWithValues: zip(Self.fields, values))
                // The framing around the fixture must be valid, or tshark's view of it means little.
                #expect(row["ip.checksum.status"] == "1" || row["ip.checksum.status"] == "Good", "\(fixture.testDescription): IPv4 checksum")
                if fixture.form == .udp {
                    #expect(
                        row["udp.checksum.status"] == "1" || row["udp.checksum.status"] == "Good",
                        "\(fixture.testDescription): UDP checksum")
                }
                switch fixture.tshark {
                case .compare:
                    #expect(Self.layers(row).contains("l2tp"), "\(fixture.testDescription): \(row)")
                    #expect(Self.theirs(row, fixture: fixture) == Self.ours(fixture), "\(fixture.testDescription)")
                case .tBitOnly:
                    #expect(Self.theirs(row, fixture: fixture).control == (parse(fixture).kind == .control), "\(fixture.testDescription)")
                case .notL2TP:
                    let version = try #require(parse(fixture).version)
                    #expect(version != 2 && version != 3)
                    #expect(row["l2tp.version"] == "" && row["l2tp.sid"] == "", "\(fixture.testDescription): \(row)")
                    #expect(!Self.layers(row).contains("l2tp"), "\(fixture.testDescription): \(row)")
                case .skip:
                    Issue.record("skipped fixtures are filtered out")
                }
                compared += 1
            }
        }
        #expect(compared == Self.checked.count)
        // Every form and kind is represented.
        #expect(Self.checked.contains { $0.form == .ip && parse($0).kind == .control })
        #expect(Self.checked.contains { $0.form == .udp && parse($0).kind == .control })
        #expect(Self.checked.contains { $0.expect.version == 2 && $0.expect.ns != nil })
        #expect(Self.checked.contains { $0.cookie.count == 8 && $0.expect.ns != nil })
    }

    @Test("IPv4 header checksum matches the RFC 1071 worked value")
    func ipv4Checksum() {
        // A well-known header: 192.168.0.1 → 192.168.0.199, UDP, total length 0x73; its checksum is 0xb861.
        let header = [UInt8](hex: "4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7")
        #expect(Framing.internetChecksum(header) == 0xb861)
        let framed = Framing.ipv4(
            protocol: 115, identification: 1, source: Framing.hostA, destination: Framing.hostB, payload: [1, 2, 3])
        // A header carrying its own checksum sums to zero.
        #expect(Framing.internetChecksum(Array(framed.prefix(20))) == 0)
        #expect(framed[9] == 115)
        #expect(Array(framed[2..<4]) == [0, 23])
    }

    @Test("pcap file header and record layout")
    func pcapLayout() {
        var pcap = PcapWriter()
        #expect(pcap.bytes.hex == "d4c3b2a1" + "0200" + "0400" + "00000000" + "00000000" + "ffff0000" + "01000000")
        pcap.appendIP(l2tp: [0, 0, 0, 1])
        // Record header: ts_sec 0, ts_usec 0, incl_len = orig_len = 14 + 20 + 4.
        #expect(Array(pcap.bytes[24..<40]).hex == "00000000" + "00000000" + "26000000" + "26000000")
        #expect(pcap.bytes.count == 24 + 16 + 38)
        #expect(pcap.count == 1)
    }
}
