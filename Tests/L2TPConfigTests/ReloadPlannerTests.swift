// SPDX-License-Identifier: GPL-2.0-only
// The reload planner, rule by rule: creates, deletes, modifies, re-creations, normalisation, order, refusals.

import L2TPNetlink
import L2TPWire
import Testing

@testable import L2TPConfig

/// The state the daemon would report after applying `config` from scratch.
func state(of config: Configuration, fromConfig: Bool = true) -> CurrentState {
    var s = CurrentState()
    for tunnel in config.tunnels {
        s.tunnels[tunnel.id] = (tunnel.create, false)
        for (n, session) in tunnel.sessions.enumerated() {
            let key = SessionKey(tunnel: tunnel.id, session: session.id)
            s.sessions[key] = (session.create, session.create.ifname ?? "l2tpeth\(n)")
            if fromConfig { s.fromConfig.sessions.insert(key) }
        }
        if fromConfig { s.fromConfig.tunnels.insert(tunnel.id) }
    }
    return s
}

/// Plans `desired` against `current`, expecting success.
func plan(_ desired: Configuration, _ current: CurrentState, sourceLocation: SourceLocation = #_sourceLocation) -> [PlannedRequest] {
    do {
        return try ReloadPlanner.plan(desired: desired, current: current)
    } catch {
        Issue.record("unexpected errors:\n\(error)", sourceLocation: sourceLocation)
        return []
    }
}

/// `L2TPAttributes` with just CONN_ID and SESSION_ID.
func ids(_ tunnel: UInt32, _ session: UInt32? = nil) -> L2TPAttributes {
    var a = L2TPAttributes()
    a.connID = tunnel
    a.sessionID = session
    return a
}

@Suite("Reload planner")
struct ReloadPlannerTests {
    static let example = parseOK(ExampleConfig.text)!

    /// The example with `edit` applied to its text.
    func example(_ from: String, _ to: String, sourceLocation: SourceLocation = #_sourceLocation) -> Configuration {
        let text = ExampleConfig.text.replacingOccurrences(from, to)
        #expect(text != ExampleConfig.text, "the edit must change the example", sourceLocation: sourceLocation)
        return parseOK(text, sourceLocation: sourceLocation) ?? Self.example
    }

    // MARK: Creation and no-ops

    @Test func startFromNothingCreatesEverythingTunnelsFirst() {
        let requests = plan(Self.example, CurrentState())
        #expect(requests.map(\.command) == [.tunnelCreate, .tunnelCreate, .tunnelCreate] + Array(repeating: .sessionCreate, count: 5))
        #expect(requests[0].attributes == Self.example.tunnels[0].create)
        #expect(requests[0].reason == "tunnel 42 added (l2tpd.toml:11)")
        #expect(requests[0].line == 11)
        #expect(requests[3].attributes == Self.example.tunnels[0].sessions[0].create)
        #expect(requests[3].reason == "session 42/128 added (l2tpd.toml:24)")
        #expect(requests[3].line == 24)
        #expect(requests.map(\.line) == [11, 46, 64, 24, 37, 56, 72, 73])
        #expect(requests[7].description == "L2TP_CMD_SESSION_CREATE: session 100/1001 added (l2tpd.toml:73)")
    }

    @Test func unchangedConfigurationPlansNothing() {
        #expect(plan(Self.example, state(of: Self.example)).isEmpty)
    }

    @Test func runtimeObjectsIdenticalToTheFileAreAdoptedAsTheyAre() {
        #expect(plan(Self.example, state(of: Self.example, fromConfig: false)).isEmpty)
    }

    @Test func newSessionInAnExistingTunnel() {
        let desired = example("  [[tunnel.session]]\n  session_id = 129", "  [[tunnel.session]]\n  session_id = 130")
        let requests = plan(desired, state(of: Self.example))
        // 42/129 is gone from the file (delete), 42/130 is new (create); nothing else moves.
        #expect(requests.map(\.command) == [.sessionDelete, .sessionCreate])
        #expect(requests[0].attributes == ids(42, 129))
        #expect(requests[0].reason == "session 42/129 removed from l2tpd.toml")
        #expect(requests[0].line == nil)
        #expect(requests[1].attributes == desired.tunnels[0].sessions[1].create)
        #expect(requests[1].reason == "session 42/130 added (l2tpd.toml:37)")
    }

    // MARK: Modifiable fields

    @Test func tunnelDebugChangeIsAModify() {
        let desired = example("debug = 1\nsession = [", "debug = 3\nsession = [")
        let requests = plan(desired, state(of: Self.example))
        var a = ids(100)
        a.debug = 3
        #expect(requests == [PlannedRequest(command: .tunnelModify, attributes: a, reason: "tunnel 100: debug changed (l2tpd.toml:64)", line: 64)])
    }

    @Test func sessionModifiableFieldsAreModifiedWithJustThoseAttributes() {
        let desired = example(
            """
              seq = "both"
              lns_mode = "on"
              reorder_timeout = 250
              debug = 7
            """,
            """
              seq = "send"
              lns_mode = "off"
              reorder_timeout = 0
              debug = 7
            """)
        let requests = plan(desired, state(of: Self.example))
        var a = ids(42, 129)
        a.recvSeq = 0
        a.lnsMode = 0
        a.recvTimeout = 0
        #expect(
            requests == [
                PlannedRequest(
                    command: .sessionModify, attributes: a,
                    reason: "session 42/129: seq, lns_mode, reorder_timeout changed (l2tpd.toml:37)", line: 37)
            ])
    }

    @Test func sessionDebugAloneIsAModify() {
        let desired = example("  reorder_timeout = 250\n  debug = 7", "  reorder_timeout = 250\n  debug = 0")
        var a = ids(42, 129)
        a.debug = 0
        #expect(plan(desired, state(of: Self.example)).map(\.attributes) == [a])
    }

    // MARK: Re-creation

    @Test(arguments: [
        ("  peer_session_id = 200", "  peer_session_id = 201", "peer_session_id"),
        ("  name = \"site-b\"", "  name = \"site-c\"", "name"),
        ("  l2spec_type = \"none\"", "  l2spec_type = \"default\"", "l2spec_type"),
        ("  l2spec_type = \"none\"", "  l2spec_type = \"none\"\n  cookie = \"00\"", "cookie"),
        ("  l2spec_type = \"none\"", "  l2spec_type = \"none\"\n  peer_cookie = \"00\"", "peer_cookie"),
        ("  name = \"site-b\"", "  pseudowire = \"ppp\"", "pseudowire"),  // and no name: any name will do
    ])
    func sessionFixedFieldChangeIsDeleteThenCreate(from: String, to: String, key: String) {
        let desired = example(from, to)
        let requests = plan(desired, state(of: Self.example))
        let reason = "session 7/128: \(key) changed: re-created (l2tpd.toml:56)"
        #expect(
            requests == [
                PlannedRequest(command: .sessionDelete, attributes: ids(7, 128), reason: reason, line: 56),
                PlannedRequest(command: .sessionCreate, attributes: desired.tunnels[1].sessions[0].create, reason: reason, line: 56),
            ])
    }

    @Test(arguments: [
        ("peer_tunnel_id = 45", "peer_tunnel_id = 46", "peer_tunnel_id"),
        ("remote = \"192.168.1.2\"", "remote = \"192.168.1.3\"", "remote"),
        ("local = \"192.168.1.1\"", "local = \"192.168.1.4\"", "local"),
        ("udp_sport = 5000", "udp_sport = 5002", "udp_sport"),
        ("udp_dport = 5001", "udp_dport = 5003", "udp_dport"),
        ("udp_csum = true ", "udp_csum = false", "udp_csum"),
    ])
    func tunnelFixedFieldChangeRecreatesTheTunnelAndItsSessions(from: String, to: String, key: String) {
        let desired = example(from, to)
        let requests = plan(desired, state(of: Self.example))
        let reason = "tunnel 42: \(key) changed: re-created with its sessions (l2tpd.toml:11)"
        #expect(
            requests == [
                PlannedRequest(command: .tunnelDelete, attributes: ids(42), reason: reason, line: 11),
                PlannedRequest(command: .tunnelCreate, attributes: desired.tunnels[0].create, reason: reason, line: 11),
                PlannedRequest(
                    command: .sessionCreate, attributes: desired.tunnels[0].sessions[0].create,
                    reason: "session 42/128 re-created with tunnel 42 (l2tpd.toml:24)", line: 24),
                PlannedRequest(
                    command: .sessionCreate, attributes: desired.tunnels[0].sessions[1].create,
                    reason: "session 42/129 re-created with tunnel 42 (l2tpd.toml:37)", line: 37),
            ])
    }

    @Test func tunnelRecreationDoesNotDeleteItsSessionsOneByOne() {
        // Tunnel 42 changes and loses session 129 in the same reload: one tunnel delete covers both.
        let text = ExampleConfig.text.replacingOccurrences("peer_tunnel_id = 45", "peer_tunnel_id = 46")
            .replacingOccurrences("  [[tunnel.session]]\n  session_id = 129", "  [[tunnel.session]]\n  session_id = 130")
        let desired = parseOK(text)!
        var current = state(of: Self.example)
        current.sessions[SessionKey(tunnel: 42, session: 999)] = (ids(42, 999), "runtime0")  // made by hand; goes with the tunnel
        let requests = plan(desired, current)
        #expect(requests.map(\.command) == [.tunnelDelete, .tunnelCreate, .sessionCreate, .sessionCreate])
        #expect(requests.filter { $0.command == .sessionCreate }.map { $0.attributes.sessionID } == [128, 130])
    }

    @Test func encapAndFamilyChangesRecreate() {
        let v6 = example("local = \"10.0.0.1\"\nremote = \"10.0.0.2\"", "local = \"fd00::1\"\nremote = \"fd00::2\"")
        #expect(plan(v6, state(of: Self.example)).first?.reason == "tunnel 100: local, remote changed: re-created with its sessions (l2tpd.toml:64)")
        let udp = example("encap = \"ip\"", "encap = \"udp\"\nudp_sport = 1\nudp_dport = 1")
        #expect(plan(udp, state(of: Self.example)).first?.reason == "tunnel 100: encap, udp_sport, udp_dport changed: re-created with its sessions (l2tpd.toml:64)")
        let zero = example("udp6_csum_rx = true ", "udp6_csum_rx = false")
        #expect(plan(zero, state(of: Self.example)).first?.reason == "tunnel 7: udp6_csum_rx changed: re-created with its sessions (l2tpd.toml:46)")
    }

    // MARK: Removal and what is never touched

    @Test func tunnelRemovedFromTheFileIsDeletedWithItsSessions() {
        let desired = Configuration(path: "l2tpd.toml", daemon: Self.example.daemon, tunnels: Array(Self.example.tunnels.prefix(2)))
        #expect(plan(desired, state(of: Self.example)) == [
            PlannedRequest(command: .tunnelDelete, attributes: ids(100), reason: "tunnel 100 removed from l2tpd.toml")
        ])
    }

    @Test func removalsComeInIDOrder() {
        let desired = Configuration(path: "l2tpd.toml")
        let requests = plan(desired, state(of: Self.example))
        #expect(requests.map(\.command) == [.tunnelDelete, .tunnelDelete, .tunnelDelete])
        #expect(requests.map { $0.attributes.connID } == [7, 42, 100])
    }

    @Test func runtimeObjectsTheFileDoesNotNameAreNeverTouched() {
        var current = state(of: Self.example)
        // A tunnel and sessions made with `ip l2tp` (not from the file), one in a tunnel the file names.
        current.tunnels[500] = (tunnelAttributes(id: 500, peer: 1, local: "192.0.2.1", remote: "192.0.2.9", sport: 9, dport: 9), false)
        current.sessions[SessionKey(tunnel: 500, session: 1)] = (ids(500, 1), "l2tpeth9")
        current.sessions[SessionKey(tunnel: 42, session: 77)] = (ids(42, 77), "l2tpeth8")
        #expect(plan(Self.example, current).isEmpty)
        // Even when the file is emptied, only what the previous file created goes.
        let requests = plan(Configuration(path: "l2tpd.toml"), current)
        #expect(requests.map { $0.attributes.connID } == [7, 42, 100])
    }

    @Test func sessionsOfTheFileInARuntimeTunnelAreDeletedAlone() {
        // The previous file created sessions in a tunnel the operator made by hand, and the new file
        // names neither; the runtime tunnel stays, the file's session goes.
        var current = CurrentState()
        current.tunnels[9] = (tunnelAttributes(id: 9, peer: 9, local: "192.0.2.1", remote: "192.0.2.2", sport: 1, dport: 1), false)
        current.sessions[SessionKey(tunnel: 9, session: 1)] = (ids(9, 1), "a")
        current.sessions[SessionKey(tunnel: 9, session: 2)] = (ids(9, 2), "b")
        current.fromConfig.sessions = [SessionKey(tunnel: 9, session: 2)]
        #expect(plan(Configuration(path: "l2tpd.toml"), current) == [
            PlannedRequest(command: .sessionDelete, attributes: ids(9, 2), reason: "session 9/2 removed from l2tpd.toml")
        ])
    }

    @Test func managedTunnelNamedByTheFileIsRefused() {
        var current = state(of: Self.example)
        current.tunnels[7]?.managed = true
        current.tunnels[100]?.managed = true
        #expect {
            try ReloadPlanner.plan(desired: Self.example, current: current)
        } throws: { error in
            (error as? ConfigErrors)?.errors.map(\.description) == [
                "l2tpd.toml:46: tunnel_id: 7 is a managed tunnel (a client created it with its own socket) and cannot be "
                    + "configured by the file; the reload is refused: remove this [[tunnel]] or close the client's tunnel",
                "l2tpd.toml:64: tunnel_id: 100 is a managed tunnel (a client created it with its own socket) and cannot be "
                    + "configured by the file; the reload is refused: remove this [[tunnel]] or close the client's tunnel",
            ]
        }
    }

    @Test func managedTunnelsTheFileDoesNotNameAreLeftAlone() {
        var current = state(of: Self.example)
        current.tunnels[100]?.managed = true  // the file's tunnel 100 was replaced by a client's
        current.sessions[SessionKey(tunnel: 100, session: 1000)] = nil
        let desired = Configuration(path: "l2tpd.toml", tunnels: Array(Self.example.tunnels.prefix(2)))
        #expect(plan(desired, current).isEmpty)
    }

    // MARK: Normalisation

    @Test func absentAttributesCompareAsTheirDefaults() {
        var current = state(of: Self.example)
        for key in current.sessions.keys {
            var a = current.sessions[key]!.create
            if a.l2specType == 1 { a.l2specType = nil }
            if a.recvTimeout == 0 { a.recvTimeout = nil }
            if a.debug == 0 { a.debug = nil }
            if a.recvSeq == 0 { a.recvSeq = nil }
            if a.sendSeq == 0 { a.sendSeq = nil }
            if a.lnsMode == 0 { a.lnsMode = nil }
            if a.recvSeq == 1 { a.recvSeq = 0xFF }  // only the low bit counts
            a.peerConnID = 0  // sessions report their tunnel's; iproute2 sends 0
            current.sessions[key]!.create = a
        }
        current.tunnels[42]!.create.debug = nil
        #expect(plan(Self.example, current).isEmpty)
        // An empty cookie in the file is no cookie at all.
        let empty = example("  cookie = \"0102030405060708\"", "  cookie = \"\"")
        current.sessions[SessionKey(tunnel: 42, session: 128)]!.create.cookie = []
        #expect(plan(empty, current).isEmpty)
    }

    @Test func udpChecksumCountsByPresenceAndOnlyForIPv4() {
        var current = state(of: Self.example)
        current.tunnels[42]!.create.udpCsum = 0  // present: on, as TUNNEL_CREATE reads it
        #expect(plan(Self.example, current).isEmpty)
        current.tunnels[7]!.create.udpCsum = 1  // IPv6: ignored
        current.tunnels[42]!.create.udpZeroCsum6Rx = true  // IPv4: ignored
        current.tunnels[100]!.create.udpSport = 77  // encap ip: ignored
        #expect(plan(Self.example, current).isEmpty)
    }

    @Test func interfaceNames() {
        var current = state(of: Self.example)
        // The file names no interface for 42/129: whatever it got is fine.
        current.sessions[SessionKey(tunnel: 42, session: 129)]!.ifname = "l2tpeth17"
        #expect(plan(Self.example, current).isEmpty)
        // The file names "l2tpeth0" for 42/128; the actual name counts, not the requested one.
        current.sessions[SessionKey(tunnel: 42, session: 128)]!.ifname = "renamed"
        #expect(plan(Self.example, current).map(\.reason) == [
            "session 42/128: name changed: re-created (l2tpd.toml:24)", "session 42/128: name changed: re-created (l2tpd.toml:24)",
        ])
        // Without an actual name the requested one stands in.
        current.sessions[SessionKey(tunnel: 42, session: 128)]!.ifname = nil
        #expect(plan(Self.example, current).isEmpty)
    }

    @Test func version2SessionsIgnoreCookiesAndSublayer() throws {
        let text = """
            [[tunnel]]
            tunnel_id = 2
            peer_tunnel_id = 2
            version = 2
            local = "192.0.2.1"
            remote = "192.0.2.2"
            udp_sport = 1701
            udp_dport = 1701
            [[tunnel.session]]
            session_id = 3
            peer_session_id = 3
            pseudowire = "ppp"
            """
        let desired = try #require(parseOK(text))
        var current = state(of: desired)
        current.sessions[SessionKey(tunnel: 2, session: 3)]!.create.l2specType = 0
        current.sessions[SessionKey(tunnel: 2, session: 3)]!.create.cookie = [1, 2, 3, 4]
        #expect(plan(desired, current).isEmpty)
    }

    // MARK: Order

    @Test func everyKindOfRequestInTheContractsOrder() {
        var current = state(of: Self.example)
        current.tunnels[300] = (tunnelAttributes(id: 300, peer: 1, local: "192.0.2.1", remote: "192.0.2.3", sport: 3, dport: 3), false)
        current.fromConfig.tunnels.insert(300)  // removed from the file: tunnel delete
        let text = ExampleConfig.text
            .replacingOccurrences("  peer_session_id = 200", "  peer_session_id = 201")  // 7/128 re-created
            .replacingOccurrences("debug = 1\nsession", "debug = 2\nsession")  // tunnel 100 modified
            .replacingOccurrences("  debug = 7", "  debug = 8")  // 42/129 modified
            .replacingOccurrences("{ session_id = 1001, peer_session_id = 2001,", "{ session_id = 1002, peer_session_id = 2001,")
        let desired = parseOK(text)!
        let requests = plan(desired, current)
        #expect(requests.map(\.command) == [
            .sessionDelete, .sessionDelete,  // 7/128 (re-created), 100/1001 (removed)
            .tunnelDelete,  // 300
            .tunnelModify,  // 100
            .sessionCreate, .sessionCreate,  // 7/128, 100/1002
            .sessionModify,  // 42/129
        ])
        #expect(requests.map(\.attributes.connID) == [7, 100, 300, 100, 7, 100, 42])
        #expect(requests.map(\.attributes.sessionID) == [128, 1001, nil, nil, 128, 1002, 129])
    }
}
