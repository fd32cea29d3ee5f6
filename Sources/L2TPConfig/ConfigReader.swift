// SPDX-License-Identifier: GPL-2.0-only
// Walks a parsed TOML document against the l2tpd schema, collecting every error and lowering what is valid.

import L2TPNetlink
import L2TPWire
import TOMLKit

/// Checks one parsed document and lowers it to a `Configuration`.
///
/// 1. The root may hold `[daemon]` (a table) and `[[tunnel]]` (an array of tables); anything else is
///    an unknown key or table.
/// 2. Each table is read key by key (`TableReader`): unknown keys, types, ranges, required keys and
///    the rules between keys of one tunnel or session (`+Tunnel`, `+Session`, `+Daemon`).
/// 3. The tunnels are then checked against each other (`+Uniqueness`): ids, session ids under the
///    kernel's scoping rules, interface names.
/// The result is meaningful only when `diagnostics` holds no errors afterwards.
struct ConfigReader {
    let diagnostics: Diagnostics

    /// What was read of one `[[tunnel]]`, valid or not, for the checks between tunnels.
    struct ParsedTunnel {
        var path: ConfigPath
        /// Nil when missing or invalid.
        var id: UInt32?
        /// `version`, 3 when missing or invalid.
        var version: ProtocolVersion
        /// Nil when invalid.
        var encap: EncapType?
        var create: L2TPAttributes
        var sessions: [ParsedSession]
    }

    /// What was read of one `[[tunnel.session]]`.
    struct ParsedSession {
        var path: ConfigPath
        /// Nil when missing or invalid.
        var id: UInt32?
        /// `name`, when given and valid.
        var name: String?
        var create: L2TPAttributes
    }

    /// Reads the whole document; see the type's documentation.
    func read(_ root: TOMLTable) -> Configuration {
        let reader = TableReader(table: root, path: .root, name: "the top level", diagnostics: diagnostics)
        reader.reportUnknownKeys(
            allowed: ConfigSchema.rootKeys, display: ["daemon": "[daemon]", "tunnel": "[[tunnel]]"],
            hint: Self.rootHint)
        let daemon = readDaemon(reader)
        let tunnels = readTunnels(reader)
        checkUniqueness(tunnels)
        return Configuration(
            path: diagnostics.file, daemon: daemon,
            tunnels: tunnels.map { t in
                TunnelEntry(
                    line: diagnostics.line(of: t.path), create: t.create,
                    sessions: t.sessions.map { SessionEntry(line: diagnostics.line(of: $0.path), create: $0.create) })
            })
    }

    /// Explains a key of a tunnel, a session or `[daemon]` written at the top level.
    static func rootHint(_ key: String) -> String? {
        if ConfigSchema.daemonKeys.contains(key) { return "daemon settings belong below a [daemon] header" }
        if ConfigSchema.tunnelKeys.contains(key) { return "tunnel keys belong below a [[tunnel]] header" }
        if ConfigSchema.sessionKeys.contains(key) { return "session keys belong below a [[tunnel.session]] header" }
        return nil
    }

    /// The tables of an array of tables at `path` (`[[tunnel]]`, `[[tunnel.session]]`), with their
    /// paths; reports a table written as `[name]` instead, another type, or elements that are not tables.
    func arrayOfTables(
        _ value: TOMLValueConvertible, in reader: TableReader, key: String, header: String, what: String
    )
        -> [(TOMLTable, ConfigPath)]
    {
        let path = reader.path.appending(key)
        if value.type == .table {
            reader.report(
                key, "\(header.dropFirst().dropLast()) must be written \(header) (an array of tables, one per \(what))")
            return []
        }
        guard value.type == .array, let array = value.array else {
            reader.report(key, "expected an array of tables (\(header)), found \(TableReader.describe(value))")
            return []
        }
        var tables: [(TOMLTable, ConfigPath)] = []
        for i in 0..<array.count {
            let element = array[i]
            let elementPath = path.appending(index: i)
            if element.type == .table, let table = element.table {
                tables.append((table, elementPath))
            } else {
                diagnostics.report(
                    elementPath, key: key,
                    "expected a table for each \(what) (\(header) or { ... }), found \(TableReader.describe(element))")
            }
        }
        return tables
    }
}
