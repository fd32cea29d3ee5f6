// SPDX-License-Identifier: GPL-2.0-only
// The immutable lookup table the datapath demultiplexes with, keyed as the kernel keys sessions
// (l2tp_v2_session_get, l2tp_v3_session_get). The control plane publishes a new one after every change.

import L2TPWire

/// Sessions sharing one L2TPv3 session id. Only UDP sessions in different tunnels may collide.
public enum V3Slot: Sendable {
    case one(Session)
    case collided([Session])
}

/// An immutable snapshot of every session, read lock-free by datapath workers.
public final class SessionTable: Sendable {
    /// Increases by one with every publication.
    public let generation: UInt64
    /// L2TPv2 sessions keyed by `(tunnel_id << 16) | session_id`, each 16 bits (l2tp_v2_session_key).
    let v2: [UInt32: Session]
    /// L2TPv3 sessions keyed by session id alone.
    let v3: [UInt32: V3Slot]
    /// Every tunnel by id, for control frames over IP (matched by Control Connection ID).
    let tunnels: [TunnelID: Tunnel]
    /// `v2`, and the v3 ids held by one session, unretained: the per-packet lookup copies no
    /// reference. The dictionaries above keep the sessions alive as long as the table.
    let v2Unretained: [UInt32: Unmanaged<Session>]
    let v3Unretained: [UInt32: Unmanaged<Session>]

    public init(
        generation: UInt64, v2: [UInt32: Session], v3: [UInt32: V3Slot], tunnels: [TunnelID: Tunnel],
        v2Unretained: [UInt32: Unmanaged<Session>], v3Unretained: [UInt32: Unmanaged<Session>]
    ) {
        self.generation = generation
        self.v2 = v2
        self.v3 = v3
        self.tunnels = tunnels
        self.v2Unretained = v2Unretained
        self.v3Unretained = v3Unretained
    }

    /// The empty table.
    public static let empty = SessionTable(
        generation: 0, v2: [:], v3: [:], tunnels: [:], v2Unretained: [:], v3Unretained: [:])

    /// The v2 lookup key (l2tp_v2_session_key): each id truncated to 16 bits.
    @inline(__always)
    public static func v2Key(tunnelID: UInt32, sessionID: UInt32) -> UInt32 {
        (tunnelID & 0xffff) << 16 | (sessionID & 0xffff)
    }

    /// Finds the session a data packet belongs to.
    ///
    /// - Parameters:
    ///   - demux: the packet's classification.
    ///   - receivedBy: the tunnel whose socket received the packet; it only matters when L2TPv3 UDP
    ///     sessions in different tunnels share the id (the kernel compares sockets).
    public func lookup(_ demux: Demux, receivedBy: Tunnel?) -> Session? {
        unretainedLookup(demux, receivedBy: receivedBy)?.takeUnretainedValue()
    }

    /// `lookup` for the datapath: the session unretained, valid while this table is held (use it
    /// with `_withUnsafeGuaranteedRef`). Only colliding v3 ids take a reference.
    @inline(__always)
    public func unretainedLookup(_ demux: Demux, receivedBy: Tunnel?) -> Unmanaged<Session>? {
        switch demux {
        case .v2(let tid, let sid, _, _):
            return v2Unretained[UInt32(tid) << 16 | UInt32(sid)]
        case .v3(let sid, _, _):
            if let s = v3Unretained[sid] { return s }
            guard let receivedBy, case .collided(let all)? = v3[sid] else { return nil }
            return all.first { $0.tunnel === receivedBy }.map { Unmanaged.passUnretained($0) }
        case .control, .short:
            return nil
        }
    }

    /// The tunnel with this id, if any.
    public func tunnel(_ id: TunnelID) -> Tunnel? { tunnels[id] }

    /// Number of sessions in the table.
    public var sessionCount: Int {
        v2.count + v3.values.reduce(0) { n, slot in
            switch slot {
            case .one: n + 1
            case .collided(let all): n + all.count
            }
        }
    }
}
