// SPDX-License-Identifier: GPL-2.0-only
// Publication of the session table to datapath workers without locks: the userspace analogue of RCU.
//
// The control plane swaps a pointer (release) and advances the epoch; workers load the epoch, then the
// pointer (acquire), once per loop iteration and announce the epoch they have reached. A replaced
// table is kept alive until every worker has announced an epoch at or after its replacement (the
// grace period), then released — at the next publication or synchronization, so retired tables do
// not pile up while sessions are created one after another.

import L2TPCore
import Synchronization

/// Holds the current `SessionTable` for lock-free readers.
final class TableCell: @unchecked Sendable {
    private let pointer: Atomic<UInt>
    /// Strong references owned by the control-plane thread.
    private var current: SessionTable
    private var retired: [(replacedAtEpoch: UInt64, table: SessionTable)] = []

    init(_ table: SessionTable) {
        current = table
        pointer = Atomic(UInt(bitPattern: Unmanaged.passUnretained(table).toOpaque()))
    }

    /// Worker side: the current table. Safe to use until the worker next announces an epoch.
    @inline(__always)
    func load() -> SessionTable {
        let raw = UnsafeRawPointer(bitPattern: pointer.load(ordering: .acquiring))!
        return Unmanaged<SessionTable>.fromOpaque(raw).takeUnretainedValue()
    }

    /// Control side: installs `table`; the old one is retired until `epoch` is reached by all workers.
    func publish(_ table: SessionTable, nextEpoch epoch: UInt64) {
        retired.append((epoch, current))
        current = table
        pointer.store(UInt(bitPattern: Unmanaged.passUnretained(table).toOpaque()), ordering: .releasing)
    }

    /// Control side: releases retired tables every worker has moved past.
    func reclaim(observedByAll epoch: UInt64) {
        retired.removeAll { $0.replacedAtEpoch <= epoch }
    }
}
