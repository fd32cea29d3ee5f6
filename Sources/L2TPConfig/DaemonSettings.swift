// SPDX-License-Identifier: GPL-2.0-only
// The [daemon] table of the configuration file: settings that command-line flags override.

/// The `[daemon]` table. A nil field was not given in the file; the daemon then uses its flag or default.
public struct DaemonSettings: Equatable, Sendable {
    /// `control_socket`: absolute path of the control socket (at most 107 bytes, the size of `sun_path`).
    public var controlSocket: String?
    /// `control_group`: group allowed to use the control socket (mode 0660); nil means root only.
    /// A name or a numeric gid, not resolved here.
    public var controlGroup: String?
    /// `log_level`: one of `DaemonSettings.logLevels`.
    public var logLevel: String?
    /// `workers`: datapath threads, 1...256; nil means one per CPU.
    public var workers: Int?
    /// `offloads`: TAP offloads with userspace segmentation/coalescing and UDP GSO/GRO; nil means on.
    public var offloads: Bool?

    /// The accepted `log_level` values, the swift-log level names from most to least verbose.
    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    public init(
        controlSocket: String? = nil, controlGroup: String? = nil, logLevel: String? = nil, workers: Int? = nil,
        offloads: Bool? = nil
    ) {
        self.controlSocket = controlSocket
        self.controlGroup = controlGroup
        self.logLevel = logLevel
        self.workers = workers
        self.offloads = offloads
    }
}
