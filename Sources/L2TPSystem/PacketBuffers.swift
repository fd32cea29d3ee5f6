// SPDX-License-Identifier: GPL-2.0-only
// Preallocated packet buffers with headroom, so encapsulation headers are written in place.

/// `count` fixed buffers, each `headroom + capacity` bytes, allocated once per worker.
///
/// Not thread-safe: each datapath worker owns its own.
public final class PacketBuffers: @unchecked Sendable {
    public let count: Int
    public let headroom: Int
    public let capacity: Int
    private let stride: Int
    private let base: UnsafeMutableRawPointer
    /// Bytes held by each buffer, from `data(i)`.
    public let lengths: UnsafeMutablePointer<Int>
    /// For a buffer holding several datagrams coalesced by UDP GRO: the size of each (the last may be
    /// shorter); 0 for a single datagram.
    public let segmentSizes: UnsafeMutablePointer<Int>

    public init(count: Int, headroom: Int, capacity: Int) {
        self.count = count
        self.headroom = headroom
        self.capacity = capacity
        stride = (headroom + capacity + 63) & ~63
        base = .allocate(byteCount: stride * count, alignment: 64)
        lengths = .allocate(capacity: count)
        lengths.initialize(repeating: 0, count: count)
        segmentSizes = .allocate(capacity: count)
        segmentSizes.initialize(repeating: 0, count: count)
    }

    deinit {
        base.deallocate()
        lengths.deallocate()
        segmentSizes.deallocate()
    }

    /// Start of buffer `i`'s data area; `headroom` writable bytes precede it.
    @inline(__always)
    public func data(_ i: Int) -> UnsafeMutableRawPointer { base + i * stride + headroom }
}
