// SPDX-License-Identifier: GPL-2.0-only
// The session context (kernel `struct l2tp_session`): identity, cookies, sublayer, sequencing mode and counters.

import L2TPWire
import Synchronization

/// A session: one pseudowire inside a tunnel.
///
/// Concurrency contract: identity, cookies and the device never change. The sequencing flags are
/// atomics written by the control plane (SESSION_MODIFY) and, for `sendSeq`, by the receive path when
/// it follows the LNS (the kernel's automatic LAC behaviour). `nsNext` advances atomically, so any
/// thread may transmit on the session. Receive sequencing state sits behind a mutex that is taken only
/// for sequenced packets or when the reorder queue is not empty.
public final class Session: @unchecked Sendable, CustomStringConvertible {
    /// Our id. The corresponding netlink attribute is `L2TP_ATTR_SESSION_ID`.
    public let id: SessionID
    /// The peer's id, written into transmitted headers. The corresponding netlink attribute is `L2TP_ATTR_PEER_SESSION_ID`.
    public let peerID: SessionID
    /// The parent tunnel.
    public let tunnel: Tunnel
    /// What the session carries.
    public let pseudowireType: PseudowireType
    /// Cookie sent in every packet (`L2TP_ATTR_COOKIE`, iproute2 `cookie`).
    public let cookie: Cookie
    /// Cookie expected in every received packet (`L2TP_ATTR_PEER_COOKIE`, iproute2 `peer_cookie`).
    public let peerCookie: Cookie
    /// L2-Specific Sublayer (v3 only; v2 sessions carry `.none`).
    public let l2spec: L2SpecType

    /// Drop received packets without sequence numbers. The corresponding C field is `recv_seq`.
    public let recvSeq: Atomic<Bool>
    /// Send sequence numbers. The corresponding C field is `send_seq`.
    public let sendSeq: Atomic<Bool>
    /// Act as LNS: do not follow the peer's sequencing. The corresponding C field is `lns_mode`.
    public let lnsMode: Atomic<Bool>
    /// Reorder timeout in milliseconds; 0 disables reordering. The corresponding C field is `reorder_timeout`.
    public let reorderTimeout: Atomic<UInt64>
    /// Debug flags (`L2TP_ATTR_DEBUG`).
    public let debug: Atomic<UInt32>

    /// The next Ns to send, in its low 16 (v2) or 24 (v3) bits. The corresponding C field is `ns`.
    let nsNext = Atomic<UInt32>(0)
    /// 0xffff for v2, 0xffffff for v3: Ns counts modulo the size of its field.
    let nsMask: UInt32
    /// Receive sequencing state.
    let sequence: Mutex<SequenceState>
    /// Entries in the reorder queue, readable without the mutex.
    let queued = Atomic<Int>(0)

    /// The session's counters.
    public let stats = StatsCounters()

    /// The pseudowire's device: where received frames go and where frames to send come from. Nil
    /// only in unit tests that only count.
    public let device: (any PseudowireDevice)?

    /// The session's interface name (`L2TP_ATTR_IFNAME`): its device's.
    public var ifname: String? { device?.interfaceName }

    /// Creates a session with the kernel's initial sequencing state.
    public init(
        id: SessionID, peerID: SessionID, tunnel: Tunnel, pseudowireType: PseudowireType,
        cookie: Cookie = .none, peerCookie: Cookie = .none, l2spec: L2SpecType = .default,
        recvSeq: Bool = false, sendSeq: Bool = false, lnsMode: Bool = false, reorderTimeout: UInt64 = 0,
        debug: UInt32 = 0, device: (any PseudowireDevice)? = nil
    ) {
        self.id = id
        self.peerID = peerID
        self.tunnel = tunnel
        self.pseudowireType = pseudowireType
        self.cookie = tunnel.version == .v3 ? cookie : .none
        self.peerCookie = tunnel.version == .v3 ? peerCookie : .none
        self.l2spec = tunnel.version == .v3 ? l2spec : .none
        self.recvSeq = Atomic(recvSeq)
        self.sendSeq = Atomic(sendSeq)
        self.lnsMode = Atomic(lnsMode)
        self.reorderTimeout = Atomic(reorderTimeout)
        self.debug = Atomic(debug)
        self.sequence = Mutex(SequenceState(version: tunnel.version))
        self.nsMask = tunnel.version == .v2 ? 0xffff : 0xff_ffff
        self.device = device
    }

    /// "sess T/S", the kernel's name for the session in log lines.
    public var description: String { "sess \(tunnel.id)/\(id)" }

    /// The L2TP header length for the current sending mode (l2tp_session_set_header_len).
    public var headerLength: Int {
        Self.headerLength(
            version: tunnel.version, encap: tunnel.encap, cookieLength: cookie.count, l2spec: l2spec,
            sendSeq: sendSeq.load(ordering: .relaxed))
    }

    /// The L2TP header length of a session with these parameters (l2tp_session_set_header_len).
    public static func headerLength(
        version: ProtocolVersion, encap: EncapType, cookieLength: Int, l2spec: L2SpecType, sendSeq: Bool
    ) -> Int {
        switch version {
        case .v2: L2TPv2Header.length(sendSeq: sendSeq)
        case .v3: L2TPv3Header.length(encap: encap, cookieLength: cookieLength, l2spec: l2spec)
        }
    }

    /// The most header bytes this session can ever put in front of a frame.
    public var maxHeaderLength: Int {
        tunnel.version == .v2 ? 10 : L2TPv3Header.length(encap: tunnel.encap, cookieLength: cookie.count, l2spec: l2spec)
    }

    /// A copy of the receive sequencing state, for debugging.
    public var sequenceSnapshot: SequenceState { sequence.withLock { $0 } }

    /// The next Ns this session will send.
    public var nextNs: UInt32 { nsNext.load(ordering: .relaxed) & nsMask }

    /// Drops every queued packet (counted as rx_errors), as the kernel does when a session is deleted.
    public func purgeReorderQueue() {
        let n = sequence.withLock { $0.purge() }
        queued.store(0, ordering: .relaxed)
        if n > 0 { stats.rxErrors.wrappingAdd(UInt64(n), ordering: .relaxed) }
    }
}
