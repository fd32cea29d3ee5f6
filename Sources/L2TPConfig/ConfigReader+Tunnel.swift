// SPDX-License-Identifier: GPL-2.0-only
// Reading one [[tunnel]] table and lowering it to the attributes of its TUNNEL_CREATE request.

import L2TPNetlink
import L2TPWire
import TOMLKit

extension ConfigReader {
    /// Every `[[tunnel]]`, in file order.
    func readTunnels(_ root: TableReader) -> [ParsedTunnel] {
        guard let value = root.value("tunnel") else { return [] }
        return arrayOfTables(value, in: root, key: "tunnel", header: "[[tunnel]]", what: "tunnel")
            .map { readTunnel($0.0, at: $0.1) }
    }

    /// One `[[tunnel]]` with its sessions.
    ///
    /// Lowered as iproute2's `ip l2tp add tunnel` would send the same options: CONN_ID, PEER_CONN_ID,
    /// PROTO_VERSION, ENCAP_TYPE, IP_SADDR/IP_DADDR or IP6_SADDR/IP6_DADDR; for encap "udp" UDP_SPORT,
    /// UDP_DPORT, UDP_CSUM = 1 when on (IPv4), the ZERO_CSUM6 flags when off (IPv6); DEBUG if written.
    func readTunnel(_ table: TOMLTable, at path: ConfigPath) -> ParsedTunnel {
        let r = TableReader(table: table, path: path, name: "[[tunnel]]", diagnostics: diagnostics)
        r.reportUnknownKeys(allowed: ConfigSchema.tunnelKeys, display: ["session": "[[tunnel.session]]"]) { key in
            ConfigSchema.sessionKeys.contains(key) && key != "debug"
                ? "session keys belong in a [[tunnel.session]] table below the tunnel" : nil
        }
        var a = L2TPAttributes()

        let version: ProtocolVersion
        switch r.integer("version", 2...3, allowed: "version is 3 (L2TPv3, the default) or 2 (L2TPv2, over UDP only)") {
        case 2: version = .v2
        default: version = .v3
        }
        a.protoVersion = version.rawValue

        let v2 = version == .v2
        let idRange = v2 ? 1...Int(UInt16.max) : 1...Int(UInt32.max)
        let range = "\(idRange.lowerBound)...\(idRange.upperBound)"
        let article = v2 ? "an L2TPv2" : "a"
        var id: UInt32?
        if r.require("tunnel_id", "every [[tunnel]] needs tunnel_id (\(range))") {
            id = r.integer("tunnel_id", idRange, allowed: "\(article) tunnel id is \(range)").map { UInt32($0) }
        }
        a.connID = id
        if r.require("peer_tunnel_id", "every [[tunnel]] needs peer_tunnel_id (\(range)), the peer's id of this tunnel") {
            let words = "\(article) peer tunnel id is \(range)"
            a.peerConnID = r.integer("peer_tunnel_id", idRange, allowed: words).map { UInt32($0) }
        }

        var encap: EncapType? = .udp
        if r.has("encap") {
            switch r.choice("encap", ["udp", "ip"]) {
            case "udp": encap = .udp
            case "ip": encap = .ip
            default: encap = nil
            }
        }
        if encap == .ip && version == .v2 {
            r.report("encap", "\"ip\" needs version 3; L2TPv2 (version 2) runs over UDP only")
        }
        a.encapType = encap?.rawValue

        let ipv6 = readAddresses(r, into: &a)

        switch encap {
        case .ip:
            for key in ["udp_sport", "udp_dport", "udp_csum", "udp6_csum_tx", "udp6_csum_rx"] where r.has(key) {
                r.report(key, "only for encap \"udp\"; this tunnel uses encap \"ip\"")
            }
        case .udp:
            readUDP(r, ipv6: ipv6, into: &a)
        case nil:
            break
        }

        if r.has("debug") {
            let words = "debug is a u32 of L2TP_ATTR_DEBUG flags, 0...4294967295"
            a.debug = r.integer("debug", 0...Int(UInt32.max), allowed: words).map { UInt32($0) }
        }

        var tunnel = ParsedTunnel(path: path, id: id, version: version, encap: encap, create: a, sessions: [])
        if let value = r.value("session") {
            tunnel.sessions = arrayOfTables(value, in: r, key: "session", header: "[[tunnel.session]]", what: "session")
                .map { readSession($0.0, at: $0.1, of: tunnel) }
        }
        return tunnel
    }

    /// `local` and `remote` into IP_SADDR/IP_DADDR or IP6_SADDR/IP6_DADDR. Returns whether the tunnel
    /// is IPv6, nil when that is not known (an address is missing or invalid, or the families differ).
    private func readAddresses(_ r: TableReader, into a: inout L2TPAttributes) -> Bool? {
        let need = "every [[tunnel]] needs local and remote (IPv4 or IPv6 addresses of the same family)"
        var addresses: [IPAddress?] = []
        for key in ["local", "remote"] {
            guard r.require(key, need), let text = r.string(key, allowed: "\(key) is an IPv4 or IPv6 address") else {
                addresses.append(nil)
                continue
            }
            guard let address = IPAddress(text) else {
                r.report(key, "\(Diagnostics.quoted(text)) is not an IPv4 or IPv6 address")
                addresses.append(nil)
                continue
            }
            addresses.append(address)
        }
        guard let local = addresses[0], let remote = addresses[1] else { return nil }
        guard local.isIPv6 == remote.isIPv6 else {
            r.report(
                "remote",
                "\(remote) is \(local.isIPv6 ? "IPv4" : "IPv6") but local \(local) is \(local.isIPv6 ? "IPv6" : "IPv4"); "
                    + "local and remote must be of the same family")
            return nil
        }
        if local.isIPv6 {
            a.ip6Saddr = local
            a.ip6Daddr = remote
        } else {
            a.ipSaddr = local
            a.ipDaddr = remote
        }
        return local.isIPv6
    }

    /// The ports and checksum options of an encap "udp" tunnel.
    private func readUDP(_ r: TableReader, ipv6: Bool?, into a: inout L2TPAttributes) {
        let need = "a tunnel with encap \"udp\" needs udp_sport and udp_dport (1...65535)"
        if r.require("udp_sport", need) {
            a.udpSport = r.integer("udp_sport", 1...65535, allowed: "a UDP port is 1...65535").map { UInt16($0) }
        }
        if r.require("udp_dport", need) {
            a.udpDport = r.integer("udp_dport", 1...65535, allowed: "a UDP port is 1...65535").map { UInt16($0) }
        }
        if ipv6 == true && r.has("udp_csum") {
            r.report("udp_csum", "only for IPv4 tunnels; IPv6 tunnels use udp6_csum_tx and udp6_csum_rx")
        } else if r.boolean("udp_csum") == true {
            a.udpCsum = 1
        }
        for key in ["udp6_csum_tx", "udp6_csum_rx"] {
            if ipv6 == false && r.has(key) {
                r.report(key, "only for IPv6 tunnels; IPv4 tunnels use udp_csum")
            } else if r.boolean(key) == false {
                if key == "udp6_csum_tx" { a.udpZeroCsum6Tx = true } else { a.udpZeroCsum6Rx = true }
            }
        }
        if ipv6 != true {
            // Flags only an IPv6 socket honours; never sent for IPv4 (or an unknown family).
            a.udpZeroCsum6Tx = false
            a.udpZeroCsum6Rx = false
        }
    }
}
