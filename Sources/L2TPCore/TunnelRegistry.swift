// SPDX-License-Identifier: GPL-2.0-only
// Every tunnel and session with what its owner keeps about it, under the kernel's id scoping rules
// (l2tp_tunnel_register, l2tp_session_register), and the SessionTable snapshots built from them.
//
// Concurrency: owned by the control plane's single thread; never touched by datapath workers.

import L2TPWire

/// Why a registration was refused; the control plane maps these to errnos.
public enum RegistryError: Error, Equatable, Sendable {
    /// The tunnel id is taken (ids are shared by v2 and v3). Kernel: -EEXIST.
    case tunnelExists
    /// The session id is taken in this scope. Kernel: -EEXIST.
    case sessionExists
    /// The tunnel is unknown or being deleted. Kernel: -ENODEV.
    case noSuchTunnel
}

/// Tunnels and their sessions, keyed as the kernel keys them, each with its owner's record
/// (`TunnelInfo`, `SessionInfo`: the control plane keeps the request it was created with).
public struct TunnelRegistry<TunnelInfo: Sendable, SessionInfo: Sendable>: Sendable {
    /// A session and its record.
    public struct SessionEntry: Sendable {
        public let session: Session
        public var info: SessionInfo
    }

    /// A tunnel, its record and its sessions.
    public struct Entry: Sendable {
        public let tunnel: Tunnel
        public var info: TunnelInfo
        public fileprivate(set) var sessions: [SessionID: SessionEntry] = [:]
    }

    public private(set) var entries: [TunnelID: Entry] = [:]
    private var v2: [UInt32: Session] = [:]
    private var v3: [UInt32: V3Slot] = [:]
    /// `v2` and the `.one` slots of `v3`, unretained (SessionTable.unretainedLookup).
    private var v2Unretained: [UInt32: Unmanaged<Session>] = [:]
    private var v3Unretained: [UInt32: Unmanaged<Session>] = [:]
    private var tunnelIndex: [TunnelID: Tunnel] = [:]
    private var generation: UInt64 = 0

    public init() {}

    // MARK: Tunnels

    /// Registers a tunnel. Fails if its id is taken.
    public mutating func add(_ tunnel: Tunnel, info: TunnelInfo) throws(RegistryError) {
        guard entries[tunnel.id] == nil else { throw .tunnelExists }
        entries[tunnel.id] = Entry(tunnel: tunnel, info: info)
        tunnelIndex[tunnel.id] = tunnel
    }

    /// Unregisters a tunnel and every session in it; returns them (sessions in id order).
    public mutating func removeTunnel(_ id: TunnelID) -> (Tunnel, [Session])? {
        guard let entry = entries[id] else { return nil }
        let sessions = entry.sessions.keys.sorted().map { entry.sessions[$0]!.session }
        for s in sessions { unindex(s) }
        entries[id] = nil
        tunnelIndex[id] = nil
        return (entry.tunnel, sessions)
    }

    public func tunnel(_ id: TunnelID) -> Tunnel? { entries[id]?.tunnel }

    /// Changes a tunnel's record.
    public mutating func updateInfo(of id: TunnelID, _ body: (inout TunnelInfo) -> Void) {
        guard entries[id] != nil else { return }
        body(&entries[id]!.info)
    }

    /// Tunnels in ascending id order, as the kernel's dump walks its IDR.
    public var tunnelsInOrder: [Tunnel] { entries.keys.sorted().map { entries[$0]!.tunnel } }

    public var tunnelCount: Int { entries.count }
    public var sessionCount: Int { entries.values.reduce(0) { $0 + $1.sessions.count } }

    // MARK: Sessions

    /// Checks that a session `id` could be registered in `tunnel`, without registering it: the tunnel
    /// is registered and the id is free in its scope. v2 ids are scoped by tunnel; v3 ids are global,
    /// except that UDP sessions in different tunnels may share an id (told apart by the receiving socket).
    public func check(_ id: SessionID, in tunnel: Tunnel) throws(RegistryError) {
        let tid = tunnel.id
        guard let entry = entries[tid], entry.tunnel === tunnel else { throw .noSuchTunnel }
        guard entry.sessions[id] == nil else { throw .sessionExists }
        switch tunnel.version {
        case .v2:
            guard v2[SessionTable.v2Key(tunnelID: tid.rawValue, sessionID: id.rawValue)] == nil else {
                throw .sessionExists
            }
        case .v3:
            switch v3[id.rawValue] {
            case nil: break
            case .one(let other):
                guard tunnel.encap == .udp, other.tunnel.encap == .udp else { throw .sessionExists }
            case .collided:
                guard tunnel.encap == .udp else { throw .sessionExists }
            }
        }
    }

    /// `check` for a session object.
    public func check(_ session: Session) throws(RegistryError) {
        try check(session.id, in: session.tunnel)
    }

    /// Registers a session in its tunnel (see `check`).
    public mutating func add(_ session: Session, info: SessionInfo) throws(RegistryError) {
        try check(session)
        let tid = session.tunnel.id
        switch session.tunnel.version {
        case .v2:
            let key = SessionTable.v2Key(tunnelID: tid.rawValue, sessionID: session.id.rawValue)
            v2[key] = session
            v2Unretained[key] = Unmanaged.passUnretained(session)
        case .v3:
            let key = session.id.rawValue
            switch v3[key] {
            case nil: v3[key] = .one(session)
            case .one(let other): v3[key] = .collided([other, session])
            case .collided(let all): v3[key] = .collided(all + [session])
            }
            v3Unretained[key] = v3[key].flatMap(Self.single)
        }
        entries[tid]!.sessions[session.id] = SessionEntry(session: session, info: info)
    }

    /// Unregisters one session.
    @discardableResult
    public mutating func removeSession(tunnelID: TunnelID, sessionID: SessionID) -> Session? {
        guard var entry = entries[tunnelID], let s = entry.sessions.removeValue(forKey: sessionID) else { return nil }
        entries[tunnelID] = entry
        unindex(s.session)
        return s.session
    }

    private mutating func unindex(_ s: Session) {
        switch s.tunnel.version {
        case .v2:
            let key = SessionTable.v2Key(tunnelID: s.tunnel.id.rawValue, sessionID: s.id.rawValue)
            v2[key] = nil
            v2Unretained[key] = nil
        case .v3:
            defer { v3Unretained[s.id.rawValue] = v3[s.id.rawValue].flatMap(Self.single) }
            switch v3[s.id.rawValue] {
            case .one(let only) where only === s:
                v3[s.id.rawValue] = nil
            case .collided(let all):
                let rest = all.filter { $0 !== s }
                v3[s.id.rawValue] = rest.count == 1 ? .one(rest[0]) : .collided(rest)
            default:
                break
            }
        }
    }

    public func session(tunnelID: TunnelID, sessionID: SessionID) -> Session? {
        entries[tunnelID]?.sessions[sessionID]?.session
    }

    /// A session's record.
    public func info(ofSession sessionID: SessionID, in tunnelID: TunnelID) -> SessionInfo? {
        entries[tunnelID]?.sessions[sessionID]?.info
    }

    /// Changes a session's record.
    public mutating func updateInfo(ofSession sessionID: SessionID, in tunnelID: TunnelID, _ body: (inout SessionInfo) -> Void) {
        guard entries[tunnelID]?.sessions[sessionID] != nil else { return }
        body(&entries[tunnelID]!.sessions[sessionID]!.info)
    }

    /// Sessions of a tunnel in ascending id order, as the kernel's dump walks them.
    public func sessionsInOrder(of tunnelID: TunnelID) -> [Session] {
        guard let entry = entries[tunnelID] else { return [] }
        return entry.sessions.keys.sorted().map { entry.sessions[$0]!.session }
    }

    /// Every session, tunnel by tunnel, in dump order.
    public var allSessionsInOrder: [Session] {
        entries.keys.sorted().flatMap { sessionsInOrder(of: $0) }
    }

    // MARK: Snapshots

    /// A new immutable table for the datapath. Each call advances the generation.
    public mutating func makeTable() -> SessionTable {
        generation += 1
        return SessionTable(
            generation: generation, v2: v2, v3: v3, tunnels: tunnelIndex, v2Unretained: v2Unretained,
            v3Unretained: v3Unretained)
    }

    /// The session of a slot held by one, unretained.
    private static func single(_ slot: V3Slot) -> Unmanaged<Session>? {
        if case .one(let s) = slot { return Unmanaged.passUnretained(s) }
        return nil
    }
}

extension TunnelRegistry where TunnelInfo == Void, SessionInfo == Void {
    /// A registry that keeps no records (tests of the keying rules).
    public init() { entries = [:] }

    public mutating func add(_ tunnel: Tunnel) throws(RegistryError) { try add(tunnel, info: ()) }
    public mutating func add(_ session: Session) throws(RegistryError) { try add(session, info: ()) }
}
