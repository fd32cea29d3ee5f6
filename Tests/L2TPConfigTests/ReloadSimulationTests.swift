// SPDX-License-Identifier: GPL-2.0-only
// Random reloads applied to a model of the control plane: every plan applies cleanly and converges.

import L2TPNetlink
import L2TPTestSupport
import Testing

@testable import L2TPConfig

/// The control plane as far as reloads see it, with the kernel's refusals that ordering must avoid.
struct ControlPlaneModel {
    var tunnels: [UInt32: (create: L2TPAttributes, managed: Bool)] = [:]
    var sessions: [SessionKey: (create: L2TPAttributes, ifname: String?)] = [:]
    var nextDevice = 0

    init(_ state: CurrentState) {
        tunnels = state.tunnels
        sessions = state.sessions
    }

    /// Applies one request as l2tpd would; returns why it would fail, nil on success.
    mutating func apply(_ r: PlannedRequest) -> String? {
        let a = r.attributes
        guard let tunnelID = a.connID else { return "no CONN_ID" }
        switch r.command {
        case .tunnelCreate:
            if tunnels[tunnelID] != nil { return "EEXIST: tunnel \(tunnelID)" }
            tunnels[tunnelID] = (a, false)
        case .tunnelDelete:
            guard let t = tunnels[tunnelID] else { return "ENODEV: tunnel \(tunnelID)" }
            if t.managed { return "touched managed tunnel \(tunnelID)" }
            tunnels[tunnelID] = nil
            sessions = sessions.filter { $0.key.tunnel != tunnelID }
        case .tunnelModify:
            guard tunnels[tunnelID] != nil else { return "ENODEV: tunnel \(tunnelID)" }
            if tunnels[tunnelID]!.managed { return "touched managed tunnel \(tunnelID)" }
            tunnels[tunnelID]!.create.debug = a.debug
        case .sessionCreate:
            guard let sessionID = a.sessionID, let tunnel = tunnels[tunnelID] else { return "ENODEV: tunnel \(tunnelID)" }
            let key = SessionKey(tunnel: tunnelID, session: sessionID)
            if sessions[key] != nil { return "EEXIST: session \(key)" }
            if let name = a.ifname, sessions.values.contains(where: { $0.ifname == name }) { return "EEXIST: name \(name)" }
            // L2TPv3 ids are global unless both tunnels are UDP.
            if tunnel.create.protoVersion == 3 {
                for (other, _) in sessions where other.session == sessionID && other.tunnel != tunnelID {
                    let otherTunnel = tunnels[other.tunnel]!.create
                    if otherTunnel.protoVersion == 3 && (otherTunnel.encapType == 1 || tunnel.create.encapType == 1) {
                        return "EEXIST: v3 session id \(sessionID) of \(other)"
                    }
                }
            }
            nextDevice += 1
            sessions[key] = (a, a.ifname ?? "l2tpeth\(nextDevice + 100)")
        case .sessionDelete:
            guard let sessionID = a.sessionID, sessions.removeValue(forKey: SessionKey(tunnel: tunnelID, session: sessionID)) != nil else {
                return "ENODEV: session"
            }
        case .sessionModify:
            guard let sessionID = a.sessionID, sessions[SessionKey(tunnel: tunnelID, session: sessionID)] != nil else {
                return "ENODEV: session"
            }
            let key = SessionKey(tunnel: tunnelID, session: sessionID)
            if let v = a.recvSeq { sessions[key]!.create.recvSeq = v }
            if let v = a.sendSeq { sessions[key]!.create.sendSeq = v }
            if let v = a.lnsMode { sessions[key]!.create.lnsMode = v }
            if let v = a.recvTimeout { sessions[key]!.create.recvTimeout = v }
            if let v = a.debug { sessions[key]!.create.debug = v }
        default:
            return "unexpected command \(r.command)"
        }
        return nil
    }
}

@Suite("Reload simulation")
struct ReloadSimulationTests {
    /// A session drawn from small pools, so that consecutive configurations overlap.
    struct SessionSpec {
        var id = 1, peer = 1, name: Int?, cookie = 0, l2spec = 0, seq = 0, lns = false, timeout = false, debug: Int?

        static func random(_ rng: inout SplitMix64) -> SessionSpec {
            var s = SessionSpec()
            s.id = Int.random(in: 1...4, using: &rng)
            for _ in 0..<3 { s.change(&rng) }
            return s
        }

        /// Changes one field.
        mutating func change(_ rng: inout SplitMix64) {
            switch Int.random(in: 0..<9, using: &rng) {
            case 0: peer = Int.random(in: 1...2, using: &rng)
            case 1: name = Bool.random(using: &rng) ? Int.random(in: 1...3, using: &rng) : nil
            case 2: cookie = Int.random(in: 0...3, using: &rng)
            case 3: l2spec = Int.random(in: 0...2, using: &rng)
            case 4: seq = Int.random(in: 0...3, using: &rng)
            case 5: lns.toggle()
            case 6: timeout.toggle()
            case 7: debug = Bool.random(using: &rng) ? Int.random(in: 0...1, using: &rng) : nil
            default: id = Int.random(in: 1...4, using: &rng)
            }
        }

        var text: String {
            var t = "[[tunnel.session]]\nsession_id = \(id)\npeer_session_id = \(peer)\n"
            if let name { t += "name = \"n\(name)\"\n" }
            t += ["", "cookie = \"01\"\n", "cookie = \"\"\n", "peer_cookie = \"0102\"\n"][cookie]
            t += ["", "l2spec_type = \"none\"\n", "l2spec_type = \"default\"\n"][l2spec]
            t += ["", "seq = \"send\"\n", "seq = \"recv\"\n", "seq = \"both\"\n"][seq]
            if lns { t += "lns_mode = true\n" }
            if timeout { t += "reorder_timeout = 10\n" }
            if let debug { t += "debug = \(debug)\n" }
            return t
        }
    }

    /// A tunnel drawn from small pools.
    struct TunnelSpec {
        var id = 1, peer = 1, v6 = false, remote = 2, ip = false, sport = 1, csum = false, debug: Int?
        var sessions: [SessionSpec] = []

        static func random(_ rng: inout SplitMix64) -> TunnelSpec {
            var t = TunnelSpec()
            t.id = Int.random(in: 1...4, using: &rng)
            for _ in 0..<3 { t.change(&rng) }
            t.sessions = (0..<Int.random(in: 0...3, using: &rng)).map { _ in SessionSpec.random(&rng) }
            return t
        }

        mutating func change(_ rng: inout SplitMix64) {
            switch Int.random(in: 0..<8, using: &rng) {
            case 0: peer = Int.random(in: 1...2, using: &rng)
            case 1: v6.toggle()
            case 2: remote = Int.random(in: 2...3, using: &rng)
            case 3: ip = Int.random(in: 0..<3, using: &rng) == 0
            case 4: sport = Int.random(in: 1...2, using: &rng)
            case 5: csum.toggle()
            case 6: debug = Bool.random(using: &rng) ? Int.random(in: 0...1, using: &rng) : nil
            default: id = Int.random(in: 1...4, using: &rng)
            }
        }

        var text: String {
            var t = "[[tunnel]]\ntunnel_id = \(id)\npeer_tunnel_id = \(peer)\n"
            t += v6 ? "local = \"fd00::1\"\nremote = \"fd00::\(remote)\"\n" : "local = \"10.0.0.1\"\nremote = \"10.0.0.\(remote)\"\n"
            if ip {
                t += "encap = \"ip\"\n"
            } else {
                t += "udp_sport = \(sport)\nudp_dport = 9\n"
                if csum { t += v6 ? "udp6_csum_tx = false\n" : "udp_csum = true\n" }
            }
            if let debug { t += "debug = \(debug)\n" }
            return t + sessions.map(\.text).joined()
        }
    }

    /// A few changes to `tunnels`: a field of a tunnel or session, a session or tunnel added or removed.
    static func edit(_ tunnels: [TunnelSpec], _ rng: inout SplitMix64) -> [TunnelSpec] {
        var tunnels = tunnels
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            guard !tunnels.isEmpty, Int.random(in: 0..<10, using: &rng) != 0 else {
                tunnels.append(TunnelSpec.random(&rng))
                continue
            }
            let i = Int.random(in: 0..<tunnels.count, using: &rng)
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: tunnels.remove(at: i)
            case 1, 2: tunnels[i].change(&rng)
            case 3: tunnels[i].sessions.append(SessionSpec.random(&rng))
            case 4 where !tunnels[i].sessions.isEmpty: tunnels[i].sessions.removeLast()
            default:
                if tunnels[i].sessions.isEmpty { tunnels[i].sessions.append(SessionSpec.random(&rng)) }
                let j = Int.random(in: 0..<tunnels[i].sessions.count, using: &rng)
                tunnels[i].sessions[j].change(&rng)
            }
        }
        return tunnels
    }

    /// The configuration of `tunnels`, nil when it breaks a uniqueness rule.
    static func configuration(_ tunnels: [TunnelSpec]) -> Configuration? {
        try? ConfigLoader.parse(tunnels.map(\.text).joined(separator: "\n"), path: "l2tpd.toml")
    }

    /// A random valid previous configuration and an edited valid desired one.
    static func randomReload(_ rng: inout SplitMix64) -> (Configuration, Configuration) {
        while true {
            let before = (0..<Int.random(in: 0...3, using: &rng)).map { _ in TunnelSpec.random(&rng) }
            let after = Bool.random(using: &rng) ? edit(before, &rng) : (0..<Int.random(in: 0...3, using: &rng)).map { _ in TunnelSpec.random(&rng) }
            // Draws that break a uniqueness rule are simply drawn again.
            if let previous = configuration(before), let desired = configuration(after) { return (previous, desired) }
        }
    }

    @Test func randomReloadsApplyCleanlyAndConverge() throws {
        for seed in UInt64(1)...1000 {
            var rng = SplitMix64(seed: seed)
            let (previous, desired) = Self.randomReload(&rng)

            // What the previous file made, plus runtime objects: a tunnel of the operator's, a session of
            // the operator's in a file tunnel, and a client's managed tunnel.
            var current = state(of: previous)
            current.tunnels[50] = (tunnelAttributes(id: 50, peer: 1, local: "10.9.0.1", remote: "10.9.0.2", sport: 7, dport: 7), false)
            current.sessions[SessionKey(tunnel: 50, session: 77)] = (ids(50, 77), "runtime0")
            if let t = previous.tunnels.first, !t.sessions.contains(where: { $0.id == 99 }) {
                current.sessions[SessionKey(tunnel: t.id, session: 99)] = (ids(t.id, 99), "runtime1")
            }
            current.tunnels[60] = (tunnelAttributes(id: 60, peer: 1, local: "10.9.0.1", remote: "10.9.0.3", sport: 8, dport: 8), true)
            current.fromConfig.tunnels.insert(60)  // even if a stale record says the file made it

            let requests = try ReloadPlanner.plan(desired: desired, current: current)
            var model = ControlPlaneModel(current)
            for r in requests {
                if let failure = model.apply(r) {
                    Issue.record("seed \(seed): \(r) failed: \(failure)\nplan: \(requests)")
                }
            }

            // The file's objects are now exactly as it says: planning again changes nothing.
            var after = CurrentState(tunnels: model.tunnels, sessions: model.sessions)
            after.fromConfig.tunnels = Set(desired.tunnels.map(\.id))
            after.fromConfig.sessions = Set(desired.tunnels.flatMap { t in t.sessions.map { SessionKey(tunnel: t.id, session: $0.id) } })
            #expect(try ReloadPlanner.plan(desired: desired, current: after).isEmpty, "seed \(seed)")
            // Checked without the planner: everything the file names exists as it says (all configurations
            // come from the loader, so attributes compare directly; DEBUG may be absent or 0, and a
            // session the file gives no name keeps whatever name it has).
            for t in desired.tunnels {
                var made = model.tunnels[t.id]?.create
                let madeDebug = made?.debug ?? 0
                made?.debug = madeDebug
                var want = t.create
                want.debug = want.debug ?? 0
                #expect(made == want, "seed \(seed): tunnel \(t.id)")
                for s in t.sessions {
                    let present = model.sessions[SessionKey(tunnel: t.id, session: s.id)]
                    var made = present?.create
                    if s.create.ifname == nil { made?.ifname = nil }
                    #expect(made == s.create, "seed \(seed): session \(t.id)/\(s.id)")
                    if let name = s.create.ifname { #expect(present?.ifname == name, "seed \(seed)") }
                }
            }
            // Nothing the previous file made survives unless the new one names it.
            for id in current.fromConfig.tunnels where id != 60 && !after.fromConfig.tunnels.contains(id) {
                #expect(model.tunnels[id] == nil, "seed \(seed): tunnel \(id) left behind")
            }
            // Runtime objects are untouched: the operator's tunnel and session, the client's tunnel.
            #expect(model.tunnels[50]?.create == current.tunnels[50]?.create, "seed \(seed)")
            #expect(model.sessions[SessionKey(tunnel: 50, session: 77)] != nil, "seed \(seed)")
            #expect(model.tunnels[60]?.managed == true, "seed \(seed)")
            // The operator's session in a file tunnel survives unless that tunnel was deleted or re-created.
            if let t = previous.tunnels.first, current.sessions[SessionKey(tunnel: t.id, session: 99)] != nil {
                let tunnelRemade = requests.contains { $0.command == .tunnelDelete && $0.attributes.connID == t.id }
                #expect((model.sessions[SessionKey(tunnel: t.id, session: 99)] != nil) == !tunnelRemade, "seed \(seed)")
            }
        }
    }
}
