// SPDX-License-Identifier: GPL-2.0-only
// Preallocated packet buffers with headroom, so encapsulation headers are written in place.

/// `count` fixed buffers, each `headroom + capacity` bytes, allocated once.
///
/// Not thread-safe: each batch owns its own.
public final class PacketBuffers: @unchecked Sendable {
    public let count: Int
    /// Writable bytes in front of every buffer's data area.
    public let headroom: Int
    /// Bytes of every buffer's data area.
    public let capacity: Int
    @usableFromInline let stride: Int
    @usableFromInline let base: UnsafeMutableRawPointer

    public init(count: Int, headroom: Int, capacity: Int) {
        self.count = count
        self.headroom = headroom
        self.capacity = capacity
        stride = (headroom + capacity + 63) & ~63
        base = .allocate(byteCount: stride * count, alignment: 64)
    }

    deinit { base.deallocate() }

    /// Start of buffer `i`'s data area; `headroom` writable bytes precede it.
    @inlinable @inline(__always)
    public func data(_ i: Int) -> UnsafeMutableRawPointer { base + i * stride + headroom }
}
