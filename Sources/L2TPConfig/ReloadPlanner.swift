// SPDX-License-Identifier: GPL-2.0-only
// Plans the netlink requests that turn what exists into what a reloaded configuration file describes.

import L2TPNetlink

/// Pure planning of a reload; the daemon applies the result through the control plane.
public enum ReloadPlanner {
    /// The requests that turn `current` into `desired`:
    /// - tunnels/sessions in `desired` but not present → create;
    /// - present, from the previous config (fromConfig) and absent from `desired` → delete
    ///   (runtime objects the file does not name are never touched);
    /// - present and named by `desired`: identical → nothing (the session keeps its device and counters);
    ///   only modifiable fields differ (tunnel: DEBUG; session: RECV_SEQ, SEND_SEQ, LNS_MODE, RECV_TIMEOUT, DEBUG)
    ///   → MODIFY with just those; anything else differs → delete then create (a tunnel's re-creation
    ///   re-creates its sessions too). A managed tunnel named by the file → error (ConfigErrors) — never touched.
    /// - present, created at run time (not in fromConfig) and named by `desired`: the file takes it over
    ///   (noted in `adoptions`; from then on it is the file's, so a reload without it deletes it) when
    ///   that needs no re-creation; a file that would re-create it is refused (ConfigErrors): a reload
    ///   never destroys what the file did not create.
    /// Order: session deletes, tunnel deletes, tunnel creates, tunnel modifies, session creates, session modifies.
    /// Comparison normalises: absent L2SPEC_TYPE = 1, absent cookie = empty, absent RECV_TIMEOUT/DEBUG = 0,
    /// absent RECV_SEQ/SEND_SEQ/LNS_MODE = 0, absent UDP_CSUM = off, IFNAME absent in the file = any name.
    ///
    /// Both sides are read with the control plane's own reading of the requests (`TunnelCreateRequest`,
    /// `SessionCreateRequest`), so only differences the datapath would act on count: UDP_CSUM counts by
    /// presence (as TUNNEL_CREATE reads it) and only for IPv4 UDP tunnels, the ZERO_CSUM6 flags only for
    /// IPv6 UDP tunnels, ports only for UDP tunnels; IPv6 addresses win over IPv4 ones as in
    /// TUNNEL_CREATE; a session's PEER_CONN_ID (the kernel replies with the tunnel's) is not compared,
    /// nor are cookies, L2SPEC_TYPE and IFNAME in version 2 tunnels; RECV_SEQ, SEND_SEQ and LNS_MODE
    /// count by their low bit. A named IFNAME is compared with the session's actual interface name.
    ///
    /// Within each group, requests for what the file names come in file order; removals of what it no
    /// longer names follow, in id order. A tunnel that is deleted (removed or re-created) takes its
    /// sessions with it, so no session delete is planned for them — sessions of its that the file never
    /// named go too, as with `ip l2tp del tunnel`.
    public static func plan(desired: Configuration, current: CurrentState) throws(ConfigErrors) -> [PlannedRequest] {
        var adoptions: [String] = []
        return try plan(desired: desired, current: current, adoptions: &adoptions)
    }

    /// `plan`, also listing the runtime objects the file takes over, one log line each.
    public static func plan(desired: Configuration, current: CurrentState, adoptions: inout [String])
        throws(ConfigErrors) -> [PlannedRequest]
    {
        let managed = desired.tunnels.filter { current.tunnels[$0.id]?.managed == true }
        guard managed.isEmpty else {
            throw ConfigErrors(
                errors: managed.map { tunnel in
                    ConfigError(
                        path: desired.path, line: tunnel.line, key: "tunnel_id",
                        message: "\(tunnel.id) is a managed tunnel (a client created it with its own socket) and "
                            + "cannot be configured by the file; the reload is refused: remove this [[tunnel]] or close "
                            + "the client's tunnel")
                })
        }

        var plan = Plan()
        var goneWithTunnel: Set<UInt32> = []
        var named: Set<SessionKey> = []
        var refusals: [ConfigError] = []

        for tunnel in desired.tunnels {
            let at = "(\(desired.path):\(tunnel.line))"
            let sessionKeys = tunnel.sessions.map { SessionKey(tunnel: tunnel.id, session: $0.id) }
            named.formUnion(sessionKeys)
            guard let present = current.tunnels[tunnel.id] else {
                plan.tunnelCreates.append(
                    create(tunnel.create, .tunnelCreate, "tunnel \(tunnel.id) added \(at)", tunnel.line))
                for (session, key) in zip(tunnel.sessions, sessionKeys) {
                    plan.sessionCreates.append(
                        create(
                            session.create, .sessionCreate, "session \(key) added (\(desired.path):\(session.line))",
                            session.line))
                }
                continue
            }

            let will: TunnelCreateRequest
            do {
                will = try TunnelCreateRequest(tunnel.create)
            } catch {
                throw ConfigErrors(errors: [
                    ConfigError(path: desired.path, line: tunnel.line, message: "tunnel \(tunnel.id): \(error)")
                ])
            }
            let was = (try? TunnelCreateRequest(present.create)) ?? will
            let changed = differences(was, will)
            let runtime = !current.fromConfig.tunnels.contains(tunnel.id)
            if runtime && !changed.isEmpty {
                refusals.append(
                    ConfigError(
                        path: desired.path, line: tunnel.line, key: "tunnel_id",
                        message: "\(tunnel.id) exists with another \(changed.joined(separator: ", ")): a client created it "
                            + "at run time, and a reload does not re-create what the file did not create; the reload is "
                            + "refused: delete the tunnel first (l2tp del tunnel tunnel_id \(tunnel.id)) or use another "
                            + "tunnel_id"))
                continue
            }
            if runtime {
                adoptions.append(
                    "tunnel \(tunnel.id): created at run time, now configured by \(desired.path):\(tunnel.line); a "
                        + "reload without it deletes it, with its sessions")
            }
            if !changed.isEmpty {
                let reason =
                    "tunnel \(tunnel.id): \(changed.joined(separator: ", ")) changed: re-created with its sessions \(at)"
                plan.tunnelDeletes.append(delete(tunnel: tunnel.id, reason, tunnel.line))
                plan.tunnelCreates.append(create(tunnel.create, .tunnelCreate, reason, tunnel.line))
                goneWithTunnel.insert(tunnel.id)
                for (session, key) in zip(tunnel.sessions, sessionKeys) {
                    plan.sessionCreates.append(
                        create(
                            session.create, .sessionCreate,
                            "session \(key) re-created with tunnel \(tunnel.id) (\(desired.path):\(session.line))",
                            session.line))
                }
                continue
            }
            if was.debug != will.debug {
                var a = L2TPAttributes()
                a.connID = tunnel.id
                a.debug = will.debug
                plan.tunnelModifies.append(
                    PlannedRequest(
                        command: .tunnelModify, attributes: a, reason: "tunnel \(tunnel.id): debug changed \(at)",
                        line: tunnel.line))
            }

            for (session, key) in zip(tunnel.sessions, sessionKeys) {
                let sessionAt = "(\(desired.path):\(session.line))"
                guard let existing = current.sessions[key] else {
                    plan.sessionCreates.append(
                        create(session.create, .sessionCreate, "session \(key) added \(sessionAt)", session.line))
                    continue
                }
                let wanted: SessionCreateRequest
                do {
                    wanted = try SessionCreateRequest(session.create, version: will.version)
                } catch {
                    throw ConfigErrors(errors: [
                        ConfigError(path: desired.path, line: session.line, message: "session \(key): \(error)")
                    ])
                }
                let present = (try? SessionCreateRequest(existing.create, version: will.version)) ?? wanted
                let fixed = fixedDifferences(present, actualName: existing.ifname, wanted)
                let runtime = !current.fromConfig.sessions.contains(key)
                if runtime && !fixed.isEmpty {
                    refusals.append(
                        ConfigError(
                            path: desired.path, line: session.line, key: "session_id",
                            message: "\(key.session) exists in tunnel \(key.tunnel) with another "
                                + "\(fixed.joined(separator: ", ")): a client created it at run time, and a reload does "
                                + "not re-create what the file did not create; the reload is refused: delete the session "
                                + "first (l2tp del session tunnel_id \(key.tunnel) session_id \(key.session)) or use "
                                + "another session_id"))
                    continue
                }
                if runtime {
                    adoptions.append(
                        "session \(key): created at run time, now configured by \(desired.path):\(session.line); a "
                            + "reload without it deletes it")
                }
                if !fixed.isEmpty {
                    let reason = "session \(key): \(fixed.joined(separator: ", ")) changed: re-created \(sessionAt)"
                    plan.sessionDeletes.append(delete(session: key, reason, session.line))
                    plan.sessionCreates.append(create(session.create, .sessionCreate, reason, session.line))
                    continue
                }
                let modify = SessionModifyRequest(from: present, to: wanted)
                if !modify.isEmpty {
                    let names = modifiedKeys(modify)
                    var a = modify.attributes
                    a.connID = key.tunnel
                    a.sessionID = key.session
                    plan.sessionModifies.append(
                        PlannedRequest(
                            command: .sessionModify, attributes: a,
                            reason: "session \(key): \(names.joined(separator: ", ")) changed \(sessionAt)",
                            line: session.line))
                }
            }
        }

        guard refusals.isEmpty else { throw ConfigErrors(errors: refusals) }

        // What the previous file created and this one no longer names.
        let namedTunnels = Set(desired.tunnels.map(\.id))
        for id in current.tunnels.keys.sorted()
        where current.fromConfig.tunnels.contains(id) && !namedTunnels.contains(id)
            && current.tunnels[id]?.managed == false
        {
            plan.tunnelDeletes.append(delete(tunnel: id, "tunnel \(id) removed from \(desired.path)", nil))
            goneWithTunnel.insert(id)
        }
        for key in current.sessions.keys.sorted()
        where current.fromConfig.sessions.contains(key) && !named.contains(key) && !goneWithTunnel.contains(key.tunnel)
            && current.tunnels[key.tunnel]?.managed != true
        {
            plan.sessionDeletes.append(delete(session: key, "session \(key) removed from \(desired.path)", nil))
        }
        return plan.ordered
    }

    /// The config keys of the fields, other than DEBUG, in which two tunnel requests differ: those
    /// need a new tunnel.
    private static func differences(_ was: TunnelCreateRequest, _ will: TunnelCreateRequest) -> [String] {
        var keys: [String] = []
        if was.peerID != will.peerID { keys.append("peer_tunnel_id") }
        if was.version != will.version { keys.append("version") }
        if was.encap != will.encap { keys.append("encap") }
        switch (was.socket, will.socket) {
        case (.unmanaged(let a), .unmanaged(let b)):
            if a.local != b.local { keys.append("local") }
            if a.peer != b.peer { keys.append("remote") }
            if a.localPort != b.localPort { keys.append("udp_sport") }
            if a.peerPort != b.peerPort { keys.append("udp_dport") }
            if a.udpChecksum != b.udpChecksum { keys.append("udp_csum") }
            if a.udp6ZeroChecksumTx != b.udp6ZeroChecksumTx { keys.append("udp6_csum_tx") }
            if a.udp6ZeroChecksumRx != b.udp6ZeroChecksumRx { keys.append("udp6_csum_rx") }
        case (.managed, .managed):
            break
        default:
            keys += ["local", "remote"]
        }
        return keys
    }

    /// The config keys of the fields fixed at creation in which the present session differs from the
    /// wanted one (it needs re-creating). The interface name counts only when the file names one, and
    /// is compared with the session's actual name.
    private static func fixedDifferences(
        _ present: SessionCreateRequest, actualName: String?, _ wanted: SessionCreateRequest
    ) -> [String] {
        var keys: [String] = []
        if present.peerID != wanted.peerID { keys.append("peer_session_id") }
        if present.pseudowireType != wanted.pseudowireType { keys.append("pseudowire") }
        if let name = wanted.interfaceName, name != actualName ?? present.interfaceName { keys.append("name") }
        if present.cookie != wanted.cookie { keys.append("cookie") }
        if present.peerCookie != wanted.peerCookie { keys.append("peer_cookie") }
        if present.l2spec != wanted.l2spec { keys.append("l2spec_type") }
        return keys
    }

    /// The config keys a SESSION_MODIFY changes.
    private static func modifiedKeys(_ m: SessionModifyRequest) -> [String] {
        var keys: [String] = []
        if m.recvSeq != nil || m.sendSeq != nil { keys.append("seq") }
        if m.lnsMode != nil { keys.append("lns_mode") }
        if m.reorderTimeout != nil { keys.append("reorder_timeout") }
        if m.debug != nil { keys.append("debug") }
        return keys
    }

    /// The requests of a plan by kind, before they are put in order.
    private struct Plan {
        var sessionDeletes: [PlannedRequest] = []
        var tunnelDeletes: [PlannedRequest] = []
        var tunnelCreates: [PlannedRequest] = []
        var tunnelModifies: [PlannedRequest] = []
        var sessionCreates: [PlannedRequest] = []
        var sessionModifies: [PlannedRequest] = []

        /// Session deletes, tunnel deletes, tunnel creates, tunnel modifies, session creates, session modifies.
        var ordered: [PlannedRequest] {
            sessionDeletes + tunnelDeletes + tunnelCreates + tunnelModifies + sessionCreates + sessionModifies
        }
    }

    private static func create(
        _ attributes: L2TPAttributes, _ command: L2TPCommand, _ reason: String, _ line: Int
    )
        -> PlannedRequest
    {
        PlannedRequest(command: command, attributes: attributes, reason: reason, line: line)
    }

    /// TUNNEL_DELETE with CONN_ID.
    private static func delete(tunnel id: UInt32, _ reason: String, _ line: Int?) -> PlannedRequest {
        var a = L2TPAttributes()
        a.connID = id
        return PlannedRequest(command: .tunnelDelete, attributes: a, reason: reason, line: line)
    }

    /// SESSION_DELETE with CONN_ID and SESSION_ID (not IFNAME, which would take precedence in the lookup).
    private static func delete(session key: SessionKey, _ reason: String, _ line: Int?) -> PlannedRequest {
        var a = L2TPAttributes()
        a.connID = key.tunnel
        a.sessionID = key.session
        return PlannedRequest(command: .sessionDelete, attributes: a, reason: reason, line: line)
    }
}
