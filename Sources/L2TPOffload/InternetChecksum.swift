// SPDX-License-Identifier: GPL-2.0-only
// The RFC 1071 Internet checksum, fast enough to run over every byte l2tpd segments or coalesces.
//
// Flow of a checksum:
//   1. `sum` adds the bytes 8 at a time (unaligned 64-bit loads, four independent accumulators, each
//      load split into two 32-bit halves so no carry is ever lost) into an unfolded 64-bit sum;
//   2. partial sums chain through `initial:` (a pseudo-header sum, then a header, then a payload);
//   3. `fold` folds 64 → 16 bits with end-around carry and returns the value in network byte order.
//
// Byte order: the unfolded sums are kept in the host's byte order (16-bit words read as the host
// reads them: little-endian on x86-64 and arm64). The one's-complement sum is byte-order independent
// (RFC 1071 §2(B)), so `fold` only has to swap the folded result once. Every partial sum must start
// at an even offset of the checksummed data (headers have even lengths, so pseudo-header + L4 header
// + payload chains do).
//
// Concurrency: stateless, safe from any thread.

/// RFC 1071 Internet checksum helpers, with the kernel's vocabulary (csum_partial, csum_fold,
/// csum_tcpudp_nofold, csum_ipv6_magic, skb_checksum_help).
public enum InternetChecksum {
    /// The unfolded one's-complement sum of `count` bytes at `p` (any alignment, any length; an odd
    /// last byte counts as the high byte of a zero-padded word), added to `initial`. The value is an
    /// opaque partial sum: pass it as `initial` to another call or to `fold`. The corresponding C
    /// function is `csum_partial`.
    @inlinable
    public static func sum(_ p: UnsafeRawPointer, count: Int, initial: UInt64 = 0) -> UInt64 {
        var a: UInt64 = 0
        var b: UInt64 = 0
        var c: UInt64 = 0
        var d: UInt64 = 0
        var i = 0
        // Each accumulator takes at most 2 * (2^32 - 1) per 32-byte step, so it cannot overflow
        // before 2^31 steps (64 GiB): far beyond any frame.
        while i &+ 32 <= count {
            let w0 = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let w1 = p.loadUnaligned(fromByteOffset: i &+ 8, as: UInt64.self)
            let w2 = p.loadUnaligned(fromByteOffset: i &+ 16, as: UInt64.self)
            let w3 = p.loadUnaligned(fromByteOffset: i &+ 24, as: UInt64.self)
            a &+= (w0 & 0xffff_ffff) &+ (w0 >> 32)
            b &+= (w1 & 0xffff_ffff) &+ (w1 >> 32)
            c &+= (w2 & 0xffff_ffff) &+ (w2 >> 32)
            d &+= (w3 & 0xffff_ffff) &+ (w3 >> 32)
            i &+= 32
        }
        while i &+ 8 <= count {
            let w = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            a &+= (w & 0xffff_ffff) &+ (w >> 32)
            i &+= 8
        }
        if i &+ 4 <= count {
            b &+= UInt64(p.loadUnaligned(fromByteOffset: i, as: UInt32.self))
            i &+= 4
        }
        if i &+ 2 <= count {
            c &+= UInt64(p.loadUnaligned(fromByteOffset: i, as: UInt16.self))
            i &+= 2
        }
        if i < count {
            // The word [last byte, 0] as the host reads it.
            d &+= UInt64(UInt16(littleEndian: UInt16(p.load(fromByteOffset: i, as: UInt8.self))))
        }
        // Four sums below 2^63 each add without overflow to below 2^65: fold once before adding.
        let total = fold32(a) &+ fold32(b) &+ fold32(c) &+ fold32(d)
        return add(total, initial)
    }

    /// Adds two partial sums with end-around carry (2^64 ≡ 1 modulo 0xffff, so the fold is unchanged).
    /// The corresponding C function is `csum_add`.
    @inlinable
    public static func add(_ x: UInt64, _ y: UInt64) -> UInt64 {
        let (s, carry) = x.addingReportingOverflow(y)
        return s &+ (carry ? 1 : 0)
    }

    /// The folded 16-bit one's-complement sum in network byte order, NOT complemented (a checksum
    /// field holds `~fold(...)`; a buffer that includes a correct checksum folds to 0xffff). The
    /// corresponding C function is `csum_fold` without its final complement.
    @inlinable
    public static func fold(_ sum: UInt64) -> UInt16 {
        var s = fold32(sum)  // < 2^33
        s = (s & 0xffff_ffff) &+ (s >> 32)  // < 2^32 + 1
        s = (s & 0xffff) &+ (s >> 16)
        s = (s & 0xffff) &+ (s >> 16)
        s = (s & 0xffff) &+ (s >> 16)
        // Host order → network order: the sum of little-endian words is the byte-swapped sum.
        return UInt16(bigEndian: UInt16(truncatingIfNeeded: s))
    }

    /// The complemented, folded checksum of `count` bytes, ready to store big-endian in a header.
    @inlinable
    public static func checksum(_ p: UnsafeRawPointer, count: Int, initial: UInt64 = 0) -> UInt16 {
        ~fold(sum(p, count: count, initial: initial))
    }

    /// The IPv4 pseudo-header sum (RFC 793/768): source and destination address (4 bytes each, at
    /// `source` and `destination`), zero, protocol and the L4 `length`. The corresponding C function
    /// is `csum_tcpudp_nofold`.
    @inlinable
    public static func pseudoHeaderSumIPv4(
        source: UnsafeRawPointer, destination: UnsafeRawPointer, protocol: UInt8, length: Int
    ) -> UInt64 {
        let s = UInt64(source.loadUnaligned(as: UInt32.self))
        let d = UInt64(destination.loadUnaligned(as: UInt32.self))
        return s &+ d &+ lengthAndProtocol(`protocol`, length)
    }

    /// The IPv6 pseudo-header sum (RFC 8200 §8.1): source and destination address (16 bytes each),
    /// the 32-bit upper-layer `length`, three zero bytes and the next header `protocol`. The
    /// corresponding C function is `csum_ipv6_magic` without its fold.
    @inlinable
    public static func pseudoHeaderSumIPv6(
        source: UnsafeRawPointer, destination: UnsafeRawPointer, protocol: UInt8, length: Int
    ) -> UInt64 {
        var s: UInt64 = 0
        for k in stride(from: 0, to: 16, by: 8) {
            let x = source.loadUnaligned(fromByteOffset: k, as: UInt64.self)
            let y = destination.loadUnaligned(fromByteOffset: k, as: UInt64.self)
            s &+= (x & 0xffff_ffff) &+ (x >> 32) &+ (y & 0xffff_ffff) &+ (y >> 32)
        }
        return s &+ lengthAndProtocol(`protocol`, length)
    }

    /// Finishes a `VIRTIO_NET_HDR_F_NEEDS_CSUM` (CHECKSUM_PARTIAL) frame in place, as the kernel's
    /// `skb_checksum_help` does: the 16-bit field at `start + offset` holds the pseudo-header sum; it
    /// becomes `~fold(sum over [start, count))`, with a result of 0 stored as 0xffff
    /// (`CSUM_MANGLED_0`). Returns false, leaving the frame untouched, when the field does not lie
    /// within `[start, count)`.
    @inlinable
    @discardableResult
    public static func complete(_ frame: UnsafeMutableRawPointer, count: Int, start: Int, offset: Int) -> Bool {
        guard start >= 0, offset >= 0, start < count, offset <= count - start - 2 else { return false }
        var value = ~fold(sum(UnsafeRawPointer(frame + start), count: count - start))
        if value == 0 { value = 0xffff }
        frame.storeBytes(of: value.bigEndian, toByteOffset: start + offset, as: UInt16.self)
        return true
    }

    /// The pseudo-header's length and protocol words, in host order like every partial sum.
    @inlinable
    static func lengthAndProtocol(_ proto: UInt8, _ length: Int) -> UInt64 {
        UInt64(UInt32(truncatingIfNeeded: length).bigEndian) &+ UInt64(UInt16(proto).bigEndian)
    }

    /// Folds a 64-bit sum into 33 bits, keeping its value modulo 0xffff.
    @inlinable
    static func fold32(_ s: UInt64) -> UInt64 {
        (s & 0xffff_ffff) &+ (s >> 32)
    }
}
