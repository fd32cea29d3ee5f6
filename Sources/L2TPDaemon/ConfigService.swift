// SPDX-License-Identifier: GPL-2.0-only
// The configuration file as a source of requests: loading it at start-up, trying it on a dry-run
// control plane, and turning it into the TUNNEL_/SESSION_ requests that make the daemon match it —
// sent through ControlPlane.handle like any client's. Reloads apply only the difference.

import Glibc
import L2TPConfig
import L2TPControl
import L2TPCore
import L2TPNetlink
import Logging

/// What applying a configuration did.
struct ApplyReport: CustomStringConvertible {
    var created = 0
    var deleted = 0
    var modified = 0
    /// Requests the daemon refused while applying (a port in use, an address not configured).
    var failures: [(request: PlannedRequest, error: NetlinkError)] = []

    var description: String {
        "\(created) created, \(modified) modified, \(deleted) deleted" + (failures.isEmpty ? "" : ", \(failures.count) failed")
    }
}

/// A configuration file read and planned against what runs, ready to apply.
struct PreparedReload {
    let configuration: Configuration
    let plan: [PlannedRequest]
    /// Runtime objects the file takes over, one log line each.
    let adoptions: [String]
}

/// Owns the configuration file path and what the last applied file created.
final class ConfigService {
    /// The file of `--config`; nil without one (files can still be checked against what runs).
    let path: String?
    private let control: ControlPlane
    private var logger: Logger
    /// Objects the applied configuration named (a reload may delete only these).
    private var fromConfig: (tunnels: Set<UInt32>, sessions: Set<SessionKey>) = ([], [])
    /// Hands notifications produced by applied requests to subscribers.
    private let announce: ([[UInt8]]) -> Void

    init(path: String?, control: ControlPlane, logger: Logger, announce: @escaping ([[UInt8]]) -> Void) {
        self.path = path
        self.control = control
        self.logger = logger
        self.announce = announce
    }

    /// Reads and checks the file of `--config`, and plans the requests that make the daemon match it.
    /// Nothing changes.
    func prepare() throws(ConfigErrors) -> PreparedReload {
        guard let path else { return PreparedReload(configuration: Configuration(path: ""), plan: [], adoptions: []) }
        return try prepare(try ConfigLoader.load(path: path))
    }

    /// Plans `config` against what runs now and tries the plan on a dry-run control plane, as a reload
    /// does before it changes anything. Nothing changes.
    func prepare(_ config: Configuration) throws(ConfigErrors) -> PreparedReload {
        let current = currentState()
        var adoptions: [String] = []
        let plan = try ReloadPlanner.plan(desired: config, current: current, adoptions: &adoptions)
        try Self.tryOut(plan, on: current, path: config.path)
        return PreparedReload(configuration: config, plan: plan, adoptions: adoptions)
    }

    /// l2tpd CHECK_CONFIG: the file behind `fd` (which this closes), tried as a reload of the running
    /// daemon would try it.
    func check(_ fd: Int32, name: String) -> ConfigurationCheck {
        defer { Glibc.close(fd) }
        do {
            let prepared = try prepare(try ConfigLoader.load(descriptor: fd, path: name))
            let counts = prepared.plan.reduce(into: (create: 0, modify: 0, delete: 0)) { n, r in
                switch r.command {
                case .tunnelCreate, .sessionCreate: n.create += 1
                case .tunnelDelete, .sessionDelete: n.delete += 1
                default: n.modify += 1
                }
            }
            let config = prepared.configuration
            let sessions = config.tunnels.reduce(0) { $0 + $1.sessions.count }
            var report = "\(name): OK against the running l2tpd (\(config.tunnels.count) tunnels, \(sessions) sessions; "
                + "a reload would make \(counts.create) creates, \(counts.modify) modifies, \(counts.delete) deletes)"
            for line in prepared.adoptions { report += "\n" + line }
            return ConfigurationCheck(errors: 0, report: report)
        } catch {
            return ConfigurationCheck(errors: error.errors.count, report: "\(error)")
        }
    }

    /// Applies a plan from `prepare` through the control plane's request path.
    func apply(_ prepared: PreparedReload) -> ApplyReport {
        let config = prepared.configuration
        let file = config.path
        for line in prepared.adoptions { logger.notice("\(line)") }
        var report = ApplyReport()
        for (n, request) in prepared.plan.enumerated() {
            let bytes = L2TPMessageCodec.encode(
                command: request.command, attributes: request.attributes, order: L2TPMessageCodec.numericOrder,
                flags: NetlinkFlags.request | NetlinkFlags.ack, sequence: UInt32(n + 1), portID: 0)
            let out = control.handle(bytes, from: .daemon)
            announce(out.notifications)
            if let error = out.error {
                report.failures.append((request, error))
                logger.error(
                    "configuration request failed",
                    metadata: ["request": "\(request.reason)", "error": "\(error)", "file": "\(file):\(request.line ?? 0)"])
                continue
            }
            logger.info("\(request.reason)")
            switch request.command {
            case .tunnelCreate, .sessionCreate: report.created += 1
            case .tunnelDelete, .sessionDelete: report.deleted += 1
            default: report.modified += 1
            }
        }
        // What the file names and now exists is the configuration's from now on.
        let existingTunnels = Set(control.requestedTunnels.map(\.id))
        let existingSessions = Set(control.requestedSessions.map { SessionKey(tunnel: $0.tunnelID, session: $0.id) })
        fromConfig.tunnels = Set(config.tunnels.map(\.id)).intersection(existingTunnels)
        fromConfig.sessions = Set(config.tunnels.flatMap { t in t.sessions.map { SessionKey(tunnel: t.id, session: $0.id) } })
            .intersection(existingSessions)
        return report
    }

    /// The control plane's objects as the planner sees them.
    private func currentState() -> CurrentState {
        var tunnels: [UInt32: (create: L2TPAttributes, managed: Bool)] = [:]
        for t in control.requestedTunnels { tunnels[t.id] = (t.request, t.managed) }
        var sessions: [SessionKey: (create: L2TPAttributes, ifname: String?)] = [:]
        for s in control.requestedSessions { sessions[SessionKey(tunnel: s.tunnelID, session: s.id)] = (s.request, s.ifname) }
        return CurrentState(tunnels: tunnels, sessions: sessions, fromConfig: fromConfig)
    }

    /// Replays the current objects and then `plan` on a dry-run control plane; any refusal becomes a
    /// configuration error at the line the request comes from.
    static func tryOut(_ plan: [PlannedRequest], on current: CurrentState, path: String) throws(ConfigErrors) {
        let names = Set(current.sessions.values.compactMap(\.ifname))
        let plane = ControlPlane(
            datapath: DryRunDatapath(), registrations: Registrations.dryRun(Registrations.DryRun(replayedNames: names)))
        var sequence: UInt32 = 0
        func send(_ command: L2TPCommand, _ attributes: L2TPAttributes) -> NetlinkError? {
            sequence += 1
            let bytes = L2TPMessageCodec.encode(
                command: command, attributes: attributes, order: L2TPMessageCodec.numericOrder,
                flags: NetlinkFlags.request | NetlinkFlags.ack, sequence: sequence, portID: 0)
            var fd: Int32? = attributes.fd != nil ? -1 : nil
            return plane.handle(bytes, from: .daemon, passing: &fd).error
        }
        for (_, t) in current.tunnels.sorted(by: { $0.key < $1.key }) { _ = send(.tunnelCreate, t.create) }
        for (_, s) in current.sessions.sorted(by: { ($0.key.tunnel, $0.key.session) < ($1.key.tunnel, $1.key.session) }) {
            var a = s.create
            if a.ifname == nil { a.ifname = s.ifname }
            _ = send(.sessionCreate, a)
        }
        var errors: [ConfigError] = []
        for request in plan {
            if let error = send(request.command, request.attributes) {
                // The error carries the file and line already; drop the reason's own "(FILE:LINE)".
                var reason = Substring(request.reason)
                if request.line != nil, reason.hasSuffix(")"), let open = reason.range(of: " (", options: .backwards) {
                    reason = reason[..<open.lowerBound]
                }
                errors.append(ConfigError(path: path, line: request.line ?? 0, key: nil, message: "\(reason): \(error)"))
            }
        }
        if !errors.isEmpty { throw ConfigErrors(errors: errors) }
    }

    /// `l2tpd --check-config`: the file alone, tried on an empty dry-run control plane.
    static func check(path: String) throws(ConfigErrors) -> Configuration {
        let config = try ConfigLoader.load(path: path)
        let empty = CurrentState(tunnels: [:], sessions: [:], fromConfig: ([], []))
        try tryOut(try ReloadPlanner.plan(desired: config, current: empty), on: empty, path: path)
        return config
    }
}

/// A datapath that reads nothing, for a dry run's control plane.
private final class DryRunDatapath: DatapathControl {
    func publish(_ table: SessionTable) {}
    func synchronize() {}
    func add(_ receiver: any PacketReceiver, for tunnel: Tunnel) throws(L2TPError) {}
    func remove(_ receiver: any PacketReceiver, for tunnel: Tunnel) {}
    func add(_ device: any PseudowireDevice, for session: Session) throws(L2TPError) {}
    func remove(_ device: any PseudowireDevice, for session: Session) {}
    var debugDescription: String { "" }
}
