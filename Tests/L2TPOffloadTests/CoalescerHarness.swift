// SPDX-License-Identifier: GPL-2.0-only
// Runs frames through a Coalescer and collects what it emits, checking that every piece lies
// inside a frame that was added.

import L2TPOffload
import L2TPTestSupport
import Testing

/// One packet the coalescer emitted: its virtio header and the bytes of its pieces, concatenated.
struct Emitted {
    var header: VirtioNetHeader
    var bytes: [UInt8]
    var pieces: Int

    var isSingleton: Bool { header == VirtioNetHeader() }

    /// The bytes with the NEEDS_CSUM checksum finished, as the kernel (or a NIC) would.
    var completed: [UInt8] {
        guard header.flags & VirtioNetHeader.needsChecksum != 0 else { return bytes }
        var out = bytes
        let ok = out.withUnsafeMutableBytes {
            InternetChecksum.complete(
                $0.baseAddress!, count: $0.count, start: Int(header.checksumStart), offset: Int(header.checksumOffset))
        }
        #expect(ok)
        return out
    }
}

enum CoalescerHarness {
    /// Adds `frames` (each copied into its own exact-size allocation, which stays valid until
    /// `finish` returns), finishes, and returns what was emitted.
    static func run(_ frames: [[UInt8]], _ coalescer: Coalescer = Coalescer()) -> [Emitted] {
        var buffers: [UnsafeMutableRawBufferPointer] = []
        defer { for b in buffers { b.deallocate() } }
        for frame in frames {
            let b = UnsafeMutableRawBufferPointer.allocate(byteCount: max(frame.count, 1), alignment: 8)
            b.copyBytes(from: frame)
            buffers.append(b)
            #expect(coalescer.add(b.baseAddress!, length: frame.count))
        }
        #expect(coalescer.count == frames.count)
        var out: [Emitted] = []
        var pieceCount = 0
        coalescer.finish { header, pieces in
            var bytes: [UInt8] = []
            for (k, piece) in pieces.enumerated() {
                // Which frame the piece lies in (a frame's own start first, for empty frames).
                var owner = buffers.indices.first { i in
                    piece.baseAddress == UnsafeRawPointer(buffers[i].baseAddress!) && piece.count <= frames[i].count
                }
                if owner == nil {
                    owner = buffers.indices.first { i in
                        let start = UnsafeRawPointer(buffers[i].baseAddress!)
                        guard let base = piece.baseAddress else { return false }
                        return base >= start && base + piece.count <= start + frames[i].count
                    }
                }
                #expect(owner != nil, "a piece lies outside every frame")
                if k == 0, let i = owner {
                    // The first piece is a whole frame, from its first byte.
                    #expect(piece.baseAddress == UnsafeRawPointer(buffers[i].baseAddress!))
                    if header == VirtioNetHeader() {
                        #expect(pieces.count == 1)
                        #expect(Array(piece) == frames[i], "a singleton is emitted whole and untouched")
                    }
                }
                bytes += Array(piece)
            }
            pieceCount += pieces.count
            out.append(Emitted(header: header, bytes: bytes, pieces: pieces.count))
        }
        #expect(pieceCount == frames.count, "every frame is emitted exactly once")
        #expect(coalescer.count == 0)
        return out
    }
}

/// Consecutive segments of one flow, as a peer's TCP or USO sends them.
enum Flow {
    /// Frames with the given payload sizes: seq advancing by each payload, IPv4 id + 1 each, full
    /// checksums. `push` sets PSH on the last frame.
    static func run(_ base: FrameSpec, payloads: [Int], push: Bool = false, salt: UInt64 = 0) -> [FrameSpec] {
        var rng = SplitMix64(seed: 0xc0a1 ^ salt)
        var specs: [FrameSpec] = []
        var spec = base
        spec.checksum = .full
        for (i, n) in payloads.enumerated() {
            spec.payload = rng.bytes(n)
            spec.flags = base.transport == .tcp && push && i == payloads.count - 1 ? base.flags | TCPFlag.psh : base.flags
            specs.append(spec)
            spec.seq &+= UInt32(n)
            spec.id &+= 1
        }
        return specs
    }

    /// The super-frame the specs make together, checksums complete: the first frame's headers, every
    /// payload, the last frame's PSH.
    static func merged(_ specs: [FrameSpec]) -> [UInt8] {
        var spec = specs[0]
        spec.payload = specs.flatMap(\.payload)
        spec.flags |= specs.last!.flags & TCPFlag.psh
        spec.padding = 0
        spec.checksum = .full
        var bytes = spec.bytes
        // `complete` stores a computed 0 as 0xffff (as skb_checksum_help does): compare like with like.
        let checkAt = spec.transportOffset + (spec.transport == .tcp ? 16 : 6)
        if bytes[checkAt] == 0 && bytes[checkAt + 1] == 0 {
            bytes[checkAt] = 0xff
            bytes[checkAt + 1] = 0xff
        }
        return bytes
    }
}
