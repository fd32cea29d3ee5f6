// SPDX-License-Identifier: GPL-2.0-only
// Reading the [daemon] table: control socket, its group, log level, datapath threads and offloads.

import TOMLKit

extension ConfigReader {
    /// The `[daemon]` table; all nil when it is absent or not a table.
    func readDaemon(_ root: TableReader) -> DaemonSettings {
        var settings = DaemonSettings()
        guard let value = root.value("daemon") else { return settings }
        guard value.type == .table, let table = value.table else {
            if TableReader.header(of: value, at: root.path.appending("daemon")) == "[[daemon]]" {
                root.report("daemon", "[[daemon]] must be written [daemon] (a single table)")
            } else {
                root.report("daemon", "expected a table ([daemon]), found \(TableReader.describe(value))")
            }
            return settings
        }
        let r = TableReader(
            table: table, path: root.path.appending("daemon"), name: "[daemon]", diagnostics: diagnostics)
        r.reportUnknownKeys(allowed: ConfigSchema.daemonKeys) { key in
            ConfigSchema.tunnelKeys.contains(key) || ConfigSchema.sessionKeys.contains(key)
                ? "tunnels and sessions are written as [[tunnel]] and [[tunnel.session]] tables" : nil
        }

        let socketRule = "control_socket is an absolute path of at most 107 bytes"
        if let path = r.string("control_socket", allowed: socketRule) {
            if !path.hasPrefix("/") {
                r.report("control_socket", "\(Diagnostics.quoted(path)) is not an absolute path; \(socketRule)")
            } else if path.utf8.count > 107 {
                r.report("control_socket", "the path is \(path.utf8.count) bytes; \(socketRule) (the size of sun_path)")
            } else {
                settings.controlSocket = path
            }
        }

        let groupRule = "control_group is a group name or a numeric group id"
        if let group = r.string("control_group", allowed: groupRule) {
            if group.isEmpty
                || group.unicodeScalars.contains(where: {
                    $0 == ":" || $0 == "/" || $0.value <= 0x20 || $0.value == 0x7F
                })
            {
                r.report("control_group", "\(Diagnostics.quoted(group)) is not a group name; \(groupRule)")
            } else {
                settings.controlGroup = group
            }
        }

        settings.logLevel = r.choice("log_level", DaemonSettings.logLevels)
        settings.workers = r.integer(
            "workers", 1...256, allowed: "workers is 1...256 datapath threads (leave it out for one per CPU)")
        settings.offloads = r.boolean("offloads")
        return settings
    }
}
