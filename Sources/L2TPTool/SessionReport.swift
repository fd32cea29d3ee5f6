// SPDX-License-Identifier: GPL-2.0-only
// One session of a `show session` dump, read from its reply attributes and printed as ip/ipl2tp.c's
// print_session does.

import L2TPNetlink
import L2TPWire

/// A session as `l2tp show session` prints it.
///
/// Read from this message alone (see `TunnelReport` on iproute2's reuse of one struct per dump).
struct SessionReport: Equatable {
    var sessionID: UInt32
    var tunnelID: UInt32
    var peerSessionID: UInt32
    var peerTunnelID: UInt32
    var ifname: String?
    var cookie: [UInt8]
    var peerCookie: [UInt8]
    /// iproute2 keeps `L2TP_ATTR_RECV_TIMEOUT` (u64 ms) in an `int` and prints it with "%u", so only
    /// the low 32 bits are shown, and a multiple of 2^32 counts as "no timeout".
    var reorderTimeout: UInt32
    var sendSeq: Bool
    var recvSeq: Bool
    var stats: L2TPStats?

    init(_ a: L2TPAttributes) {
        sessionID = a.sessionID ?? 0
        tunnelID = a.connID ?? 0
        peerSessionID = a.peerSessionID ?? 0
        peerTunnelID = a.peerConnID ?? 0
        ifname = a.ifname
        cookie = a.cookie ?? []
        peerCookie = a.peerCookie ?? []
        reorderTimeout = UInt32(truncatingIfNeeded: a.recvTimeout ?? 0)
        sendSeq = (a.sendSeq ?? 0) != 0
        recvSeq = (a.recvSeq ?? 0) != 0
        stats = a.stats
    }

    /// ipl2tp.c's print_cookie text: lowercase `%02x` per byte. iproute2 prints the first 4 bytes, and
    /// the next 4 when the cookie is 8 bytes long; for those lengths (the only ones `l2tp add` can
    /// configure) this is the same text. For any other length iproute2 would print 4 bytes whatever
    /// the length (reading past a shorter cookie); l2tp prints every byte instead.
    static func hex(_ cookie: [UInt8]) -> String {
        var s = ""
        for b in cookie {
            let digits = String(b, radix: 16)
            s += b < 16 ? "0" + digits : digits
        }
        return s
    }

    /// print_session, then (with `-s`) the counters.
    func print(to out: inout ListingPrinter, statistics: Bool, event: String? = nil) {
        out.openObject()
        if let event { out.print(.json, key: "event", "", .string(event)) }
        out.print(.any, key: "session_id", "Session \(sessionID)", .unsigned(UInt64(sessionID)))
        out.print(.any, key: "tunnel_id", " in tunnel \(tunnelID)", .unsigned(UInt64(tunnelID)))
        out.newline()

        out.print(.any, key: "peer_session_id", "  Peer session \(peerSessionID),", .unsigned(UInt64(peerSessionID)))
        out.print(.any, key: "peer_tunnel_id", " tunnel \(peerTunnelID)", .unsigned(UInt64(peerTunnelID)))
        out.newline()

        if let ifname {
            out.print(.any, key: "interface", "  interface name: \(ifname)", .string(ifname))
            out.newline()
        }

        // Offsets are shown only in plain text, for legacy scripts.
        out.print(.text, key: "offset", "  offset 0,", .unsigned(0))
        out.print(.text, key: "peer_offset", " peer offset 0\n", .unsigned(0))

        if !cookie.isEmpty {
            let h = Self.hex(cookie)
            out.print(.any, key: "cookie", "  cookie \(h)", .string(h))
        }
        if !peerCookie.isEmpty {
            let h = Self.hex(peerCookie)
            out.print(.any, key: "peer_cookie", "  peer cookie \(h)", .string(h))
        }
        if reorderTimeout != 0 {
            out.print(.any, key: "reorder_timeout", "  reorder timeout: \(reorderTimeout)", .unsigned(UInt64(reorderTimeout)))
        }
        if sendSeq || recvSeq {
            out.printText("\(out.lineSeparator)  sequence numbering:")
            if sendSeq { out.print(.any, key: "send_seq", " send", .null) }
            if recvSeq { out.print(.any, key: "recv_seq", " recv", .null) }
        }
        out.printText("\n")
        if statistics {
            (stats ?? L2TPStats()).print(to: &out)
        }
        out.closeObject()
    }
}
