// SPDX-License-Identifier: GPL-2.0-only
// The L2TPv3 data header (RFC 3931 §4.1) in its UDP and IP forms, with cookie and Default L2-Specific Sublayer.
//
// L2TPv3 over UDP (§4.1.2.1):
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |T|x|x|x|x|x|x|x|x|x|x|x|  Ver  |             Reserved          |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                       Session ID (32)                         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |               Cookie (optional, maximum 64 bits)...
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                 L2-Specific Sublayer (optional)               |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// L2TPv3 over IP, protocol 115 (§4.1.1.1): the same without the first word. Session ID 0 marks a
// control message (§4.1.1.2), which continues with the control header (T,L,...,Ver | Length |
// Control Connection ID | Ns | Nr).
//
// Default L2-Specific Sublayer (§4.6):
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |x|S|x|x|x|x|x|x|              Sequence Number                  |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// S=1: the 24-bit sequence number is valid. The kernel writes all zeros when not sequencing.

/// The L2TPv3 data header.
public enum L2TPv3Header {
    /// The S bit of the Default L2-Specific Sublayer. The corresponding C constant is `L2TP_SLFLAG_S`.
    public static let sublayerSBit: UInt32 = 0x4000_0000
    /// Sequence number mask of the sublayer. The corresponding C constant is `L2TP_SL_SEQ_MASK`.
    public static let sublayerSeqMask: UInt32 = 0x00ff_ffff

    /// Header bytes for a v3 session, as `l2tp_session_set_header_len` computes them.
    @inlinable
    public static func length(encap: EncapType, cookieLength: Int, l2spec: L2SpecType) -> Int {
        (encap == .udp ? 4 : 0) + 4 + cookieLength + l2spec.length
    }

    /// Writes a data header at `p`. With `l2spec == .default` the sublayer carries `ns` (S=1) or is
    /// all zeros when `ns` is nil. Returns the number of bytes written.
    @inlinable @inline(__always)
    public static func write(
        to p: UnsafeMutableRawPointer, encap: EncapType, peerSessionID: UInt32, cookie: Cookie,
        l2spec: L2SpecType, ns: UInt32?
    ) -> Int {
        var at = 0
        if encap == .udp {
            p.storeBytes(of: UInt32(0x0003_0000).bigEndian, toByteOffset: 0, as: UInt32.self)
            at = 4
        }
        p.storeBytes(of: peerSessionID.bigEndian, toByteOffset: at, as: UInt32.self)
        at += 4
        at += cookie.write(to: p + at)
        if l2spec == .default {
            let word: UInt32 = ns.map { sublayerSBit | ($0 & sublayerSeqMask) } ?? 0
            p.storeBytes(of: word.bigEndian, toByteOffset: at, as: UInt32.self)
            at += 4
        }
        return at
    }

    /// What the session-specific part of a v3 header says: whether the cookie matched, the sequence
    /// number if the sublayer carries one, and where the payload starts.
    public enum Options: Equatable, Sendable {
        /// The cookie and sublayer bytes are not all present. The kernel counts this as `rx_invalid`.
        case truncated
        /// The cookie differs from the expected one (`rx_cookie_discards`).
        case cookieMismatch
        /// A well-formed header.
        case ok(ns: UInt32?, payloadOffset: Int)
    }

    /// Checks the cookie and reads the sublayer that follow the session id, which ends `offset`
    /// bytes into the packet of `length` bytes.
    @inlinable @inline(__always)
    public static func parseOptions(
        _ p: UnsafeRawPointer, length: Int, offset: Int, expectedCookie: Cookie, l2spec: L2SpecType
    ) -> Options {
        guard offset + expectedCookie.count + l2spec.length <= length else { return .truncated }
        guard expectedCookie.matches(p + offset) else { return .cookieMismatch }
        var at = offset + expectedCookie.count
        var ns: UInt32?
        if l2spec == .default {
            let word = UInt32(bigEndian: p.loadUnaligned(fromByteOffset: at, as: UInt32.self))
            if word & sublayerSBit != 0 { ns = word & sublayerSeqMask }
            at += 4
        }
        return .ok(ns: ns, payloadOffset: at)
    }
}
