// SPDX-License-Identifier: GPL-2.0-only
// A tunnel's creation attributes reduced to what the datapath acts on, for comparison across reloads.

import L2TPNetlink
import L2TPWire

/// What a TUNNEL_CREATE request means, with absent attributes replaced by their defaults and
/// attributes the tunnel ignores dropped, so two requests that create the same tunnel compare equal.
struct TunnelShape: Equatable {
    var peerConnID: UInt32?
    var version: UInt8?
    var encap: UInt16?
    /// IP6_SADDR/IP6_DADDR when both are present (TUNNEL_CREATE prefers them), else IP_SADDR/IP_DADDR.
    var local: IPAddress?
    var remote: IPAddress?
    /// 0 unless UDP.
    var sport: UInt16 = 0
    var dport: UInt16 = 0
    /// IPv4 UDP: UDP_CSUM present.
    var udpCsum = false
    /// IPv6 UDP: the ZERO_CSUM6 flags.
    var zeroCsum6Tx = false
    var zeroCsum6Rx = false
    /// Modifiable; absent = 0.
    var debug: UInt32 = 0

    init(_ a: L2TPAttributes) {
        peerConnID = a.peerConnID
        version = a.protoVersion
        encap = a.encapType
        if let s = a.ip6Saddr, let d = a.ip6Daddr {
            local = s
            remote = d
        } else {
            local = a.ipSaddr
            remote = a.ipDaddr
        }
        if encap == EncapType.udp.rawValue {
            sport = a.udpSport ?? 0
            dport = a.udpDport ?? 0
            if local?.isIPv6 == true {
                zeroCsum6Tx = a.udpZeroCsum6Tx
                zeroCsum6Rx = a.udpZeroCsum6Rx
            } else {
                udpCsum = a.udpCsum != nil
            }
        }
        debug = a.debug ?? 0
    }

    /// The config keys of the fields, other than DEBUG, that differ: those need a new tunnel.
    func differences(from other: TunnelShape) -> [String] {
        var keys: [String] = []
        if peerConnID != other.peerConnID { keys.append("peer_tunnel_id") }
        if version != other.version { keys.append("version") }
        if encap != other.encap { keys.append("encap") }
        if local != other.local { keys.append("local") }
        if remote != other.remote { keys.append("remote") }
        if sport != other.sport { keys.append("udp_sport") }
        if dport != other.dport { keys.append("udp_dport") }
        if udpCsum != other.udpCsum { keys.append("udp_csum") }
        if zeroCsum6Tx != other.zeroCsum6Tx { keys.append("udp6_csum_tx") }
        if zeroCsum6Rx != other.zeroCsum6Rx { keys.append("udp6_csum_rx") }
        return keys
    }
}
