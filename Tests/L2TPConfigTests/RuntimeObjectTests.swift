// SPDX-License-Identifier: GPL-2.0-only
// The reload planner and objects a client created at run time that the file names: taken over when
// nothing needs re-creating (and listed, for the log), refused when the file would re-create them.

import L2TPNetlink
import L2TPWire
import Testing

@testable import L2TPConfig

@Suite("Reload planner: runtime objects the file names")
struct RuntimeObjectTests {
    static let example = ReloadPlannerTests.example

    /// Plans `desired` against `current` and returns the requests and the adoption lines.
    func planWithAdoptions(_ desired: Configuration, _ current: CurrentState) throws -> ([PlannedRequest], [String]) {
        var adoptions: [String] = []
        let requests = try ReloadPlanner.plan(desired: desired, current: current, adoptions: &adoptions)
        return (requests, adoptions)
    }

    @Test func identicalRuntimeObjectsAreTakenOverAndListed() throws {
        let (requests, adoptions) = try planWithAdoptions(Self.example, state(of: Self.example, fromConfig: false))
        #expect(requests.isEmpty)
        let tunnels = Self.example.tunnels.map(\.id)
        #expect(adoptions.filter { $0.hasPrefix("tunnel ") }.count == tunnels.count)
        #expect(adoptions.contains { $0.hasPrefix("tunnel 42: created at run time, now configured by l2tpd.toml:") })
        #expect(adoptions.contains { $0.hasPrefix("session 42/128: created at run time, now configured by l2tpd.toml:") })
        #expect(adoptions.allSatisfy { $0.contains("a reload without it deletes it") })
    }

    @Test func objectsTheFileMadeAreNotListed() throws {
        let (_, adoptions) = try planWithAdoptions(Self.example, state(of: Self.example))
        #expect(adoptions.isEmpty)
    }

    @Test func aRuntimeTunnelWithOnlyDebugChangedIsModifiedInPlace() throws {
        var current = state(of: Self.example, fromConfig: false)
        current.tunnels[42]?.create.debug = 3
        let (requests, adoptions) = try planWithAdoptions(Self.example, current)
        #expect(requests.map(\.command) == [.tunnelModify])
        #expect(adoptions.contains { $0.hasPrefix("tunnel 42:") })
    }

    @Test func aFileThatWouldRecreateARuntimeTunnelIsRefused() {
        var current = state(of: Self.example, fromConfig: false)
        current.tunnels[42]?.create.udpDport = 9999
        #expect {
            try ReloadPlanner.plan(desired: Self.example, current: current)
        } throws: { error in
            let lines = (error as? ConfigErrors)?.errors.map(\.description) ?? []
            return lines.count == 1 && lines[0].hasPrefix("l2tpd.toml:11: tunnel_id: 42 exists with another udp_dport: ")
                && lines[0].contains("l2tp del tunnel tunnel_id 42")
        }
    }

    @Test func aFileThatWouldRecreateARuntimeSessionIsRefused() {
        var current = state(of: Self.example)
        let key = SessionKey(tunnel: 42, session: 128)
        current.fromConfig.sessions.remove(key)
        current.sessions[key]?.create.peerSessionID = 1
        #expect {
            try ReloadPlanner.plan(desired: Self.example, current: current)
        } throws: { error in
            let lines = (error as? ConfigErrors)?.errors.map(\.description) ?? []
            return lines.count == 1
                && lines[0].contains(": session_id: 128 exists in tunnel 42 with another peer_session_id: ")
                && lines[0].contains("l2tp del session tunnel_id 42 session_id 128")
        }
    }

    @Test func theSameChangeToAnObjectTheFileMadeRecreatesIt() throws {
        var current = state(of: Self.example)
        current.tunnels[42]?.create.udpDport = 9999
        let (requests, adoptions) = try planWithAdoptions(Self.example, current)
        #expect(requests.contains { $0.command == .tunnelDelete && $0.attributes.connID == 42 })
        #expect(requests.contains { $0.command == .tunnelCreate && $0.attributes.connID == 42 })
        #expect(adoptions.isEmpty)
    }
}
