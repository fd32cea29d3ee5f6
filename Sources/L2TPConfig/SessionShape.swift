// SPDX-License-Identifier: GPL-2.0-only
// A session's creation attributes reduced to what the datapath acts on, for comparison across reloads.

import L2TPNetlink
import L2TPWire

/// What a SESSION_CREATE request (plus later modifies) means, with absent attributes replaced by
/// their defaults, so two requests for the same session compare equal.
struct SessionShape: Equatable {
    // Fixed at creation.
    var peerSessionID: UInt32?
    var pwType: UInt16?
    /// Absent = DEFAULT (1); not compared in version 2 tunnels (nil there).
    var l2specType: UInt8?
    /// Absent = empty; not compared in version 2 tunnels.
    var cookie: [UInt8] = []
    var peerCookie: [UInt8] = []
    /// The interface name, nil for "any name".
    var ifname: String?

    // Modifiable with SESSION_MODIFY; absent = 0, flags by their low bit.
    var recvSeq: UInt8 = 0
    var sendSeq: UInt8 = 0
    var lnsMode: UInt8 = 0
    var recvTimeout: UInt64 = 0
    var debug: UInt32 = 0

    /// `ifname` is the name to compare: the actual name of a present session, the file's name (or nil) of a desired one.
    /// `version` is the PROTO_VERSION of the tunnel.
    init(_ a: L2TPAttributes, ifname: String?, version: UInt8?) {
        peerSessionID = a.peerSessionID
        pwType = a.pwType
        if version != ProtocolVersion.v2.rawValue {
            l2specType = a.l2specType ?? L2SpecType.default.rawValue
            cookie = a.cookie ?? []
            peerCookie = a.peerCookie ?? []
        }
        self.ifname = ifname
        recvSeq = (a.recvSeq ?? 0) & 1
        sendSeq = (a.sendSeq ?? 0) & 1
        lnsMode = (a.lnsMode ?? 0) & 1
        recvTimeout = a.recvTimeout ?? 0
        debug = a.debug ?? 0
    }

    /// The config keys of the fixed fields that differ from `desired` (a session that needs re-creating).
    /// The interface name counts only when `desired` names one.
    func fixedDifferences(from desired: SessionShape) -> [String] {
        var keys: [String] = []
        if peerSessionID != desired.peerSessionID { keys.append("peer_session_id") }
        if pwType != desired.pwType { keys.append("pseudowire") }
        if let name = desired.ifname, name != ifname { keys.append("name") }
        if cookie != desired.cookie { keys.append("cookie") }
        if peerCookie != desired.peerCookie { keys.append("peer_cookie") }
        if l2specType != desired.l2specType { keys.append("l2spec_type") }
        return keys
    }

    /// SESSION_MODIFY attributes (without CONN_ID and SESSION_ID) for the modifiable fields that differ
    /// from `desired`, and their config keys; no keys when nothing differs.
    func modification(to desired: SessionShape) -> (L2TPAttributes, [String]) {
        var a = L2TPAttributes()
        var keys: [String] = []
        if recvSeq != desired.recvSeq { a.recvSeq = desired.recvSeq }
        if sendSeq != desired.sendSeq { a.sendSeq = desired.sendSeq }
        if a.recvSeq != nil || a.sendSeq != nil { keys.append("seq") }
        if lnsMode != desired.lnsMode {
            a.lnsMode = desired.lnsMode
            keys.append("lns_mode")
        }
        if recvTimeout != desired.recvTimeout {
            a.recvTimeout = desired.recvTimeout
            keys.append("reorder_timeout")
        }
        if debug != desired.debug {
            a.debug = desired.debug
            keys.append("debug")
        }
        return (a, keys)
    }
}
