// SPDX-License-Identifier: GPL-2.0-only
// The interface of everything a datapath worker polls: a descriptor and what to do when it is readable.

import L2TPSystem

/// A readable descriptor and its handling. Called only on the owning worker's thread.
protocol WorkerHandler: AnyObject {
    var fd: FileDescriptor { get }
    /// Processes what is readable, in batches, without blocking on reads.
    func readable(_ worker: Worker)
}
