// SPDX-License-Identifier: GPL-2.0-only
// What exists and what it was asked to be, for the configuration file's reload: each tunnel's and
// session's create request with later MODIFY values applied, as the attributes a client would send.

import L2TPCore
import L2TPNetlink

/// One tunnel as it was requested.
public struct RequestedTunnel: Sendable {
    public var id: UInt32
    /// The TUNNEL_CREATE attributes, DEBUG as last set by TUNNEL_MODIFY.
    public var request: L2TPAttributes
    /// Created with L2TP_ATTR_FD: a client owns it.
    public var managed: Bool
}

/// One session as it was requested.
public struct RequestedSession: Sendable {
    public var tunnelID: UInt32
    public var id: UInt32
    /// The SESSION_CREATE attributes, with RECV_SEQ, SEND_SEQ, LNS_MODE, RECV_TIMEOUT and DEBUG as
    /// last set by SESSION_MODIFY.
    public var request: L2TPAttributes
    /// The session's actual interface name.
    public var ifname: String?
}

extension ControlPlane {
    /// Every tunnel, in id order, as requested.
    public var requestedTunnels: [RequestedTunnel] {
        registry.entries.keys.sorted().map { id in
            let entry = registry.entries[id]!
            return RequestedTunnel(
                id: id.rawValue, request: entry.info.attributes, managed: entry.tunnel.controlOwner != nil)
        }
    }

    /// Every session, tunnel by tunnel, as requested.
    public var requestedSessions: [RequestedSession] {
        registry.allSessionsInOrder.map { s in
            RequestedSession(
                tunnelID: s.tunnel.id.rawValue, id: s.id.rawValue,
                request: registry.info(ofSession: s.id, in: s.tunnel.id)?.attributes ?? L2TPAttributes(),
                ifname: s.ifname)
        }
    }
}
