// SPDX-License-Identifier: GPL-2.0-only
// Data-vs-control classification of a received L2TP packet and extraction of the lookup key, for the
// UDP form (l2tp_udp_encap_recv) and the IP form (l2tp_ip_recv / l2tp_ip6_recv).

/// What the fixed part of a received packet says, before any session is looked up.
public enum Demux: Equatable, Sendable {
    /// A data packet for an L2TPv2 session, keyed by the recipient's (tunnel id, session id).
    /// `optionsOffset` is where the fields after the session id start.
    case v2(tunnelID: UInt16, sessionID: UInt16, flags: UInt16, optionsOffset: Int)
    /// A data packet keyed by a 32-bit session id. Over UDP `version` is the header's Ver field, which
    /// the kernel only compares with the tunnel's version after lookup (so Ver=1 is looked up here too).
    case v3(sessionID: UInt32, version: UInt8, optionsOffset: Int)
    /// A control message: T bit over UDP, session id 0 over IP. Handed to the tunnel's owner unparsed.
    /// `connectionID` is the v3 Control Connection ID when the IP form carried one.
    case control(connectionID: UInt32?)
    /// Too short to be classified. Over UDP the kernel passes it up to the socket, uncounted.
    case short

    /// The minimum a UDP datagram must hold before the kernel parses it. The corresponding C
    /// constant is `L2TP_HDR_SIZE_MAX`.
    public static let udpMinimum = 14

    /// Classifies an L2TP packet that arrived over UDP (the UDP header already removed).
    @inlinable
    public static func udp(_ p: UnsafeRawPointer, length: Int) -> Demux {
        guard length >= udpMinimum else { return .short }
        let flags = UInt16(bigEndian: p.loadUnaligned(as: UInt16.self))
        if flags & L2TPHeaderFlags.t != 0 { return .control(connectionID: nil) }
        let version = UInt8(flags & L2TPHeaderFlags.versionMask)
        if version == 2 {
            var at = 2
            if flags & L2TPHeaderFlags.l != 0 { at += 2 }
            let tid = UInt16(bigEndian: p.loadUnaligned(fromByteOffset: at, as: UInt16.self))
            let sid = UInt16(bigEndian: p.loadUnaligned(fromByteOffset: at + 2, as: UInt16.self))
            return .v2(tunnelID: tid, sessionID: sid, flags: flags, optionsOffset: at + 4)
        }
        let sid = UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        return .v3(sessionID: sid, version: version, optionsOffset: 8)
    }

    /// Classifies an L2TPv3 packet that arrived over IP protocol 115 (the IP header already removed).
    ///
    /// Session id 0 is control; the kernel requires 12 more bytes whose first byte has T and L set and
    /// reads the Control Connection ID at offset 4 of the control header.
    @inlinable
    public static func ip(_ p: UnsafeRawPointer, length: Int) -> Demux {
        guard length >= 4 else { return .short }
        let sid = UInt32(bigEndian: p.loadUnaligned(as: UInt32.self))
        if sid != 0 { return .v3(sessionID: sid, version: 3, optionsOffset: 4) }
        guard length >= 4 + 12 else { return .short }
        let first = p.load(fromByteOffset: 4, as: UInt8.self)
        guard first & 0xc0 == 0xc0 else { return .short }
        let ccid = UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        return .control(connectionID: ccid)
    }
}
