// SPDX-License-Identifier: GPL-2.0-only
// What handling one control request produced: replies, notifications and connection changes.

import L2TPNetlink

/// What handling one request produced.
public struct ControlOutput: Sendable {
    /// Datagrams for the requester, in order.
    public var replies: [[UInt8]] = []
    /// Messages for subscribers of the `l2tp` multicast group.
    public var notifications: [[UInt8]] = []
    /// The errno of the request's failure, if it failed (for logs and config loading).
    public var error: NetlinkError?
    /// Changes to the requesting connection itself, which the daemon applies.
    public var connectionChanges: [ConnectionChange] = []

    public init() {}
}

/// What a netlink socket does with the kernel outside messages, asked for through the `l2tpd` family.
public enum ConnectionChange: Equatable, Sendable {
    /// Replies and notifications now carry this port id (the client's real netlink port).
    case setPort(UInt32)
    /// NETLINK_ADD_MEMBERSHIP of a multicast group.
    case join(group: UInt32)
    /// NETLINK_DROP_MEMBERSHIP.
    case leave(group: UInt32)
}

/// What trying a configuration file on the running daemon found.
public struct ConfigurationCheck: Sendable {
    /// How many errors; 0: a reload would apply the file.
    public var errors: Int
    /// A summary line, or one error per line.
    public var report: String

    public init(errors: Int, report: String) {
        self.errors = errors
        self.report = report
    }
}
