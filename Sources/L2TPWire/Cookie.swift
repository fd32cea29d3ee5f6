// SPDX-License-Identifier: GPL-2.0-only
// An L2TPv3 cookie (RFC 3931 §4.1): 0 to 8 opaque bytes, stored inline so the datapath never allocates.

/// An L2TPv3 cookie of 0 to 8 bytes.
///
/// The bytes are kept in wire order in an inline tuple; comparing a cookie against packet bytes is one
/// unaligned load and a masked compare.
public struct Cookie: Hashable, Sendable, CustomStringConvertible {
    /// The cookie bytes packed big-endian into the high bytes of a 64-bit word.
    @usableFromInline let word: UInt64
    /// Number of cookie bytes, 0...8.
    public let count: Int

    /// The empty cookie.
    public static let none = Cookie(word: 0, count: 0)

    @usableFromInline init(word: UInt64, count: Int) {
        self.word = word
        self.count = count
    }

    /// Creates a cookie from up to 8 bytes; returns nil for longer input.
    public init?<C: Collection>(bytes: C) where C.Element == UInt8 {
        guard bytes.count <= 8 else { return nil }
        var w: UInt64 = 0
        var shift = 56
        for b in bytes {
            w |= UInt64(b) << UInt64(shift)
            shift -= 8
        }
        self.init(word: w, count: bytes.count)
    }

    /// The cookie bytes in wire order.
    public var bytes: [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: word >> UInt64(56 - 8 * $0)) }
    }

    /// Lowercase hex, as iproute2 prints cookies.
    public var description: String {
        bytes.map { b in
            let s = String(b, radix: 16)
            return b < 16 ? "0" + s : s
        }.joined()
    }

    /// Writes the cookie at `p` and returns the number of bytes written.
    @inlinable @inline(__always)
    public func write(to p: UnsafeMutableRawPointer) -> Int {
        var w = word.bigEndian
        withUnsafeBytes(of: &w) { src in
            p.copyMemory(from: src.baseAddress!, byteCount: count)
        }
        return count
    }

    /// Whether the `count` bytes at `p` equal this cookie. The caller guarantees `count` readable bytes.
    @inlinable @inline(__always)
    public func matches(_ p: UnsafeRawPointer) -> Bool {
        if count == 0 { return true }
        var w: UInt64 = 0
        withUnsafeMutableBytes(of: &w) { dst in
            dst.baseAddress!.copyMemory(from: p, byteCount: count)
        }
        return UInt64(bigEndian: w) == word
    }
}
