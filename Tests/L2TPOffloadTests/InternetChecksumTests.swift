// SPDX-License-Identifier: GPL-2.0-only
// The fast Internet checksum against the byte-at-a-time reference and published vectors.

import L2TPOffload
import L2TPTestSupport
import Testing

@Suite struct InternetChecksumTests {
    /// The fast sum of `bytes[offset...]`, folded, with the bytes placed at a chosen alignment.
    static func fastFold(_ bytes: [UInt8], alignment: Int, initial: UInt64 = 0) -> UInt16 {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes.count + 16, alignment: 16)
        defer { raw.deallocate() }
        let p = raw + alignment
        bytes.withUnsafeBytes { if let base = $0.baseAddress { p.copyMemory(from: base, byteCount: bytes.count) } }
        return InternetChecksum.fold(InternetChecksum.sum(p, count: bytes.count, initial: initial))
    }

    @Test("fast sum equals the byte-at-a-time reference for every length 0...300 and all 8 alignments")
    func everyLengthAndAlignment() {
        var rng = SplitMix64(seed: 1071)
        for length in 0...300 {
            let bytes = rng.bytes(length)
            let expected = Naive.fold(bytes)
            for alignment in 0..<8 {
                #expect(Self.fastFold(bytes, alignment: alignment) == expected, "length \(length) alignment \(alignment)")
            }
        }
    }

    @Test("all-ones data (every add carries) and large buffers")
    func carries() {
        for length in [0, 1, 2, 7, 8, 31, 32, 33, 1500, 65535, 65536, 1 << 20] {
            let ones = [UInt8](repeating: 0xff, count: length)
            #expect(Self.fastFold(ones, alignment: 3) == Naive.fold(ones), "0xff × \(length)")
        }
        var rng = SplitMix64(seed: 65536)
        let big = rng.bytes(65536)
        for alignment in [0, 1, 5] {
            #expect(Self.fastFold(big, alignment: alignment) == Naive.fold(big))
        }
    }

    @Test("RFC 1071 §3 example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2, checksum 220d")
    func rfc1071Example() {
        let bytes: [UInt8] = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]
        #expect(Self.fastFold(bytes, alignment: 0) == 0xddf2)
        bytes.withUnsafeBytes { raw in
            #expect(InternetChecksum.checksum(raw.baseAddress!, count: 8) == 0x220d)
            // The data followed by its checksum sums to 0xffff.
            let withChecksum = InternetChecksum.sum(raw.baseAddress!, count: 8, initial: 0)
            #expect(InternetChecksum.fold(InternetChecksum.add(withChecksum, UInt64(UInt16(0x220d).bigEndian))) == 0xffff)
        }
    }

    @Test("IPv4 header vector: 4500 0073 0000 4000 4011 … c0a8 00c7 has checksum b861")
    func ipv4HeaderVector() {
        let header: [UInt8] = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8,
            0x00, 0xc7,
        ]
        header.withUnsafeBytes { raw in
            #expect(InternetChecksum.checksum(raw.baseAddress!, count: 20) == 0xb861)
        }
    }

    @Test("partial sums chain through initial: at even split points, in any order of chunks")
    func chaining() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<200 {
            let bytes = rng.bytes(Int.random(in: 0...400, using: &rng))
            let split = Int.random(in: 0...bytes.count / 2, using: &rng) * 2
            bytes.withUnsafeBytes { raw in
                let p = raw.baseAddress ?? UnsafeRawPointer(bitPattern: 8)!
                let first = InternetChecksum.sum(p, count: split)
                let both = InternetChecksum.sum(p + split, count: bytes.count - split, initial: first)
                #expect(InternetChecksum.fold(both) == Naive.fold(bytes))
                let second = InternetChecksum.sum(p + split, count: bytes.count - split)
                #expect(InternetChecksum.fold(InternetChecksum.add(first, second)) == Naive.fold(bytes))
            }
        }
        #expect(InternetChecksum.fold(0) == 0)
        #expect(InternetChecksum.fold(UInt64.max) == 0xffff)
    }

    @Test("pseudo-header sums equal the sum of the pseudo-header bytes")
    func pseudoHeaders() {
        var rng = SplitMix64(seed: 793)
        for _ in 0..<100 {
            let proto: UInt8 = Bool.random(using: &rng) ? 6 : 17
            let length = Int.random(in: 0...65535, using: &rng)
            let s4 = rng.bytes(4), d4 = rng.bytes(4)
            let ref4 = Naive.fold(s4 + d4 + [0, proto] + be16(UInt16(length)))
            let got4 = s4.withUnsafeBytes { s in
                d4.withUnsafeBytes { d in
                    InternetChecksum.fold(
                        InternetChecksum.pseudoHeaderSumIPv4(
                            source: s.baseAddress!, destination: d.baseAddress!, protocol: proto, length: length))
                }
            }
            #expect(got4 == ref4)
            let s6 = rng.bytes(16), d6 = rng.bytes(16)
            let length6 = Int.random(in: 0...0x1_0000_0000 - 1, using: &rng)
            let ref6 = Naive.fold(s6 + d6 + be32(UInt32(length6)) + [0, 0, 0, proto])
            let got6 = s6.withUnsafeBytes { s in
                d6.withUnsafeBytes { d in
                    InternetChecksum.fold(
                        InternetChecksum.pseudoHeaderSumIPv6(
                            source: s.baseAddress!, destination: d.baseAddress!, protocol: proto, length: length6))
                }
            }
            #expect(got6 == ref6)
        }
    }

    @Test("complete finishes a NEEDS_CSUM frame as skb_checksum_help does")
    func complete() {
        var rng = SplitMix64(seed: 1)
        for transport in [FrameSpec.Transport.tcp, .udp] {
            for ipv6 in [false, true] {
                var spec = FrameSpec(ipv6: ipv6, transport: transport, payload: rng.bytes(333), checksum: .partial)
                spec.tcpOptions = transport == .tcp ? TCPOption.timestamps() : []
                var frame = spec.bytes
                let ok = frame.withUnsafeMutableBytes {
                    InternetChecksum.complete(
                        $0.baseAddress!, count: $0.count, start: spec.transportOffset, offset: transport == .tcp ? 16 : 6)
                }
                #expect(ok)
                spec.checksum = .full
                #expect(frame == spec.bytes, "\(transport) ipv6=\(ipv6)")
                #expect(Naive.walk(frame)?.l4ChecksumOK == true)
            }
        }
    }

    @Test("complete stores a computed 0 as 0xffff (CSUM_MANGLED_0)")
    func completeMangledZero() {
        // Data whose sum is 0xffff once the field (holding 0) is included: the checksum computes to 0.
        var bytes: [UInt8] = [0x12, 0x34, 0x00, 0x00, 0x56, 0x78, 0, 0]
        let fill = ~Naive.fold(bytes)
        bytes[6] = UInt8(fill >> 8)
        bytes[7] = UInt8(fill & 0xff)
        #expect(Naive.fold(bytes) == 0xffff)
        bytes.withUnsafeMutableBytes { raw in
            #expect(InternetChecksum.complete(raw.baseAddress!, count: 8, start: 0, offset: 2))
        }
        #expect(bytes[2] == 0xff && bytes[3] == 0xff)
    }

    @Test("complete refuses a checksum field outside the frame and leaves it untouched")
    func completeBounds() {
        var frame = [UInt8](repeating: 0xab, count: 64)
        let original = frame
        let outside = [
            (64, 0), (63, 0), (62, 1), (60, 4), (-1, 2), (0, -1), (0, 63), (Int.max, 0), (0, Int.max), (Int.min, 0),
        ]
        for (start, offset) in outside {
            let ok = frame.withUnsafeMutableBytes {
                InternetChecksum.complete($0.baseAddress!, count: $0.count, start: start, offset: offset)
            }
            #expect(!ok, "start \(start) offset \(offset)")
        }
        #expect(frame == original)
        let ok = frame.withUnsafeMutableBytes { InternetChecksum.complete($0.baseAddress!, count: 64, start: 62, offset: 0) }
        #expect(ok)
    }
}
