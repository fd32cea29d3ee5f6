// SPDX-License-Identifier: GPL-2.0-only
// The tunnel context (kernel `struct l2tp_tunnel`): identity, version, encapsulation, transport and counters.

import L2TPWire
import Synchronization

/// A tunnel: the container of sessions that share one transport.
///
/// Identity fields and the transport never change after creation. Counters are updated by datapath
/// workers; `debug` by the control plane. Tunnel-level counters follow the kernel: only tx/rx
/// packets, bytes, tx_errors and rx_invalid are ever counted here.
public final class Tunnel: Sendable, CustomStringConvertible {
    /// Our id for the tunnel. The corresponding netlink attribute is `L2TP_ATTR_CONN_ID`.
    public let id: TunnelID
    /// The peer's id for the tunnel. The corresponding netlink attribute is `L2TP_ATTR_PEER_CONN_ID`.
    public let peerID: TunnelID
    /// L2TPv2 or L2TPv3.
    public let version: ProtocolVersion
    /// UDP or IP.
    public let encap: EncapType
    /// Where the tunnel's packets leave; nil only for tunnels unit tests build without one.
    public let transport: (any TunnelTransport)?
    /// Who reads the tunnel's control frames: the control connection that created a managed tunnel
    /// (L2TP_ATTR_FD), as the kernel leaves them on that program's socket; nil: nobody (they are
    /// counted and dropped).
    public let controlOwner: UInt64?
    /// Where the tunnel's and its sessions' trace events go: the control plane's sink.
    public let traceSink: (any TraceSink)?
    /// The tunnel's counters.
    public let stats = StatsCounters()
    /// Debug flags (`L2TP_ATTR_DEBUG`); non-zero turns on debug logging for this tunnel.
    public let debug: Atomic<UInt32>

    public init(
        id: TunnelID, peerID: TunnelID, version: ProtocolVersion, encap: EncapType, debug: UInt32 = 0,
        transport: (any TunnelTransport)? = nil, controlOwner: UInt64? = nil, traceSink: (any TraceSink)? = nil
    ) {
        self.id = id
        self.peerID = peerID
        self.version = version
        self.encap = encap
        self.debug = Atomic(debug)
        self.transport = transport
        self.controlOwner = controlOwner
        self.traceSink = traceSink
    }

    /// "tunl N", the kernel's name for the tunnel in log lines.
    public var description: String { "tunl \(id)" }
}
