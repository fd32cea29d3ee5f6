// SPDX-License-Identifier: GPL-2.0-only
// The L2TPv2 data header (RFC 2661 §3.1): parsing on receive and building in place on transmit.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |T|L|x|x|S|x|O|P|x|x|x|x|  Ver  |          Length (opt)         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |           Tunnel ID           |           Session ID          |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |             Ns (opt)          |             Nr (opt)          |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |      Offset Size (opt)        |    Offset pad... (opt)
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Data messages have T=0. Tunnel ID and Session ID are the recipient's. Nr is reserved in data
// messages and ignored. The kernel transmits only Ver=2 and, when sequencing, S with Ns and Nr=0.

/// Flag bits of the first 16-bit word of an L2TP header (kernel `L2TP_HDRFLAG_*`).
public enum L2TPHeaderFlags {
    /// Control message. The corresponding C constant is `L2TP_HDRFLAG_T`.
    public static let t: UInt16 = 0x8000
    /// Length field present. The corresponding C constant is `L2TP_HDRFLAG_L`.
    public static let l: UInt16 = 0x4000
    /// Ns/Nr present. The corresponding C constant is `L2TP_HDRFLAG_S`.
    public static let s: UInt16 = 0x0800
    /// Offset Size present. The corresponding C constant is `L2TP_HDRFLAG_O`.
    public static let o: UInt16 = 0x0200
    /// Priority. The corresponding C constant is `L2TP_HDRFLAG_P`.
    public static let p: UInt16 = 0x0100
    /// Version field. The corresponding C constant is `L2TP_HDR_VER_MASK`.
    public static let versionMask: UInt16 = 0x000f
}

/// The L2TPv2 data header.
public enum L2TPv2Header {
    /// Header bytes the kernel writes: 6, or 10 when sending sequence numbers.
    @inlinable
    public static func length(sendSeq: Bool) -> Int { sendSeq ? 10 : 6 }

    /// Writes a data header at `p` for the peer's ids; `ns` is present when sequencing.
    /// Returns the number of bytes written (6 or 10).
    @inlinable @inline(__always)
    public static func write(
        to p: UnsafeMutableRawPointer, peerTunnelID: UInt16, peerSessionID: UInt16, ns: UInt16?
    ) -> Int {
        var flags: UInt16 = 2
        if ns != nil { flags |= L2TPHeaderFlags.s }
        p.storeBytes(of: flags.bigEndian, toByteOffset: 0, as: UInt16.self)
        p.storeBytes(of: peerTunnelID.bigEndian, toByteOffset: 2, as: UInt16.self)
        p.storeBytes(of: peerSessionID.bigEndian, toByteOffset: 4, as: UInt16.self)
        guard let ns else { return 6 }
        p.storeBytes(of: ns.bigEndian, toByteOffset: 6, as: UInt16.self)
        p.storeBytes(of: UInt16(0), toByteOffset: 8, as: UInt16.self)
        return 10
    }

    /// What follows the session id of a v2 data header: the optional sequence number and where the
    /// payload starts.
    public struct Options: Equatable, Sendable {
        /// Ns, when the S bit is set.
        public var ns: UInt16?
        /// Offset of the payload from the first L2TP header byte.
        public var payloadOffset: Int
        public init(ns: UInt16?, payloadOffset: Int) {
            self.ns = ns
            self.payloadOffset = payloadOffset
        }
    }

    /// Parses the optional fields after the session id (`offset` bytes into the packet) given the
    /// header `flags`. Returns nil if a field it needs runs past `length`.
    @inlinable
    public static func parseOptions(
        _ p: UnsafeRawPointer, length: Int, flags: UInt16, offset: Int
    ) -> Options? {
        var at = offset
        var ns: UInt16?
        if flags & L2TPHeaderFlags.s != 0 {
            guard at + 4 <= length else { return nil }
            ns = UInt16(bigEndian: p.loadUnaligned(fromByteOffset: at, as: UInt16.self))
            at += 4  // Ns and the reserved Nr
        }
        if flags & L2TPHeaderFlags.o != 0 {
            guard at + 2 <= length else { return nil }
            let pad = Int(UInt16(bigEndian: p.loadUnaligned(fromByteOffset: at, as: UInt16.self)))
            at += 2 + pad
            guard at <= length else { return nil }
        }
        return Options(ns: ns, payloadOffset: at)
    }
}
