// SPDX-License-Identifier: GPL-2.0-only
// Per-tunnel and per-session data counters with the kernel's names and meanings (l2tp_core.h `struct l2tp_stats`).

import L2TPWire
import Synchronization

/// Why a received packet was not delivered; each reason names the counters it bumps.
public enum DropReason: Sendable, Equatable {
    /// Tunnel `rx_invalid`: the packet's version differs from the tunnel's.
    case versionMismatch
    /// Tunnel `rx_invalid`: too short for the session's cookie and sublayer. Over IP the kernel
    /// counts nothing for this (l2tp_ip_recv drops it silently), and neither does `Session.receive`.
    case truncatedOptions
    /// Session `rx_cookie_discards` and `rx_errors`.
    case cookieMismatch
    /// Session `rx_seq_discards` and `rx_errors`: no sequence number while one is required.
    case sequenceRequired
    /// Session `rx_errors`: sequence number outside the receive window.
    case outsideWindow
    /// Session `rx_seq_discards` and `rx_errors`: out of order with reordering off.
    case outOfOrder
    /// Session `rx_seq_discards` and `rx_errors`: expired in the reorder queue.
    case expired
    /// Session `rx_errors`: header fields run past the end of the packet.
    case malformed
    /// Session `rx_errors`: still queued when the session was deleted.
    case purged
}

/// Live counters, updated by datapath workers with relaxed atomics and read by the control plane.
public final class StatsCounters: Sendable {
    let txPackets = Atomic<UInt64>(0)
    let txBytes = Atomic<UInt64>(0)
    let txErrors = Atomic<UInt64>(0)
    let rxPackets = Atomic<UInt64>(0)
    let rxBytes = Atomic<UInt64>(0)
    let rxSeqDiscards = Atomic<UInt64>(0)
    let rxOOSPackets = Atomic<UInt64>(0)
    let rxErrors = Atomic<UInt64>(0)
    let rxCookieDiscards = Atomic<UInt64>(0)
    let rxInvalid = Atomic<UInt64>(0)

    public init() {}

    /// A consistent-enough copy for replies (each counter is read atomically).
    public var snapshot: L2TPStats {
        var s = L2TPStats()
        s.txPackets = txPackets.load(ordering: .relaxed)
        s.txBytes = txBytes.load(ordering: .relaxed)
        s.txErrors = txErrors.load(ordering: .relaxed)
        s.rxPackets = rxPackets.load(ordering: .relaxed)
        s.rxBytes = rxBytes.load(ordering: .relaxed)
        s.rxSeqDiscards = rxSeqDiscards.load(ordering: .relaxed)
        s.rxOOSPackets = rxOOSPackets.load(ordering: .relaxed)
        s.rxErrors = rxErrors.load(ordering: .relaxed)
        s.rxCookieDiscards = rxCookieDiscards.load(ordering: .relaxed)
        s.rxInvalid = rxInvalid.load(ordering: .relaxed)
        return s
    }

    /// Counts `packets` transmitted packets of `bytes` total (L2TP header included).
    @inline(__always) public func countTransmit(packets: UInt64, bytes: UInt64) {
        txPackets.wrappingAdd(packets, ordering: .relaxed)
        txBytes.wrappingAdd(bytes, ordering: .relaxed)
    }

    /// Counts `n` failed sends.
    @inline(__always) public func countTransmitErrors(_ n: UInt64) {
        txErrors.wrappingAdd(n, ordering: .relaxed)
    }
}
