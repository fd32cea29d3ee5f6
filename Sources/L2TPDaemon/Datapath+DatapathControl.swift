// SPDX-License-Identifier: GPL-2.0-only
// The datapath seen through the control plane's DatapathControl interface.

import L2TPControl
import L2TPDatapath

extension Datapath: DatapathControl {
    public var debugDescription: String {
        "DATAPATH workers \(workerCount) unknown_session \(counters.unknownSession.load(ordering: .relaxed))"
            + " control_without_owner \(counters.controlWithoutOwner.load(ordering: .relaxed))"
            + " malformed \(counters.malformed.load(ordering: .relaxed))"
            + " socket_errors \(counters.socketErrors.load(ordering: .relaxed))\n"
    }
}
