// SPDX-License-Identifier: GPL-2.0-only
// The device side of one transmit: frames a pseudowire device read at once, as L2TP payloads with
// headroom in front, which the session encapsulates in place and its tunnel's transport sends.
//
// Flow:
//  1. `reset`, then the device reads frames into `buffers.data(i)` (`buffers.headroom` writable
//     bytes in front) and appends each one to send as a packet: one piece (a whole frame), or two
//     (a segment's headers copied into `segments`, then its payload left in the frame it was cut
//     from). The segments of one super-frame share a group (`beginGroup`); a separate frame has
//     group 0. A frame it cannot send is counted (`countInvalid`).
//  2. `Session.transmit` writes each packet's L2TP header in front of its first piece (`prepend`).
//  3. The transport sends the packets in order, laying out its message vectors in `scratch` (UDP:
//     consecutive packets of one size as one GSO send, when their group allows), and the session
//     counts what it reports.
// Concurrency: one per thread that transmits (each datapath worker; the control thread when it
// sends frames of its own); not thread-safe; no allocation after init.

import L2TPOffload

public final class TransmitBatch {
    /// Bytes in front of every frame and segment header for the headers written there (a virtio-net
    /// header on the way in, the L2TP header on the way out: at most 20 bytes).
    public static let headroom = 64

    /// Buffers the device reads frames into.
    public let buffers: PacketBuffers
    /// Where the device cuts super-frames into segments.
    public let segments: SegmentBatch
    /// The most packets one batch holds: a full buffer set, plus the segments of a super-frame.
    public let capacity: Int
    /// Scratch memory for the transport's message vectors, 16-byte aligned.
    public let scratch: UnsafeMutableRawPointer
    public let scratchSize: Int

    @usableFromInline let starts: UnsafeMutablePointer<UnsafeMutableRawPointer>
    @usableFromInline let lengths: UnsafeMutablePointer<Int>
    @usableFromInline let payloads: UnsafeMutablePointer<UnsafeRawPointer?>
    @usableFromInline let payloadLengths: UnsafeMutablePointer<Int>
    @usableFromInline let groups: UnsafeMutablePointer<UInt32>
    /// [0]: packets, [1]: frames counted invalid, [2]: the last group handed out. Kept outside the
    /// object: a stored `var` costs an exclusivity check on every append.
    @usableFromInline let counters: UnsafeMutablePointer<Int>

    /// `buffers`: where the device reads frames, with at least `headroom` bytes in front (see
    /// ReceiveBatch on sharing them); `maxSegments`: room for the segments of a 64 KiB super-frame at
    /// the smallest MSS Linux allows (88 bytes): 768.
    public init(
        buffers: PacketBuffers = PacketBuffers(count: 64, headroom: TransmitBatch.headroom, capacity: 65536),
        maxSegments: Int = 768, scratchSize: Int = 64 << 10
    ) {
        precondition(buffers.headroom >= Self.headroom, "a transmit batch needs \(Self.headroom) bytes of headroom")
        self.buffers = buffers
        segments = SegmentBatch(maxSegments: maxSegments, headroom: Self.headroom)
        capacity = buffers.count + maxSegments
        self.scratchSize = scratchSize
        scratch = .allocate(byteCount: scratchSize, alignment: 16)
        starts = .allocate(capacity: capacity)
        lengths = .allocate(capacity: capacity)
        payloads = .allocate(capacity: capacity)
        payloadLengths = .allocate(capacity: capacity)
        groups = .allocate(capacity: capacity)
        counters = .allocate(capacity: 3)
        counters.initialize(repeating: 0, count: 3)
    }

    deinit {
        scratch.deallocate()
        starts.deallocate()
        lengths.deallocate()
        payloads.deallocate()
        payloadLengths.deallocate()
        groups.deallocate()
        counters.deallocate()
    }

    /// Empties the batch.
    @inlinable @inline(__always)
    public func reset() {
        counters[0] = 0
        counters[1] = 0
    }

    /// Packets in the batch.
    @inlinable public var count: Int { counters[0] }
    /// Frames the device could not send (a bad checksum offset, a super-frame it cannot split).
    @inlinable public var invalid: Int { counters[1] }
    /// Room for `n` more packets.
    @inlinable @inline(__always)
    public func hasRoom(for n: Int) -> Bool { counters[0] + n <= capacity }

    /// A new group number for the segments of one super-frame.
    @inlinable @inline(__always)
    public func beginGroup() -> UInt32 {
        counters[2] = counters[2] == Int(UInt32.max) ? 1 : counters[2] + 1
        return UInt32(counters[2])
    }

    /// Adds a packet: `length` bytes at `start` (with headroom in front), then optionally
    /// `payloadLength` bytes at `payload`. `group` 0: a frame on its own. The caller checks `hasRoom`.
    @inlinable @inline(__always)
    public func append(
        _ start: UnsafeMutableRawPointer, length: Int, payload: UnsafeRawPointer? = nil, payloadLength: Int = 0,
        group: UInt32 = 0
    ) {
        let n = counters[0]
        starts[n] = start
        lengths[n] = length
        payloads[n] = payload
        payloadLengths[n] = payloadLength
        groups[n] = group
        counters[0] = n + 1
    }

    /// Counts a frame the device read but could not turn into packets.
    @inlinable @inline(__always)
    public func countInvalid() { counters[1] += 1 }

    /// The start of packet `i`'s first piece (headroom in front).
    @inlinable @inline(__always)
    public func start(_ i: Int) -> UnsafeMutableRawPointer { starts[i] }

    /// Extends packet `i`'s first piece over the `length` bytes written in front of it.
    @inlinable @inline(__always)
    public func prepend(_ i: Int, length: Int) {
        starts[i] -= length
        lengths[i] += length
    }

    /// Packet `i`: its first piece, its second piece (empty for a whole frame) and its group.
    @inlinable @inline(__always)
    public func packet(_ i: Int) -> (first: UnsafeRawBufferPointer, second: UnsafeRawBufferPointer, group: UInt32) {
        (UnsafeRawBufferPointer(start: starts[i], count: lengths[i]),
         UnsafeRawBufferPointer(start: payloads[i], count: payloadLengths[i]), groups[i])
    }

    /// Packet `i`'s length on the wire above the network layer (both pieces).
    @inlinable @inline(__always)
    public func length(_ i: Int) -> Int { lengths[i] + payloadLengths[i] }
}
