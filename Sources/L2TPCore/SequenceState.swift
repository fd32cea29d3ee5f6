// SPDX-License-Identifier: GPL-2.0-only
// Receive sequencing of one session: the rx window, reorder queue and out-of-sequence recovery of
// l2tp_recv_data_seq / l2tp_recv_dequeue, as a value type with no I/O.
//
// Flow for one received packet (after cookie and sequence-mode checks):
//  1. Sequenced: outside the window → drop (rx_errors).
//  2. Sequenced, reorder_timeout > 0: insert sorted by ns (rx_oos_packets if before an existing entry).
//  3. Sequenced, reorder_timeout == 0: ns == nr → queue; else count consecutive out-of-sequence
//     packets and after more than 4 set reorder_skip; without reorder_skip drop (rx_seq_discards).
//  4. Unsequenced: append to the tail.
//  5. Dequeue from the head: expired → drop (rx_seq_discards, rx_errors, reorder_skip = 1);
//     sequenced with reorder_skip → nr = ns; sequenced with ns != nr → stop; else deliver, nr += 1.
// There is no timer: expiry is checked only when the next packet arrives, as in the kernel.

import L2TPWire

/// One entry of the reorder queue. `payload` is nil for the packet being processed right now, which
/// is only copied if it has to stay queued.
public struct QueuedFrame: Sendable {
    public var ns: UInt32
    public var hasSeq: Bool
    /// L2TP packet length for rx_bytes.
    public var length: Int
    /// Monotonic milliseconds after which the entry is discarded.
    public var expires: UInt64
    public var payload: [UInt8]?
}

/// What the dequeue walk decided for each queue entry it removed.
public enum DequeueAction: Sendable, Equatable {
    case deliver
    case expire
    /// `reorder_skip` was set: nr now takes this entry's ns (the kernel's session_seqnum_reset).
    case reset
}

/// Receive-side sequencing state of a session (kernel fields nr, nr_max, nr_window_size, nr_oos,
/// nr_oos_count, nr_oos_count_max, reorder_skip and reorder_q).
public struct SequenceState: Sendable {
    /// The next sequence number expected. The corresponding C field is `nr`.
    public private(set) var nr: UInt32 = 0
    /// 0xffff for v2, 0xffffff for v3. The corresponding C field is `nr_max`.
    public let nrMax: UInt32
    /// Half the number space. The corresponding C field is `nr_window_size`.
    public let windowSize: UInt32
    /// The last out-of-sequence ns seen. The corresponding C field is `nr_oos`.
    public private(set) var nrOOS: UInt32 = 0
    /// Consecutive out-of-sequence packets. The corresponding C field is `nr_oos_count`.
    public private(set) var nrOOSCount: UInt32 = 0
    /// The corresponding C constant is `nr_oos_count_max`.
    public static let oosCountMax: UInt32 = 4
    /// Take the next sequenced packet's ns as nr. Starts set ("use NR of first received packet").
    public private(set) var reorderSkip = true
    /// The reorder queue, head first.
    public private(set) var queue: [QueuedFrame] = []

    public init(version: ProtocolVersion) {
        nrMax = version == .v2 ? 0xffff : 0xff_ffff
        windowSize = nrMax / 2
    }

    /// Whether `ns` lies in the receive window (l2tp_seq_check_rx_window).
    public func inWindow(_ ns: UInt32) -> Bool {
        let nws: UInt32 = ns >= nr ? ns - nr : (nrMax &+ 1) &- (nr &- ns)
        return nws < windowSize
    }

    /// Outcome of offering a packet to the queue.
    public enum Admission: Sendable, Equatable {
        case queued
        case outsideWindow
        case outOfOrder
    }

    /// Offers the packet being processed (payload not yet copied) to the queue, following
    /// l2tp_recv_data_seq for sequenced packets and a plain tail append otherwise.
    /// Returns how many rx_oos_packets to count alongside the admission.
    public mutating func admit(ns: UInt32?, length: Int, expires: UInt64, reorderTimeout: UInt64)
        -> (Admission, oos: UInt64)
    {
        let entry = QueuedFrame(ns: ns ?? 0, hasSeq: ns != nil, length: length, expires: expires, payload: nil)
        guard let ns else {
            queue.append(entry)
            return (.queued, 0)
        }
        guard inWindow(ns) else { return (.outsideWindow, 0) }
        if reorderTimeout != 0 {
            if let i = queue.firstIndex(where: { $0.ns > ns }) {
                queue.insert(entry, at: i)
                return (.queued, 1)
            }
            queue.append(entry)
            return (.queued, 0)
        }
        if ns == nr {
            queue.append(entry)
            return (.queued, 0)
        }
        let nrNext = (nrOOS &+ 1) & nrMax
        nrOOSCount = ns == nrNext ? nrOOSCount + 1 : 0
        nrOOS = ns
        if nrOOSCount > Self.oosCountMax { reorderSkip = true }
        guard reorderSkip else { return (.outOfOrder, 0) }
        queue.append(entry)
        return (.queued, 0)
    }

    /// Walks the queue from the head (l2tp_recv_dequeue) and removes what can go: expired entries and
    /// in-order entries. Calls `body` for each removed entry in order, with the entry and what to do.
    public mutating func dequeue(now: UInt64, _ body: (QueuedFrame, DequeueAction) -> Void) {
        while let e = queue.first {
            if now > e.expires {
                queue.removeFirst()
                reorderSkip = true
                body(e, .expire)
                continue
            }
            if e.hasSeq {
                if reorderSkip {
                    reorderSkip = false
                    nr = e.ns
                    body(e, .reset)
                }
                if e.ns != nr { return }
            }
            queue.removeFirst()
            if e.hasSeq { nr = (nr &+ 1) & nrMax }
            body(e, .deliver)
        }
    }

    /// Gives the entry still waiting for the in-flight packet its own copy of the payload.
    public mutating func storePending(_ payload: UnsafeRawBufferPointer) {
        guard let i = queue.firstIndex(where: { $0.payload == nil }) else { return }
        queue[i].payload = Array(payload)
    }

    /// Empties the queue and returns how many entries were dropped (l2tp_session_queue_purge).
    public mutating func purge() -> Int {
        defer { queue.removeAll() }
        return queue.count
    }
}
