// SPDX-License-Identifier: GPL-2.0-only
// Names devices from the kernel's template `l2tpeth%d` as register_netdevice does — the lowest index
// no interface has — without asking the kernel to: dev_alloc_name formats and parses the name of every
// device in the namespace for each new one, which made creating 10,000 sessions quadratic (70% of the
// time in dev_prep_valid_name at 10,000 devices).

import Glibc
import Synchronization

/// Hands out `l2tpeth<N>` names. Thread-safe: devices are created on the control thread but may be
/// closed concurrently.
public final class InterfaceNamer: Sendable {
    public let prefix: String
    /// Whether an interface of that name exists that this namer did not name.
    private let existsElsewhere: @Sendable (String) -> Bool
    private struct State {
        /// Indices of devices this namer named that still exist.
        var ours: Set<Int> = []
        /// Every index below it is taken (by us, or by a device someone else named).
        var lowestCandidate = 0
    }
    private let state = Mutex(State())

    /// `existsElsewhere`: how to tell that a name is taken by another interface; by default, whether
    /// the kernel has an interface of that name (a dry run also counts the names it knows are free).
    public init(prefix: String = "l2tpeth", existsElsewhere: @escaping @Sendable (String) -> Bool = { if_nametoindex($0) != 0 }) {
        self.prefix = prefix
        self.existsElsewhere = existsElsewhere
    }

    /// Reserves the lowest index that neither this namer nor any existing interface uses.
    /// A device named by someone else is found with one lookup (`existsElsewhere`) per skipped index.
    public func reserve() -> (name: String, index: Int) {
        state.withLock { s in
            var i = s.lowestCandidate
            while s.ours.contains(i) || existsElsewhere(prefix + String(i)) { i += 1 }
            s.ours.insert(i)
            s.lowestCandidate = i + 1
            return (prefix + String(i), i)
        }
    }

    /// Makes `index` available again (its device is gone).
    public func release(_ index: Int) {
        state.withLock { s in
            s.ours.remove(index)
            s.lowestCandidate = min(s.lowestCandidate, index)
        }
    }
}
