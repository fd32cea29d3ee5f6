// SPDX-License-Identifier: GPL-2.0-only
// One [[tunnel]] of the configuration file, lowered to the attributes of its TUNNEL_CREATE request.

import L2TPNetlink

/// One tunnel of the file, lowered to the attributes of its `L2TP_CMD_TUNNEL_CREATE` request.
///
/// `create` carries exactly what iproute2 would send for the same options: CONN_ID, PEER_CONN_ID,
/// PROTO_VERSION, ENCAP_TYPE, IP_SADDR/IP_DADDR (IPv4) or IP6_SADDR/IP6_DADDR (IPv6); with encap "udp"
/// also UDP_SPORT, UDP_DPORT, UDP_CSUM = 1 (IPv4, only when `udp_csum` is on) and the
/// UDP_ZERO_CSUM6_TX/RX flags (IPv6, when `udp6_csum_tx`/`udp6_csum_rx` is off); DEBUG when `debug`
/// is written in the file.
public struct TunnelEntry: Equatable, Sendable {
    /// Line of the tunnel's `[[tunnel]]` header (or of its inline table).
    public var line: Int
    /// The TUNNEL_CREATE attributes.
    public var create: L2TPAttributes
    /// The tunnel's sessions, in file order.
    public var sessions: [SessionEntry]

    /// The tunnel id (CONN_ID).
    public var id: UInt32 { create.connID! }

    public init(line: Int, create: L2TPAttributes, sessions: [SessionEntry] = []) {
        self.line = line
        self.create = create
        self.sessions = sessions
    }
}
