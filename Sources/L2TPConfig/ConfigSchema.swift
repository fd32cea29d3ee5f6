// SPDX-License-Identifier: GPL-2.0-only
// The tables and keys a configuration file may hold, and the hints given for keys it may not.

/// The names the file may use, in the order error messages list them.
enum ConfigSchema {
    /// Members of the root table.
    static let rootKeys = ["daemon", "tunnel"]
    /// Keys of `[daemon]`.
    static let daemonKeys = ["control_socket", "control_group", "log_level", "workers", "offloads"]
    /// Keys of a `[[tunnel]]`, `session` (its sessions) included.
    static let tunnelKeys = [
        "tunnel_id", "peer_tunnel_id", "version", "encap", "local", "remote", "udp_sport", "udp_dport",
        "udp_csum", "udp6_csum_tx", "udp6_csum_rx", "debug", "session",
    ]
    /// Keys of a `[[tunnel.session]]`.
    static let sessionKeys = [
        "session_id", "peer_session_id", "pseudowire", "name", "cookie", "peer_cookie", "l2spec_type", "seq",
        "lns_mode", "reorder_timeout", "debug",
    ]

    /// iproute2's abbreviations and other likely names, with the key meant.
    static let aliases: [String: String] = [
        "tid": "tunnel_id", "ptid": "peer_tunnel_id", "sid": "session_id", "psid": "peer_session_id",
        "peer": "remote", "peer_tunnel": "peer_tunnel_id", "peer_session": "peer_session_id",
        "ifname": "name", "interface": "name", "l2spec": "l2spec_type", "encapsulation": "encap",
        "pw_type": "pseudowire", "pwtype": "pseudowire", "reorder": "reorder_timeout",
        "recv_timeout": "reorder_timeout", "socket": "control_socket", "group": "control_group",
        "loglevel": "log_level", "threads": "workers", "sessions": "session", "tunnels": "tunnel",
        "protocol_version": "version", "proto_version": "version", "sequence": "seq", "sequencing": "seq",
    ]

    /// The key most likely meant by `key` among `allowed`: the same name in lower case, an alias, a name
    /// it begins (at least 3 characters), or the nearest name within an edit distance of a third of
    /// its length (at least 1, at most 3).
    static func suggestion(for key: String, among allowed: [String]) -> String? {
        let lowered = key.lowercased()
        if allowed.contains(lowered) { return lowered }
        if let alias = aliases[lowered], allowed.contains(alias) { return alias }
        if lowered.count >= 3, let longer = allowed.first(where: { $0.hasPrefix(lowered) }) { return longer }
        let limit = min(3, max(1, lowered.count / 3))
        var best: (name: String, distance: Int)?
        for name in allowed {
            let d = editDistance(lowered, name)
            if d <= limit && d < (best?.distance ?? Int.max) { best = (name, d) }
        }
        return best?.name
    }

    /// Edit distance over characters counting insertions, deletions, substitutions and swaps of
    /// two neighbours as one edit each (optimal string alignment), so "sned" is 1 from "send".
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
