// SPDX-License-Identifier: GPL-2.0-only
// The interface of everything a datapath worker polls: a descriptor and what to do when it is readable.

/// A readable descriptor and its handling. `readable` is called only on the owning worker's thread.
protocol WorkerHandler: AnyObject {
    /// The descriptor polled for readability.
    var pollDescriptor: Int32 { get }
    /// Processes what is readable, in batches, without blocking on reads.
    func readable(_ worker: Worker)
}
