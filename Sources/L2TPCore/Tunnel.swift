// SPDX-License-Identifier: GPL-2.0-only
// The tunnel context (kernel `struct l2tp_tunnel`): identity, version, encapsulation and counters.

import L2TPWire
import Synchronization

/// A tunnel: the container of sessions that share one transport socket.
///
/// Identity fields never change after creation. Counters are updated by datapath workers; `debug` by
/// the control plane. Tunnel-level counters follow the kernel: only tx/rx packets, bytes, tx_errors
/// and rx_invalid are ever counted here.
public final class Tunnel: Sendable, CustomStringConvertible {
    /// Our id for the tunnel. The corresponding netlink attribute is `L2TP_ATTR_CONN_ID`.
    public let id: TunnelID
    /// The peer's id for the tunnel. The corresponding netlink attribute is `L2TP_ATTR_PEER_CONN_ID`.
    public let peerID: TunnelID
    /// L2TPv2 or L2TPv3.
    public let version: ProtocolVersion
    /// UDP or IP.
    public let encap: EncapType
    /// The tunnel's counters.
    public let stats = StatsCounters()
    /// Debug flags (`L2TP_ATTR_DEBUG`); non-zero turns on debug logging for this tunnel.
    public let debug: Atomic<UInt32>

    public init(id: TunnelID, peerID: TunnelID, version: ProtocolVersion, encap: EncapType, debug: UInt32 = 0) {
        self.id = id
        self.peerID = peerID
        self.version = version
        self.encap = encap
        self.debug = Atomic(debug)
    }

    /// "tunl N", the kernel's name for the tunnel in log lines.
    public var description: String { "tunl \(id)" }
}
