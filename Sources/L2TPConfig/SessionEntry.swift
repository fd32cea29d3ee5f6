// SPDX-License-Identifier: GPL-2.0-only
// One [[tunnel.session]] of the configuration file, lowered to the attributes of its SESSION_CREATE request.

import L2TPNetlink

/// One session of the file, lowered to the attributes of its `L2TP_CMD_SESSION_CREATE` request.
///
/// `create` carries CONN_ID, PEER_CONN_ID (the tunnel's `peer_tunnel_id`), SESSION_ID, PEER_SESSION_ID,
/// PW_TYPE (5 eth, 7 ppp), L2SPEC_TYPE (version 3 tunnels only), IFNAME (when `name` is given), COOKIE
/// and PEER_COOKIE (when non-empty), and always RECV_SEQ, SEND_SEQ, LNS_MODE (u8 0/1), RECV_TIMEOUT
/// (u64 ms, 0 allowed) and DEBUG (u32, 0 allowed).
public struct SessionEntry: Equatable, Sendable {
    /// Line of the session's `[[tunnel.session]]` header (or of its inline table).
    public var line: Int
    /// The SESSION_CREATE attributes.
    public var create: L2TPAttributes

    /// The session id (SESSION_ID).
    public var id: UInt32 { create.sessionID! }

    public init(line: Int, create: L2TPAttributes) {
        self.line = line
        self.create = create
    }
}
