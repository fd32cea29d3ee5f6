// SPDX-License-Identifier: GPL-2.0-only
// A whole configuration file, validated and lowered to typed netlink requests.

/// A validated configuration file: daemon settings and the tunnels (with their sessions) to create.
public struct Configuration: Equatable, Sendable {
    /// The file, as given to `ConfigLoader`; errors and reload reasons name it.
    public var path: String
    /// The `[daemon]` table (all nil when absent).
    public var daemon: DaemonSettings
    /// The `[[tunnel]]` tables, in file order.
    public var tunnels: [TunnelEntry]

    public init(path: String, daemon: DaemonSettings = DaemonSettings(), tunnels: [TunnelEntry] = []) {
        self.path = path
        self.daemon = daemon
        self.tunnels = tunnels
    }
}
