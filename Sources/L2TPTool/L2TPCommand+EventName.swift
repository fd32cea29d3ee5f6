// SPDX-License-Identifier: GPL-2.0-only
// The names `l2tp monitor` prints for notifications.

import L2TPNetlink

extension L2TPCommand {
    /// The kernel's name for the command without the L2TP_CMD_ prefix, e.g. "TUNNEL_CREATE".
    var eventName: String { String(cName.dropFirst("L2TP_CMD_".count)) }
}
