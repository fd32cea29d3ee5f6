// SPDX-License-Identifier: GPL-2.0-only
// Segmentation and coalescing undo each other: random super-frames are split, the segments fed to
// the Coalescer, and the one packet that comes back, finished with `complete`, is the super-frame
// finished with `complete`.

import L2TPOffload
import L2TPTestSupport
import Testing

@Suite struct RoundTripTests {
    /// A random super-frame as a TAP with TSO/USO hands it over (CHECKSUM_PARTIAL), and its gso_size.
    static func randomSuperFrame(_ rng: inout SplitMix64) -> (FrameSpec, Int) {
        var spec = FrameSpec(checksum: .partial)
        spec.ipv6 = Bool.random(using: &rng)
        let tagChoices: [[(UInt16, UInt16)]] = [[], [(0x8100, 5)], [(0x88a8, 100), (0x8100, 200)]]
        spec.vlanTags = tagChoices.randomElement(using: &rng)!
        spec.transport = Int.random(in: 0..<10, using: &rng) < 7 ? .tcp : .udp
        spec.source4 = rng.bytes(4)
        spec.destination4 = rng.bytes(4)
        spec.source6 = rng.bytes(16)
        spec.destination6 = rng.bytes(16)
        spec.sourcePort = UInt16.random(in: 1...65535, using: &rng)
        spec.destinationPort = UInt16.random(in: 1...65535, using: &rng)
        spec.id = UInt16.random(in: 0...65535, using: &rng)
        spec.dontFragment = Bool.random(using: &rng)
        spec.tos = [0, 0x10, 0xb8].randomElement(using: &rng)!
        spec.trafficClass = [0, 0x20].randomElement(using: &rng)!
        spec.flowLabel = UInt32.random(in: 0...0xfffff, using: &rng)
        spec.seq = UInt32.random(in: 0...UInt32.max, using: &rng)
        spec.ack = UInt32.random(in: 0...UInt32.max, using: &rng)
        spec.window = UInt16.random(in: 0...65535, using: &rng)
        spec.flags = Bool.random(using: &rng) ? TCPFlag.ack : TCPFlag.ack | TCPFlag.psh
        let optionChoices: [[UInt8]] = [[], TCPOption.timestamps(), TCPOption.mssAndSACKPermitted, TCPOption.sack(1, 2)]
        spec.tcpOptions = spec.transport == .tcp ? optionChoices.randomElement(using: &rng)! : []
        let gso = [Int.random(in: 1...64, using: &rng), Int.random(in: 500...1500, using: &rng), 1448, 8948]
            .randomElement(using: &rng)!
        // What fits: one IP packet of at most 65535 bytes, at most 128 segments (the batch) and, for
        // UDP, at most 64 datagrams (one coalesced group).
        let room = 65535 - spec.networkHeaderLength - spec.transportHeaderLength
        let cap = min(room, gso * (spec.transport == .tcp ? 128 : 64))
        let small = Int.random(in: 0...10, using: &rng) == 0
        let payload = Int.random(in: 0...(small ? gso : cap), using: &rng)
        spec.payload = rng.bytes(payload)
        return (spec, gso)
    }

    /// The frame with its NEEDS_CSUM checksum finished by `complete`.
    static func completed(_ frame: [UInt8], start: Int, offset: Int) -> [UInt8] {
        var out = frame
        let ok = out.withUnsafeMutableBytes {
            InternetChecksum.complete($0.baseAddress!, count: $0.count, start: start, offset: offset)
        }
        #expect(ok)
        return out
    }

    /// Equal, except that a TCP checksum field may read 0 on one side and 0xffff (its other
    /// one's-complement zero, which `complete` stores) on the other.
    static func sameFrame(_ a: [UInt8], _ b: [UInt8], checksumAt at: Int) -> Bool {
        guard a.count == b.count else { return false }
        if a == b { return true }
        var x = a, y = b
        for i in [at, at + 1] {
            x[i] = 0
            y[i] = 0
        }
        let zeroOrOnes: (UInt16) -> Bool = { $0 == 0 || $0 == 0xffff }
        return x == y && zeroOrOnes(readBE16(a, at)) && zeroOrOnes(readBE16(b, at))
    }

    @Test("random super-frames: split, coalesce, complete == the super-frame completed (and tshark agrees)")
    func roundTrip() throws {
        var rng = SplitMix64(seed: 0x12_70_9d)
        let batch = SegmentBatch()
        let coalescer = Coalescer(coalesceUDP: true)
        var pcap = PcapWriter(snapLength: 262_144)
        var captured: [FrameSpec] = []
        var multi = 0
        for iteration in 0..<300 {
            let (spec, gso) = Self.randomSuperFrame(&rng)
            let checksumOffset = spec.transport == .tcp ? 16 : 6
            let original = spec.bytes
            let expected = Self.completed(original, start: spec.transportOffset, offset: checksumOffset)
            #expect(Naive.walk(expected)?.l4ChecksumOK == true)

            let (result, segments) = Segmenter.split(original, header: spec.virtioHeader(gsoSize: gso), batch: batch)
            let count = max(1, (spec.payload.count + gso - 1) / gso)
            try #require(result == .segments(count), "iteration \(iteration)")
            for segment in segments {
                let walk = Naive.walk(segment)
                #expect(walk?.l4ChecksumOK == true && walk?.ipv4ChecksumOK != false, "iteration \(iteration)")
            }

            let out = CoalescerHarness.run(segments, coalescer)
            try #require(out.count == 1, "iteration \(iteration): \(segments.count) segments gave \(out.count) packets")
            let packet = out[0]
            if count >= 2 && !spec.payload.isEmpty {
                multi += 1
                #expect(packet.pieces == count)
                #expect(packet.header.flags == VirtioNetHeader.needsChecksum)
                #expect(packet.header.gsoType == spec.virtioHeader(gsoSize: gso).gsoType)
                #expect(Int(packet.header.gsoSize) == gso)
                #expect(Int(packet.header.headerLength) == spec.headerLength)
                #expect(Int(packet.header.checksumStart) == spec.transportOffset)
                #expect(Int(packet.header.checksumOffset) == checksumOffset)
                #expect(packet.completed == expected, "iteration \(iteration)")
            } else {
                #expect(packet.isSingleton)
                let checksumAt = spec.transportOffset + checksumOffset
                #expect(Self.sameFrame(packet.bytes, expected, checksumAt: checksumAt), "iteration \(iteration)")
            }
            pcap.append(frame: packet.completed)
            captured.append(spec)
        }
        #expect(multi > 200)

        guard !TShark.skipRequested, let tshark = TShark.locate() else {
            if !TShark.skipRequested { Issue.record("tshark is not installed (set \(TShark.skipVariable)=1 to skip)") }
            return
        }
        let fields = ["ip.checksum.status", "tcp.checksum.status", "udp.checksum.status", "tcp.len", "udp.length"]
        let rows = try tshark.fields(
            capture: pcap.bytes, fields: fields,
            preferences: [
                ("ip.check_checksum", "TRUE"), ("tcp.check_checksum", "TRUE"), ("udp.check_checksum", "TRUE"),
                ("tcp.desegment_tcp_streams", "FALSE"), ("tcp.analyze_sequence_numbers", "FALSE"),
            ])
        try #require(rows.count == captured.count)
        for (i, (spec, values)) in zip(captured, rows).enumerated() {
            let row = Dictionary(uniqueKeysWithValues: zip(fields, values))
            if !spec.ipv6 { #expect(SegmentationTests.good(row["ip.checksum.status"]), "packet \(i): \(row)") }
            switch spec.transport {
            case .tcp:
                #expect(SegmentationTests.good(row["tcp.checksum.status"]), "packet \(i): \(row)")
                #expect(SegmentationTests.number(row["tcp.len"]) == UInt64(spec.payload.count), "packet \(i)")
            case .udp:
                #expect(SegmentationTests.good(row["udp.checksum.status"]), "packet \(i): \(row)")
                #expect(SegmentationTests.number(row["udp.length"]) == UInt64(8 + spec.payload.count), "packet \(i)")
            }
        }
    }
}
