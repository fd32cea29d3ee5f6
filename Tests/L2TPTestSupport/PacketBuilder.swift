// SPDX-License-Identifier: GPL-2.0-only
// Builds L2TP data packets with the L2TPWire writers, and drives a Session with real packet bytes.

import L2TPCore
import L2TPWire

/// Packet bytes as they appear after the UDP header (UDP form) or after the IP header (IP form).
public enum PacketBuilder {
    /// A recognisable payload: `count` copies of `tag`, so a test can tell delivered frames apart.
    /// The default length keeps every header form at or above the 14 bytes the UDP path requires.
    public static func payload(tag: UInt8, count: Int = 8) -> [UInt8] {
        [UInt8](repeating: tag, count: count)
    }

    /// An L2TPv2 data packet with the header `L2TPv2Header.write` produces, followed by `payload`.
    public static func v2(tunnelID: UInt16, sessionID: UInt16, ns: UInt16? = nil, payload: [UInt8]) -> [UInt8] {
        let headerLength = L2TPv2Header.length(sendSeq: ns != nil)
        var out = [UInt8](repeating: 0xcc, count: headerLength + payload.count)
        let written = out.withUnsafeMutableBytes { raw in
            L2TPv2Header.write(to: raw.baseAddress!, peerTunnelID: tunnelID, peerSessionID: sessionID, ns: ns)
        }
        precondition(written == headerLength, "L2TPv2Header.write wrote \(written) bytes, length says \(headerLength)")
        out.replaceSubrange(headerLength..., with: payload)
        return out
    }

    /// An L2TPv3 data packet with the header `L2TPv3Header.write` produces, followed by `payload`.
    public static func v3(
        encap: EncapType, sessionID: UInt32, cookie: Cookie = .none, l2spec: L2SpecType = .default,
        ns: UInt32? = nil, payload: [UInt8]
    ) -> [UInt8] {
        let headerLength = L2TPv3Header.length(encap: encap, cookieLength: cookie.count, l2spec: l2spec)
        var out = [UInt8](repeating: 0xcc, count: headerLength + payload.count)
        let written = out.withUnsafeMutableBytes { raw in
            L2TPv3Header.write(
                to: raw.baseAddress!, encap: encap, peerSessionID: sessionID, cookie: cookie, l2spec: l2spec, ns: ns)
        }
        precondition(written == headerLength, "L2TPv3Header.write wrote \(written) bytes, length says \(headerLength)")
        out.replaceSubrange(headerLength..., with: payload)
        return out
    }

    /// A data packet addressed to `session` as its peer sends it: our tunnel and session ids, the
    /// cookie we expect (`peerCookie`, unless `cookie` overrides it) and our sublayer type.
    public static func inbound(to session: Session, ns: UInt32? = nil, payload: [UInt8], cookie: Cookie? = nil)
        -> [UInt8]
    {
        switch session.tunnel.version {
        case .v2:
            return v2(
                tunnelID: UInt16(truncatingIfNeeded: session.tunnel.id.rawValue),
                sessionID: UInt16(truncatingIfNeeded: session.id.rawValue),
                ns: ns.map { UInt16(truncatingIfNeeded: $0) }, payload: payload)
        case .v3:
            return v3(
                encap: session.tunnel.encap, sessionID: session.id.rawValue, cookie: cookie ?? session.peerCookie,
                l2spec: session.l2spec, ns: ns, payload: payload)
        }
    }

    /// Classifies `packet` the way the transport of `encap` does.
    public static func demux(_ packet: [UInt8], encap: EncapType) -> Demux {
        packet.withUnsafeBytes { raw in
            encap == .udp ? Demux.udp(raw.baseAddress!, length: raw.count) : Demux.ip(raw.baseAddress!, length: raw.count)
        }
    }
}

extension Session {
    /// Classifies `packet` as the session's tunnel transport would (UDP or IP form) and hands it to
    /// `receive`, as the datapath does after a successful lookup. The packet must be a data packet.
    @discardableResult
    public func receivePacket(_ packet: [UInt8], now: UInt64 = 0) -> DropReason? {
        let demux = PacketBuilder.demux(packet, encap: tunnel.encap)
        switch demux {
        case .v2, .v3: break
        case .control, .short: preconditionFailure("not a data packet: \(packet.hex) classified as \(demux)")
        }
        return packet.withUnsafeBytes { receive($0, demux: demux, now: now) }
    }

    /// Puts `payload` in a buffer with `maxHeaderLength` bytes of headroom, lets `writeHeader` fill
    /// the headroom as the datapath does, and returns the resulting L2TP packet.
    public func encapsulate(_ payload: [UInt8]) -> [UInt8] {
        let headroom = maxHeaderLength
        var buffer = [UInt8](repeating: 0xcc, count: headroom + payload.count)
        buffer.replaceSubrange(headroom..., with: payload)
        let written = buffer.withUnsafeMutableBytes { raw in writeHeader(before: raw.baseAddress! + headroom) }
        precondition(written <= headroom, "header of \(written) bytes overran \(headroom) bytes of headroom")
        return Array(buffer[(headroom - written)...])
    }
}
