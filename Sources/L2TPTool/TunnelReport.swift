// SPDX-License-Identifier: GPL-2.0-only
// One tunnel of a `show tunnel` dump, read from its reply attributes and printed as ip/ipl2tp.c's
// print_tunnel does.

import L2TPNetlink
import L2TPWire

/// A tunnel as `l2tp show tunnel` prints it.
///
/// Read like iproute2's get_response, but from this message alone: iproute2 reuses one struct for a
/// whole dump, so an attribute missing from one reply would show the previous object's value. l2tpd
/// always sends the attributes printed here, so that leak is not reproduced.
struct TunnelReport: Equatable {
    var tunnelID: UInt32
    var peerTunnelID: UInt32
    /// The raw `L2TP_ATTR_ENCAP_TYPE` (UDP when absent, as the memset default is 0).
    var encap: UInt16
    /// From IP_SADDR, else IP6_SADDR; with neither, iproute2 falls through to AF_INET6 and prints "::".
    var local: IPAddress
    var peer: IPAddress
    var localPort: UInt16
    var peerPort: UInt16
    var udpCsum: Bool
    var udp6CsumTx: Bool
    var udp6CsumRx: Bool
    var stats: L2TPStats?

    private static let unspecified6 = IPAddress.v6([UInt8](repeating: 0, count: 16))

    init(_ a: L2TPAttributes) {
        tunnelID = a.connID ?? 0
        peerTunnelID = a.peerConnID ?? 0
        encap = a.encapType ?? EncapType.udp.rawValue
        local = a.ipSaddr ?? a.ip6Saddr ?? Self.unspecified6
        peer = a.ipDaddr ?? a.ip6Daddr ?? Self.unspecified6
        localPort = a.udpSport ?? 0
        peerPort = a.udpDport ?? 0
        udpCsum = (a.udpCsum ?? 0) != 0
        udp6CsumTx = !a.udpZeroCsum6Tx
        udp6CsumRx = !a.udpZeroCsum6Rx
        stats = a.stats
    }

    private var encapName: String {
        switch encap {
        case EncapType.udp.rawValue: "UDP"
        case EncapType.ip.rawValue: "IP"
        default: "??"
        }
    }

    /// print_tunnel, then (with `-s`) the counters.
    func print(to out: inout ListingPrinter, statistics: Bool, event: String? = nil) {
        out.openObject()
        if let event { out.print(.json, key: "event", "", .string(event)) }
        out.print(.any, key: "tunnel_id", "Tunnel \(tunnelID),", .unsigned(UInt64(tunnelID)))
        out.print(.any, key: "encap", " encap \(encapName)", .string(encapName))
        out.newline()

        out.print(.any, key: "local", "  From \(local) ", .string(local.description))
        out.print(.any, key: "peer", "to \(peer)", .string(peer.description))
        out.newline()

        out.print(.any, key: "peer_tunnel", "  Peer tunnel \(peerTunnelID)", .unsigned(UInt64(peerTunnelID)))
        out.newline()

        if encap == EncapType.udp.rawValue {
            out.printText("  UDP source / dest ports:")
            out.print(.any, key: "local_port", " \(localPort)", .unsigned(UInt64(localPort)))
            out.print(.any, key: "peer_port", "/\(peerPort)", .unsigned(UInt64(peerPort)))
            out.newline()

            if local.isIPv6 {
                if out.isJSON {
                    out.print(.json, key: "checksum_tx", "", .bool(udp6CsumTx))
                    out.print(.json, key: "checksum_rx", "", .bool(udp6CsumRx))
                } else {
                    let state: String =
                        switch (udp6CsumTx, udp6CsumRx) {
                        case (true, true): "enabled"
                        case (true, false): "tx"
                        case (false, true): "rx"
                        case (false, false): "disabled"
                        }
                    out.printText("  UDP checksum: \(state)\n")
                }
            } else {
                out.print(.json, key: "checksum", "", .bool(udpCsum))
                out.printText("  UDP checksum: \(udpCsum ? "enabled" : "disabled")\n")
            }
        }
        if statistics {
            (stats ?? L2TPStats()).print(to: &out)
        }
        out.closeObject()
    }
}
