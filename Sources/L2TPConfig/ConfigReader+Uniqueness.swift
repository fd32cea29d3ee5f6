// SPDX-License-Identifier: GPL-2.0-only
// Checks between tunnels and sessions: ids and interface names that must not be used twice.

import L2TPWire

extension ConfigReader {
    /// Reports, on the line of the later use:
    /// - a tunnel id used twice (v2 and v3 tunnels share one id space);
    /// - a session id used twice in one tunnel;
    /// - an L2TPv3 session id used by two tunnels where either uses encap "ip" (the kernel keys v3
    ///   sessions by id alone; only sessions of two UDP tunnels may share one, told apart by socket);
    /// - an interface name used twice.
    func checkUniqueness(_ tunnels: [ParsedTunnel]) {
        var tunnelIDs: [UInt32: ParsedTunnel] = [:]
        /// Version 3 sessions seen so far, by session id: their tunnel and the session.
        var v3Sessions: [UInt32: [(tunnel: ParsedTunnel, session: ParsedSession)]] = [:]
        var names: [String: (tunnel: ParsedTunnel, session: ParsedSession)] = [:]

        for (index, tunnel) in tunnels.enumerated() {
            if let id = tunnel.id {
                if let first = tunnelIDs[id] {
                    diagnostics.report(
                        tunnel.path.appending("tunnel_id"), key: "tunnel_id",
                        "\(id) is already used by the tunnel at line \(diagnostics.line(of: first.path)); "
                            + "each tunnel needs its own tunnel_id")
                } else {
                    tunnelIDs[id] = tunnel
                }
            }

            var sessionIDs: [UInt32: ParsedSession] = [:]
            for session in tunnel.sessions {
                if let id = session.id {
                    if let first = sessionIDs[id] {
                        diagnostics.report(
                            session.path.appending("session_id"), key: "session_id",
                            "\(id) is already used by the session at line \(diagnostics.line(of: first.path)) of this tunnel; "
                                + "session ids are unique within a tunnel")
                    } else {
                        sessionIDs[id] = session
                        checkGlobalSessionID(id, session, of: tunnel, index: index, against: &v3Sessions)
                    }
                }
                if let name = session.name {
                    if let first = names[name] {
                        diagnostics.report(
                            session.path.appending("name"), key: "name",
                            "\(Diagnostics.quoted(name)) is already the name of session \(Self.label(first.tunnel, first.session)) "
                                + "(line \(diagnostics.line(of: first.session.path))); interface names are unique")
                    } else {
                        names[name] = (tunnel, session)
                    }
                }
            }
        }
    }

    /// The kernel's scoping of L2TPv3 session ids between tunnels.
    private func checkGlobalSessionID(
        _ id: UInt32, _ session: ParsedSession, of tunnel: ParsedTunnel, index: Int,
        against seen: inout [UInt32: [(tunnel: ParsedTunnel, session: ParsedSession)]]
    ) {
        guard tunnel.version == .v3, let encap = tunnel.encap else { return }
        let clash = seen[id, default: []].first { other in
            other.tunnel.path != tunnel.path && (encap == .ip || other.tunnel.encap == .ip)
        }
        if let clash {
            let other = "session \(Self.label(clash.tunnel, clash.session)) (line \(diagnostics.line(of: clash.session.path)))"
            diagnostics.report(
                session.path.appending("session_id"), key: "session_id",
                "\(id) is also used by \(other); L2TPv3 session ids are global when either tunnel uses encap \"ip\" "
                    + "(only UDP tunnels may share one)")
        }
        seen[id, default: []].append((tunnel, session))
    }

    /// `TUNNEL/SESSION` for messages, `?` for an id that is missing or invalid.
    static func label(_ tunnel: ParsedTunnel, _ session: ParsedSession) -> String {
        "\(tunnel.id.map(String.init) ?? "?")/\(session.id.map(String.init) ?? "?")"
    }
}
