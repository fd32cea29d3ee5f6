// SPDX-License-Identifier: GPL-2.0-only
// Userspace GSO: super-frames split into segments, every segment checked by the byte-at-a-time
// reference and by tshark (IPv4 header, TCP and UDP checksums; seq, length and flags).

import L2TPOffload
import L2TPTestSupport
import Testing

/// One super-frame to split.
struct SegmentationCase: CustomTestStringConvertible, Sendable {
    var name: String
    var spec: FrameSpecBox
    var gsoSize: Int
    var ecn = false
    var expectedSegments: Int

    var testDescription: String { name }

    static func tcp(
        _ name: String, ipv6: Bool = false, options: [UInt8] = [], tags: [(UInt16, UInt16)] = [], payload: Int,
        gso: Int, flags: UInt8 = TCPFlag.ack | TCPFlag.psh, ecn: Bool = false, ipv4Options: [UInt8] = [],
        id: UInt16 = 0x1000, seq: UInt32 = 1_000_000, segments: Int
    ) -> SegmentationCase {
        var spec = FrameSpec(ipv6: ipv6, transport: .tcp, checksum: .partial)
        spec.tcpOptions = options
        spec.vlanTags = tags
        spec.flags = flags
        spec.ipv4Options = ipv4Options
        spec.id = id
        spec.seq = seq
        spec.payload = Self.pattern(payload, salt: name.utf8.count)
        return SegmentationCase(name: name, spec: FrameSpecBox(spec), gsoSize: gso, ecn: ecn, expectedSegments: segments)
    }

    static func udp(_ name: String, ipv6: Bool = false, tags: [(UInt16, UInt16)] = [], payload: Int, gso: Int, segments: Int)
        -> SegmentationCase
    {
        var spec = FrameSpec(ipv6: ipv6, transport: .udp, checksum: .partial)
        spec.vlanTags = tags
        spec.sourcePort = 50000
        spec.destinationPort = 50001
        spec.payload = Self.pattern(payload, salt: name.utf8.count)
        return SegmentationCase(name: name, spec: FrameSpecBox(spec), gsoSize: gso, expectedSegments: segments)
    }

    static func pattern(_ n: Int, salt: Int) -> [UInt8] {
        var rng = SplitMix64(seed: UInt64(n * 31 + salt))
        return rng.bytes(n)
    }

    static let all: [SegmentationCase] = [
        .tcp("TCP/IPv4, no options, 3 segments, last shorter", payload: 4000, gso: 1448, segments: 3),
        .tcp(
            "TCP/IPv4, timestamps, payload a multiple of gso_size", options: TCPOption.timestamps(), payload: 14480,
            gso: 1448, segments: 10),
        .tcp(
            "TCP/IPv4, MSS + NOP padding + SACK-permitted", options: TCPOption.mssAndSACKPermitted, payload: 3001,
            gso: 1000, segments: 4),
        .tcp("TCP/IPv4, SACK block", options: TCPOption.sack(5, 9), payload: 2500, gso: 1200, segments: 3),
        .tcp("TCP/IPv6, no options, 1-byte last segment", ipv6: true, payload: 2001, gso: 1000, segments: 3),
        .tcp(
            "TCP/IPv6, timestamps, payload below gso_size", ipv6: true, options: TCPOption.timestamps(), payload: 500,
            gso: 1400, segments: 1),
        .tcp("TCP/IPv4, one VLAN tag", tags: [(0x8100, 0x0064)], payload: 3000, gso: 1448, segments: 3),
        .tcp(
            "TCP/IPv6, QinQ", ipv6: true, options: TCPOption.timestamps(), tags: [(0x88a8, 0x0010), (0x8100, 0x0020)],
            payload: 5000, gso: 1428, segments: 4),
        .tcp("TCP/IPv4 QinQ 0x8100 twice", tags: [(0x8100, 1), (0x8100, 2)], payload: 1500, gso: 1000, segments: 2),
        .tcp(
            "TCP/IPv4, ECN: CWR only on the first, FIN and PSH only on the last", payload: 4500, gso: 1448,
            flags: TCPFlag.cwr | TCPFlag.ece | TCPFlag.ack | TCPFlag.psh | TCPFlag.fin, ecn: true, segments: 4),
        .tcp(
            "TCP/IPv6, ECN", ipv6: true, payload: 3000, gso: 1440, flags: TCPFlag.cwr | TCPFlag.ack, ecn: true,
            segments: 3),
        .tcp(
            "TCP/IPv4 with IP options (router alert)", payload: 2000, gso: 1000, ipv4Options: [0x94, 0x04, 0x00, 0x00],
            segments: 2),
        .tcp("TCP/IPv4, odd gso_size", options: TCPOption.timestamps(), payload: 3000, gso: 999, segments: 4),
        .tcp("TCP/IPv4, IP id and seq wrap", payload: 3000, gso: 1000, id: 0xffff, seq: 0xffff_fc00, segments: 3),
        .tcp("TCP/IPv4, no payload (pure ACK marked GSO)", payload: 0, gso: 1448, flags: TCPFlag.ack, segments: 1),
        .tcp(
            "TCP/IPv4, a 64 KiB super-frame", options: TCPOption.timestamps(), payload: 65535 - 20 - 32, gso: 1448,
            segments: 46),
        .udp("USO over IPv4, last datagram shorter", payload: 3000, gso: 1200, segments: 3),
        .udp("USO over IPv6, equal datagrams", ipv6: true, payload: 5000, gso: 1000, segments: 5),
        .udp(
            "USO over IPv4 with a VLAN tag, payload below gso_size", tags: [(0x8100, 7)], payload: 100, gso: 1200,
            segments: 1),
        .udp("USO over IPv6, odd gso_size", ipv6: true, payload: 1001, gso: 333, segments: 4),
    ]
}

/// FrameSpec holds tuples (not Sendable-checked); the cases are immutable, so box them.
struct FrameSpecBox: @unchecked Sendable {
    let spec: FrameSpec
    init(_ spec: FrameSpec) { self.spec = spec }
}

/// What the test expects of segment `i` of a case.
struct ExpectedSegment {
    var seq: UInt32?
    var flags: UInt8?
    var payload: [UInt8]
    var ipID: UInt16?
}

enum Segmenter {
    /// Splits `frame` and copies every segment out as one contiguous frame.
    static func split(_ frame: [UInt8], header: VirtioNetHeader, batch: SegmentBatch = SegmentBatch()) -> (
        SegmentationResult, [[UInt8]]
    ) {
        frame.withUnsafeBytes { raw in
            let result = batch.split(raw.baseAddress!, length: raw.count, header: header)
            var out: [[UInt8]] = []
            for i in 0..<batch.count {
                let s = batch.segment(i)
                out.append(
                    Array(UnsafeRawBufferPointer(start: s.header, count: s.headerLength))
                        + Array(UnsafeRawBufferPointer(start: s.payload, count: s.payloadLength)))
            }
            return (result, out)
        }
    }

    static func expected(_ c: SegmentationCase) -> [ExpectedSegment] {
        let spec = c.spec.spec
        var out: [ExpectedSegment] = []
        let n = max(1, (spec.payload.count + c.gsoSize - 1) / c.gsoSize)
        for i in 0..<n {
            let start = i * c.gsoSize
            let chunk = Array(spec.payload[start..<min(start + c.gsoSize, spec.payload.count)])
            var e = ExpectedSegment(payload: chunk)
            if spec.transport == .tcp {
                e.seq = spec.seq &+ UInt32(start)
                var flags = spec.flags
                if i != n - 1 { flags &= ~(TCPFlag.fin | TCPFlag.psh) }
                if i != 0 { flags &= ~TCPFlag.cwr }
                e.flags = flags
            }
            if !spec.ipv6 { e.ipID = spec.id &+ UInt16(i) }
            out.append(e)
        }
        return out
    }
}

@Suite struct SegmentationTests {
    @Test("segments are what the kernel's GSO makes, checked byte by byte", arguments: SegmentationCase.all)
    func segments(_ c: SegmentationCase) throws {
        let spec = c.spec.spec
        let frame = spec.bytes
        let (result, segments) = Segmenter.split(frame, header: spec.virtioHeader(gsoSize: c.gsoSize, ecn: c.ecn))
        #expect(result == .segments(c.expectedSegments))
        let expected = Segmenter.expected(c)
        try #require(segments.count == expected.count)
        let t = spec.transportOffset
        var reassembled: [UInt8] = []
        for (i, (segment, e)) in zip(segments, expected).enumerated() {
            let walk = try #require(Naive.walk(segment))
            if !spec.ipv6 { #expect(walk.ipv4ChecksumOK == true, "segment \(i): IPv4 header checksum") }
            #expect(walk.l4ChecksumOK == true, "segment \(i): L4 checksum")
            #expect(segment.count == spec.headerLength + e.payload.count)
            #expect(Array(segment[spec.headerLength...]) == e.payload)
            #expect(Array(segment[..<spec.networkOffset]) == Array(frame[..<spec.networkOffset]), "L2 header copied")
            #expect(walk.ipPacketLength == segment.count - spec.networkOffset)
            if let id = e.ipID { #expect(readBE16(segment, spec.networkOffset + 4) == id) }
            if let seq = e.seq { #expect(readBE32(segment, t + 4) == seq) }
            if let flags = e.flags { #expect(segment[t + 13] == flags, "segment \(i) flags") }
            if spec.transport == .udp { #expect(Int(readBE16(segment, t + 4)) == 8 + e.payload.count) }
            // Every other header byte is the super-frame's.
            #expect(Self.normalized(segment, spec) == Self.normalized(Array(frame[..<spec.headerLength]), spec))
            reassembled += e.payload
        }
        #expect(reassembled == spec.payload)
    }

    /// The header bytes with the fields segmentation rewrites zeroed.
    static func normalized(_ frame: [UInt8], _ spec: FrameSpec) -> [UInt8] {
        var h = Array(frame[..<spec.headerLength])
        let n = spec.networkOffset
        let t = spec.transportOffset
        var zero: [Int] = []
        if spec.ipv6 { zero += [n + 4, n + 5] } else { zero += [n + 2, n + 3, n + 4, n + 5, n + 10, n + 11] }
        switch spec.transport {
        case .tcp: zero += [t + 4, t + 5, t + 6, t + 7, t + 13, t + 16, t + 17]
        case .udp: zero += [t + 4, t + 5, t + 6, t + 7]
        }
        for i in zero { h[i] = 0 }
        return h
    }

    @Test("a USO datagram whose checksum computes to 0 is sent with 0xffff")
    func udpZeroChecksum() throws {
        // Make the single datagram's checksum compute to 0: fill the last payload word so the sum,
        // with the checksum field at 0, is 0xffff.
        var spec = FrameSpec(transport: .udp, checksum: .zero)
        spec.payload = [UInt8](repeating: 0x5a, count: 98) + [0, 0]
        let l4 = Array(spec.bytes[spec.transportOffset...])
        let fill = ~Naive.fold(spec.pseudoHeader(length: l4.count) + l4)
        spec.payload[98] = UInt8(fill >> 8)
        spec.payload[99] = UInt8(fill & 0xff)
        spec.checksum = .partial
        let (result, segments) = Segmenter.split(spec.bytes, header: spec.virtioHeader(gsoSize: 1000))
        #expect(result == .segments(1))
        let segment = try #require(segments.first)
        #expect(readBE16(segment, spec.transportOffset + 6) == 0xffff)
        #expect(Naive.walk(segment)?.l4ChecksumOK == true)
    }

    @Test("the batch layout: headroom in front of every header, payloads point into the frame")
    func batchLayout() {
        let batch = SegmentBatch(maxSegments: 8, headroom: 48, maxHeaderLength: 100)
        #expect(batch.maxSegments == 8 && batch.headroom == 48 && batch.maxHeaderLength == 100)
        var spec = FrameSpec(checksum: .partial)
        spec.payload = [UInt8](repeating: 1, count: 2500)
        let frame = spec.bytes
        frame.withUnsafeBytes { raw in
            let result = batch.split(raw.baseAddress!, length: raw.count, header: spec.virtioHeader(gsoSize: 1000))
            #expect(result == .segments(3))
            #expect(batch.count == 3)
            var previous: UnsafeMutableRawPointer?
            for i in 0..<3 {
                let s = batch.segment(i)
                #expect(s.headerLength == 54)
                #expect(s.payload == raw.baseAddress! + 54 + i * 1000)
                #expect(s.payloadLength == (i == 2 ? 500 : 1000))
                #expect(s.length == 54 + s.payloadLength)
                if let previous { #expect(s.header - previous >= 48 + 100) }
                // The headroom is writable and does not overlap the previous segment's header.
                (s.header - 48).initializeMemory(as: UInt8.self, repeating: 0xcc, count: 48)
                previous = s.header
            }
            for i in 0..<3 {
                let s = batch.segment(i)
                #expect(Array(UnsafeRawBufferPointer(start: s.header, count: 14)) == Array(frame[..<14]))
            }
        }
    }

    @Test(
        "tshark agrees: every segment's IPv4, TCP and UDP checksum is good, seq/len/flags as expected",
        .disabled(if: TShark.skipRequested, "\(TShark.skipVariable)=1"))
    func tsharkCrossCheck() throws {
        guard let tshark = TShark.locate() else {
            Issue.record("tshark is not installed: run `make test`, or set \(TShark.skipVariable)=1 to skip this check")
            return
        }
        var pcap = PcapWriter(snapLength: 262_144)
        var rows: [(SegmentationCase, Int, ExpectedSegment)] = []
        for c in SegmentationCase.all {
            let spec = c.spec.spec
            let (_, segments) = Segmenter.split(spec.bytes, header: spec.virtioHeader(gsoSize: c.gsoSize, ecn: c.ecn))
            for (i, (segment, e)) in zip(segments, Segmenter.expected(c)).enumerated() {
                pcap.append(frame: segment)
                rows.append((c, i, e))
            }
        }
        let fields = [
            "ip.checksum.status", "tcp.checksum.status", "udp.checksum.status", "tcp.seq_raw", "tcp.len", "tcp.flags",
            "udp.length", "ip.id", "ip.len", "ipv6.plen",
        ]
        let output = try tshark.fields(
            capture: pcap.bytes, fields: fields,
            preferences: [
                ("ip.check_checksum", "TRUE"), ("tcp.check_checksum", "TRUE"), ("udp.check_checksum", "TRUE"),
                ("tcp.desegment_tcp_streams", "FALSE"), ("tcp.analyze_sequence_numbers", "FALSE"),
            ])
        try #require(output.count == rows.count, "tshark returned \(output.count) rows for \(rows.count) segments")
        for ((c, i, e), values) in zip(rows, output) {
            let row = Dictionary(uniqueKeysWithValues: zip(fields, values))
            let spec = c.spec.spec
            let what = "\(c.name), segment \(i)"
            if !spec.ipv6 { #expect(Self.good(row["ip.checksum.status"]), "\(what): ip \(row)") }
            switch spec.transport {
            case .tcp:
                #expect(Self.good(row["tcp.checksum.status"]), "\(what): tcp \(row)")
                #expect(Self.number(row["tcp.seq_raw"]) == e.seq.map(UInt64.init), "\(what): \(row)")
                #expect(Self.number(row["tcp.len"]) == UInt64(e.payload.count), "\(what): \(row)")
                #expect(Self.number(row["tcp.flags"]).map { UInt8($0 & 0xff) } == e.flags, "\(what): \(row)")
            case .udp:
                #expect(Self.good(row["udp.checksum.status"]), "\(what): udp \(row)")
                #expect(Self.number(row["udp.length"]) == UInt64(8 + e.payload.count), "\(what): \(row)")
            }
            let l4 = spec.transportHeaderLength + e.payload.count
            if spec.ipv6 {
                #expect(Self.number(row["ipv6.plen"]) == UInt64(l4), "\(what): \(row)")
            } else {
                #expect(Self.number(row["ip.len"]) == UInt64(spec.networkHeaderLength + l4), "\(what): \(row)")
                #expect(Self.number(row["ip.id"]) == e.ipID.map(UInt64.init), "\(what): \(row)")
            }
        }
    }

    /// tshark prints a checksum status as 1 (older) or "Good".
    static func good(_ s: String?) -> Bool { s == "1" || s == "Good" }

    /// A decimal or 0x-prefixed hex field; nil when empty.
    static func number(_ s: String?) -> UInt64? {
        guard let s, !s.isEmpty else { return nil }
        if s.hasPrefix("0x") { return UInt64(s.dropFirst(2), radix: 16) }
        return UInt64(s)
    }
}
