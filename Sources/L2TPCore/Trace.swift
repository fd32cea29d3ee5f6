// SPDX-License-Identifier: GPL-2.0-only
// Trace events named after the kernel's l2tp tracepoints (net/l2tp/trace.h), so people who know the
// kernel can grep for them. Datapath events are only produced for tunnels and sessions whose
// L2TP_ATTR_DEBUG flags are set; lifecycle events always. Each control plane has its own sink, which
// its tunnels carry (a dry run's has none).

/// One traced event.
public struct TraceEvent: Sendable {
    /// The kernel's tracepoint names.
    public enum Name: String, Sendable {
        case registerTunnel = "register_tunnel"
        case deleteTunnel = "delete_tunnel"
        case freeTunnel = "free_tunnel"
        case registerSession = "register_session"
        case deleteSession = "delete_session"
        case freeSession = "free_session"
        case sessionSeqnumLNSEnable = "session_seqnum_lns_enable"
        case sessionSeqnumLNSDisable = "session_seqnum_lns_disable"
        case sessionSeqnumUpdate = "session_seqnum_update"
        case sessionSeqnumReset = "session_seqnum_reset"
        case sessionPktExpired = "session_pkt_expired"
        case sessionPktOOS = "session_pkt_oos"
        case sessionPktOutsideRxWindow = "session_pkt_outside_rx_window"
        /// Not a kernel tracepoint: a receive discard with its reason (the kernel's pr_debug lines).
        case sessionPktDiscard = "session_pkt_discard"
    }

    public var name: Name
    public var tunnelID: UInt32
    /// 0 for tunnel events.
    public var sessionID: UInt32
    public var ns: UInt32
    public var nr: UInt32
    /// The discard reason, for `sessionPktDiscard`.
    public var reason: DropReason?
    /// The context has debug flags set: log it whatever the global log level.
    public var contextDebug: Bool

    public init(
        _ name: Name, tunnelID: UInt32, sessionID: UInt32 = 0, ns: UInt32 = 0, nr: UInt32 = 0,
        reason: DropReason? = nil, contextDebug: Bool
    ) {
        self.name = name
        self.tunnelID = tunnelID
        self.sessionID = sessionID
        self.ns = ns
        self.nr = nr
        self.reason = reason
        self.contextDebug = contextDebug
    }
}

/// Receives trace events; called from datapath workers, so it must not block.
public protocol TraceSink: AnyObject, Sendable {
    func emit(_ event: TraceEvent)
}

extension Tunnel {
    /// Debug flags are set on this tunnel.
    @inline(__always) public var isDebugging: Bool { debug.load(ordering: .relaxed) != 0 }

    /// A lifecycle event of this tunnel.
    public func trace(_ name: TraceEvent.Name) {
        traceSink?.emit(TraceEvent(name, tunnelID: id.rawValue, contextDebug: isDebugging))
    }
}

extension Session {
    /// Debug flags are set on this session or its tunnel: datapath events are traced.
    @inline(__always) public var isDebugging: Bool { debug.load(ordering: .relaxed) != 0 || tunnel.isDebugging }

    /// A lifecycle event of this session.
    public func trace(_ name: TraceEvent.Name) {
        tunnel.traceSink?.emit(
            TraceEvent(name, tunnelID: tunnel.id.rawValue, sessionID: id.rawValue, contextDebug: isDebugging))
    }

    /// A datapath event; nothing unless the session is debugging.
    @inline(__always)
    func traceIfDebugging(_ name: TraceEvent.Name, ns: UInt32 = 0, nr: UInt32 = 0, reason: DropReason? = nil) {
        guard isDebugging, let sink = tunnel.traceSink else { return }
        sink.emit(
            TraceEvent(
                name, tunnelID: tunnel.id.rawValue, sessionID: id.rawValue, ns: ns, nr: nr, reason: reason,
                contextDebug: true))
    }
}
