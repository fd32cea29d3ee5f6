// SPDX-License-Identifier: GPL-2.0-only
// One request of a reload plan: a command, its attributes, and why it is made.

import L2TPNetlink

/// One request of a reload, in the order to apply.
public struct PlannedRequest: Equatable, Sendable, CustomStringConvertible {
    /// tunnelDelete, sessionDelete, tunnelCreate, sessionCreate, tunnelModify or sessionModify.
    public var command: L2TPCommand
    /// Exactly what to send.
    public var attributes: L2TPAttributes
    /// For logs, e.g. "session 42/128 added (l2tpd.toml:12)", "session 42/128: peer_session_id changed: re-created (l2tpd.toml:12)".
    public var reason: String
    /// The config line it comes from; nil for the removal of something the file no longer names.
    public var line: Int?

    public init(command: L2TPCommand, attributes: L2TPAttributes, reason: String, line: Int? = nil) {
        self.command = command
        self.attributes = attributes
        self.reason = reason
        self.line = line
    }

    /// `L2TP_CMD_…: REASON`.
    public var description: String { "\(command.cName): \(reason)" }
}
