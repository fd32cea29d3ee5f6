// SPDX-License-Identifier: GPL-2.0-only
// Who sent a control request, and what it may do.

import Glibc

/// Who sent a request, as the control socket learned it from SO_PEERCRED.
public struct Requester: Sendable {
    /// The port id replies carry (assigned per connection, or the request's nlmsg_pid).
    public var portID: UInt32
    public var pid: Int32
    public var uid: UInt32
    /// CAP_NET_ADMIN in the daemon's network namespace (the kernel's GENL_UNS_ADMIN_PERM test).
    public var hasNetAdmin: Bool
    /// Identifies the control connection; managed tunnels belong to the connection that created them
    /// and close with it. 0 is the daemon itself.
    public var connectionID: UInt64

    public init(portID: UInt32, pid: Int32 = 0, uid: UInt32 = 0, hasNetAdmin: Bool, connectionID: UInt64 = 0) {
        self.portID = portID
        self.pid = pid
        self.uid = uid
        self.hasNetAdmin = hasNetAdmin
        self.connectionID = connectionID
    }

    /// The daemon itself (config file, reloads): always privileged.
    public static let daemon = Requester(portID: 0, pid: getpid(), uid: getuid(), hasNetAdmin: true)
}
