// SPDX-License-Identifier: GPL-2.0-only
// Bad input never traps: every refusal is a named `.invalid` reason, frames truncated at every length
// and seeded random bytes go through the segmenter and the coalescer without reading out of bounds.

import L2TPOffload
import L2TPTestSupport
import Testing

@Suite struct InvalidInputTests {
    /// Splits `count` bytes copied into an exact-size allocation (so a read past the end would hit
    /// other memory, or ASan), checking every segment lies within the frame.
    static func split(_ frame: ArraySlice<UInt8>, header: VirtioNetHeader, batch: SegmentBatch) -> SegmentationResult {
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(frame.count, 1), alignment: 1)
        defer { p.deallocate() }
        frame.withUnsafeBytes { if let base = $0.baseAddress { p.copyMemory(from: base, byteCount: frame.count) } }
        let result = batch.split(p, length: frame.count, header: header)
        switch result {
        case .segments(let n):
            #expect(n >= 1 && n == batch.count && n <= batch.maxSegments)
            var total = 0
            for i in 0..<n {
                let s = batch.segment(i)
                #expect(s.headerLength <= batch.maxHeaderLength)
                #expect(s.payload >= UnsafeRawPointer(p) && s.payload + s.payloadLength <= UnsafeRawPointer(p) + frame.count)
                total += s.payloadLength
            }
            #expect(total + batch.segment(0).headerLength == frame.count)
        case .invalid:
            #expect(batch.count == 0)
        }
        return result
    }

    static func frame(_ build: (inout FrameSpec) -> Void) -> [UInt8] {
        var spec = FrameSpec(checksum: .partial)
        spec.payload = [UInt8](repeating: 0x42, count: 3000)
        build(&spec)
        return spec.bytes
    }

    @Test("each refusal names its reason")
    func reasons() {
        let batch = SegmentBatch()
        let tcp4 = FrameSpec(payload: [UInt8](repeating: 1, count: 3000), checksum: .partial)
        let tcp6 = FrameSpec(ipv6: true, payload: [UInt8](repeating: 1, count: 3000), checksum: .partial)
        let udp4 = FrameSpec(transport: .udp, payload: [UInt8](repeating: 1, count: 3000), checksum: .partial)
        func run(_ spec: FrameSpec, _ header: VirtioNetHeader, _ b: SegmentBatch = batch) -> SegmentationResult {
            Self.split(spec.bytes[...], header: header, batch: b)
        }
        func with(_ spec: FrameSpec, _ change: (inout FrameSpec) -> Void) -> FrameSpec {
            var s = spec
            change(&s)
            return s
        }
        let h4 = tcp4.virtioHeader(gsoSize: 1000)
        #expect(run(tcp4, VirtioNetHeader()) == .invalid(.notGSO))
        let ufo = VirtioNetHeader(flags: 1, gsoType: VirtioNetHeader.gsoUDP, gsoSize: 1000)
        #expect(run(tcp4, ufo) == .invalid(.unsupportedGSOType))
        #expect(run(tcp4, VirtioNetHeader(gsoType: 2, gsoSize: 1000)) == .invalid(.unsupportedGSOType))
        #expect(run(tcp4, VirtioNetHeader(gsoType: 0x81 | 0x02, gsoSize: 1000)) == .invalid(.unsupportedGSOType))
        #expect(run(tcp4, tcp4.virtioHeader(gsoSize: 0)) == .invalid(.zeroGSOSize))
        #expect(run(tcp4, tcp6.virtioHeader(gsoSize: 1000)) == .invalid(.gsoTypeMismatch))
        #expect(run(tcp6, h4) == .invalid(.gsoTypeMismatch))
        #expect(run(tcp4, udp4.virtioHeader(gsoSize: 1000)) == .invalid(.gsoTypeMismatch))
        #expect(run(udp4, h4) == .invalid(.gsoTypeMismatch))
        #expect(run(with(tcp4) { $0.etherType = 0x0806 }, h4) == .invalid(.unsupportedNetworkProtocol))
        let threeTags = with(tcp4) { $0.vlanTags = [(0x8100, 1), (0x8100, 2), (0x8100, 3)] }
        #expect(run(threeTags, h4) == .invalid(.unsupportedNetworkProtocol))
        #expect(run(with(tcp4) { $0.etherType = 0x86dd }, h4) == .invalid(.malformedNetworkHeader))
        #expect(run(with(tcp6) { $0.etherType = 0x0800 }, h4) == .invalid(.malformedNetworkHeader))
        var ihl4 = tcp4.bytes
        ihl4[14] = 0x44
        #expect(Self.split(ihl4[...], header: h4, batch: batch) == .invalid(.malformedNetworkHeader))
        let hopByHop = with(tcp6) { $0.protocolOverride = 0 }
        #expect(run(hopByHop, tcp6.virtioHeader(gsoSize: 1000)) == .invalid(.unsupportedTransportProtocol))
        #expect(run(with(tcp4) { $0.protocolOverride = 1 }, h4) == .invalid(.unsupportedTransportProtocol))
        var doff = tcp4.bytes
        doff[34 + 12] = 0x40
        #expect(Self.split(doff[...], header: h4, batch: batch) == .invalid(.malformedTransportHeader))
        #expect(run(with(tcp4) { $0.moreFragments = true }, h4) == .invalid(.fragmented))
        #expect(run(with(tcp4) { $0.fragmentOffset = 1 }, h4) == .invalid(.fragmented))
        #expect(run(tcp4, h4, SegmentBatch(maxHeaderLength: 53)) == .invalid(.headersTooLong))
        #expect(run(tcp4, h4, SegmentBatch(maxHeaderLength: 54)) == .segments(3))
        #expect(run(tcp4, tcp4.virtioHeader(gsoSize: 23)) == .invalid(.tooManySegments))  // 131 segments
        #expect(run(tcp4, tcp4.virtioHeader(gsoSize: 24)) == .segments(125))
        #expect(run(tcp4, h4, SegmentBatch(maxSegments: 2)) == .invalid(.tooManySegments))
        let huge = FrameSpec(payload: [UInt8](repeating: 0, count: 65500), checksum: .partial)
        #expect(run(huge, huge.virtioHeader(gsoSize: 65500)) == .invalid(.segmentTooLarge))  // 40 + 65500 > 65535
        #expect(run(huge, huge.virtioHeader(gsoSize: 65495)) == .segments(2))
        #expect(Self.split([1, 2, 3][...], header: h4, batch: batch) == .invalid(.truncatedHeaders))
    }

    @Test("super-frames truncated at every length: truncatedHeaders below the headers, segments above")
    func truncatedAtEveryLength() {
        let batch = SegmentBatch()
        var rng = SplitMix64(seed: 42)
        func payload(_ n: Int) -> [UInt8] { [UInt8](repeating: UInt8(n & 0xff), count: n) }
        let frames: [(FrameSpec, Int)] = [
            (
                FrameSpec(
                    vlanTags: [(0x8100, 3)], tcpOptions: TCPOption.timestamps(), payload: payload(2500), checksum: .partial),
                1000
            ),
            (FrameSpec(vlanTags: [(0x88a8, 1), (0x8100, 2)], ipv6: true, payload: payload(1500), checksum: .partial), 700),
            (FrameSpec(ipv4Options: [1, 1, 1, 0], transport: .udp, payload: payload(1200), checksum: .partial), 500),
            (FrameSpec(ipv6: true, transport: .udp, payload: payload(900), checksum: .partial), 400),
        ]
        for (spec, gso) in frames {
            let bytes = spec.bytes
            let header = spec.virtioHeader(gsoSize: gso)
            for n in 0...bytes.count {
                let result = Self.split(bytes[..<n], header: header, batch: batch)
                if n < spec.headerLength {
                    #expect(result == .invalid(.truncatedHeaders), "length \(n)")
                } else {
                    #expect(result == .segments(max(1, (n - spec.headerLength + gso - 1) / gso)), "length \(n)")
                }
            }
            // The coalescer takes every truncation without trapping, each emitted once.
            var truncations = (0...bytes.count).map { Array(bytes[..<$0]) }
            truncations.shuffle(using: &rng)
            for chunk in stride(from: 0, to: truncations.count, by: 200) {
                let some = Array(truncations[chunk..<min(chunk + 200, truncations.count)])
                _ = CoalescerHarness.run(some, Coalescer(coalesceUDP: true))
            }
        }
    }

    @Test("nonsense virtio headers are refused by name or honoured exactly")
    func nonsenseHeaders() {
        var rng = SplitMix64(seed: 0x0ff1_0ad)
        let batch = SegmentBatch()
        let specs = [
            FrameSpec(payload: [UInt8](repeating: 1, count: 4000), checksum: .partial),
            FrameSpec(ipv6: true, payload: [UInt8](repeating: 2, count: 4000), checksum: .partial),
            FrameSpec(transport: .udp, payload: [UInt8](repeating: 3, count: 4000), checksum: .partial),
        ]
        for _ in 0..<5000 {
            let spec = specs.randomElement(using: &rng)!
            let gsoSizes = [UInt16.random(in: 0...65535, using: &rng), UInt16.random(in: 0...100, using: &rng)]
            let header = VirtioNetHeader(
                flags: UInt8.random(in: 0...255, using: &rng),
                gsoType: [UInt8.random(in: 0...255, using: &rng), 1, 4, 5, 0x81, 0x84].randomElement(using: &rng)!,
                headerLength: UInt16.random(in: 0...65535, using: &rng),
                gsoSize: gsoSizes.randomElement(using: &rng)!,
                checksumStart: UInt16.random(in: 0...65535, using: &rng),
                checksumOffset: UInt16.random(in: 0...65535, using: &rng))
            let result = Self.split(spec.bytes[...], header: header, batch: batch)
            // The model: only gso_type and gso_size matter, the rest are hints.
            let kind = header.gsoType & 0x7f
            let expected: SegmentationResult
            let segments = header.gsoSize == 0 ? 0 : (spec.payload.count + Int(header.gsoSize) - 1) / Int(header.gsoSize)
            if kind == 0 {
                expected = .invalid(.notGSO)
            } else if ![1, 4, 5].contains(kind) {
                expected = .invalid(.unsupportedGSOType)
            } else if header.gsoSize == 0 {
                expected = .invalid(.zeroGSOSize)
            } else if kind != (spec.transport == .udp ? 5 : (spec.ipv6 ? 4 : 1)) {
                expected = .invalid(.gsoTypeMismatch)
            } else if segments > batch.maxSegments {
                expected = .invalid(.tooManySegments)
            } else {
                expected = .segments(segments)
            }
            #expect(result == expected, "\(header)")
        }
    }

    @Test("seeded fuzz: random and mutated frames through split, the coalescer and complete")
    func fuzz() {
        var rng = SplitMix64(seed: 0xf022)
        let batch = SegmentBatch(maxSegments: 64)
        let coalescer = Coalescer(maxFrames: 64, maxFlows: 4, coalesceUDP: true)
        var valid: [[UInt8]] = []
        for ipv6 in [false, true] {
            for transport in [FrameSpec.Transport.tcp, .udp] {
                var base = FrameSpec(ipv6: ipv6, transport: transport)
                base.vlanTags = ipv6 ? [(0x8100, 9)] : []
                base.tcpOptions = transport == .tcp ? TCPOption.timestamps() : []
                valid += Flow.run(base, payloads: [300, 300, 300, 300, 120]).map(\.bytes)
            }
        }
        var merged = 0
        for round in 0..<300 {
            var frames: [[UInt8]] = []
            for _ in 0..<Int.random(in: 1...40, using: &rng) {
                var f: [UInt8]
                switch Int.random(in: 0..<4, using: &rng) {
                case 0:
                    f = rng.bytes(Int.random(in: 0...200, using: &rng))
                case 1:
                    f = valid.randomElement(using: &rng)!
                default:
                    f = valid.randomElement(using: &rng)!
                    for _ in 0..<Int.random(in: 1...4, using: &rng) {
                        let at = Int.random(in: 0..<min(f.count, 80), using: &rng)
                        f[at] = UInt8.random(in: 0...255, using: &rng)
                    }
                    if Bool.random(using: &rng) { f.removeLast(Int.random(in: 0...f.count, using: &rng)) }
                }
                frames.append(f)
            }
            // Segmenter: each frame with a random, mostly plausible header.
            for f in frames {
                let header = VirtioNetHeader(
                    flags: 1, gsoType: [1, 4, 5, 0x81, UInt8.random(in: 0...255, using: &rng)].randomElement(using: &rng)!,
                    gsoSize: UInt16.random(in: 0...400, using: &rng))
                _ = Self.split(f[...], header: header, batch: batch)
            }
            // Coalescer: everything merged was verified, so once finished its checksums are good.
            for e in CoalescerHarness.run(frames, coalescer) where !e.isSingleton {
                merged += 1
                let walk = Naive.walk(e.completed)
                #expect(walk?.ipv4ChecksumOK != false && walk?.l4ChecksumOK == true, "round \(round)")
            }
            // complete: random fields on random buffers.
            var buffer = rng.bytes(Int.random(in: 0...100, using: &rng))
            let start = Int.random(in: -4...110, using: &rng)
            let offset = Int.random(in: -4...110, using: &rng)
            let inside = start >= 0 && offset >= 0 && start + offset + 2 <= buffer.count
            let ok = buffer.withUnsafeMutableBytes { raw in
                let p = raw.baseAddress ?? UnsafeMutableRawPointer(bitPattern: 8)!
                return InternetChecksum.complete(p, count: raw.count, start: start, offset: offset)
            }
            #expect(ok == inside, "start \(start) offset \(offset) count \(buffer.count)")
        }
        #expect(merged > 100)
    }
}
