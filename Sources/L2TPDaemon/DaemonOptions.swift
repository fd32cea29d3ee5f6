// SPDX-License-Identifier: GPL-2.0-only
// The daemon's settings: flags win over the configuration file's [daemon] table, which wins over the
// defaults.

import Logging

/// Settings of one l2tpd instance.
public struct DaemonOptions: Sendable {
    /// Where clients connect. The corresponding flag is `--control-socket`.
    public var controlSocket = "/run/l2tpd/control.sock"
    /// Group allowed to connect (socket mode 0660); nil for root only (0600).
    public var controlGroup: String?
    /// Datapath threads; nil for one per CPU.
    public var workers: Int?
    public var logLevel: Logger.Level = .info
    /// `--log-level` was given: a reload does not change the level.
    public var logLevelFromFlag = false
    /// TAP offloads (virtio-net header, checksum, TSO, USO) with userspace segmentation and
    /// coalescing, UDP GSO and GRO on tunnel sockets. `--no-offloads` or `offloads = false` turn
    /// them off (frames then cross one by one).
    public var offloads = true
    /// The configuration file (`--config`), applied at start-up and on SIGHUP.
    public var configPath: String?

    public init() {}
}
