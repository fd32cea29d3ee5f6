// SPDX-License-Identifier: GPL-2.0-only
// What exists when a reload starts, as the reload planner needs to know it.

import L2TPNetlink

/// What is there now (from the control plane) and what the previous configuration created.
public struct CurrentState: Sendable {
    /// Every tunnel: the attributes it was created with (as recorded by the control plane; DEBUG updated
    /// by TUNNEL_MODIFY), and whether a client owns it (managed tunnel, L2TP_ATTR_FD).
    public var tunnels: [UInt32: (create: L2TPAttributes, managed: Bool)]
    /// Every session by (tunnel id, session id): its creation attributes with RECV_SEQ, SEND_SEQ, LNS_MODE,
    /// RECV_TIMEOUT, DEBUG as last requested (create or modify), and its actual interface name.
    public var sessions: [SessionKey: (create: L2TPAttributes, ifname: String?)]
    /// What the previously applied configuration file created (only these may be deleted by a reload).
    public var fromConfig: (tunnels: Set<UInt32>, sessions: Set<SessionKey>)

    public init(
        tunnels: [UInt32: (create: L2TPAttributes, managed: Bool)] = [:],
        sessions: [SessionKey: (create: L2TPAttributes, ifname: String?)] = [:],
        fromConfig: (tunnels: Set<UInt32>, sessions: Set<SessionKey>) = ([], [])
    ) {
        self.tunnels = tunnels
        self.sessions = sessions
        self.fromConfig = fromConfig
    }
}
