// SPDX-License-Identifier: GPL-2.0-only
// TUNNEL_CREATE read as l2tp_nl_cmd_tunnel_create reads it: required attributes and their errnos in
// the kernel's order, defaults applied, attributes the tunnel ignores dropped. The one reading the
// control plane creates tunnels from and a configuration reload compares tunnels with.

#if canImport(Glibc)
import Glibc
#endif
import L2TPWire

/// What a TUNNEL_CREATE request means. Two requests that create the same tunnel are equal.
public struct TunnelCreateRequest: Equatable, Sendable {
    /// Where the tunnel's socket comes from.
    public enum Socket: Equatable, Sendable {
        /// L2TP_ATTR_FD: the program's own socket, passed with the request (a managed tunnel).
        case managed
        /// A socket the encapsulation opens (an unmanaged tunnel).
        case unmanaged(UnmanagedTunnelRequest)
    }

    /// L2TP_ATTR_CONN_ID.
    public var id: TunnelID
    /// L2TP_ATTR_PEER_CONN_ID.
    public var peerID: TunnelID
    public var version: ProtocolVersion
    public var encap: EncapType
    public var socket: Socket
    /// L2TP_ATTR_DEBUG; absent is 0. The only field TUNNEL_MODIFY changes.
    public var debug: UInt32

    /// Reads `a` in l2tp_nl_cmd_tunnel_create's order: CONN_ID, PEER_CONN_ID, PROTO_VERSION and
    /// ENCAP_TYPE present, then the socket (FD, or both addresses of a family: IPv6 wins when both
    /// pairs are given), then ENCAP_TYPE and PROTO_VERSION valid, then L2TPv2 over UDP only.
    /// UDP_CSUM counts by presence; ports only over UDP, UDP_CSUM only over IPv4, the ZERO_CSUM6
    /// flags only over IPv6.
    public init(_ a: L2TPAttributes) throws(NetlinkError) {
        guard let connID = a.connID else { throw .missing("L2TP_ATTR_CONN_ID") }
        guard let peerConnID = a.peerConnID else { throw .missing("L2TP_ATTR_PEER_CONN_ID") }
        guard let protoVersion = a.protoVersion else { throw .missing("L2TP_ATTR_PROTO_VERSION") }
        guard let encapType = a.encapType else { throw .missing("L2TP_ATTR_ENCAP_TYPE") }
        let pair: (local: IPAddress, peer: IPAddress)?
        if let s = a.ip6Saddr, let d = a.ip6Daddr {
            pair = (s, d)
        } else if let s = a.ipSaddr, let d = a.ipDaddr {
            pair = (s, d)
        } else {
            pair = nil
        }
        if a.fd == nil && pair == nil {
            throw NetlinkError(
                EINVAL,
                "an unmanaged tunnel needs L2TP_ATTR_IP_SADDR and L2TP_ATTR_IP_DADDR, or L2TP_ATTR_IP6_SADDR and L2TP_ATTR_IP6_DADDR")
        }
        guard let encap = EncapType(rawValue: encapType) else {
            throw NetlinkError(EINVAL, "L2TP_ATTR_ENCAP_TYPE \(encapType) is neither UDP (0) nor IP (1)")
        }
        guard let version = ProtocolVersion(rawValue: protoVersion) else {
            throw NetlinkError(EINVAL, "L2TP_ATTR_PROTO_VERSION \(protoVersion) is neither 2 nor 3")
        }
        if version == .v2 && encap == .ip {
            throw NetlinkError(EPROTONOSUPPORT, "L2TPv2 is carried over UDP only; IP encapsulation needs L2TPv3")
        }
        id = TunnelID(connID)
        peerID = TunnelID(peerConnID)
        self.version = version
        self.encap = encap
        debug = a.debug ?? 0
        if a.fd != nil || pair == nil {
            socket = .managed
            return
        }
        let (local, peer) = pair!
        let udp = encap == .udp
        let v6 = local.isIPv6
        socket = .unmanaged(
            UnmanagedTunnelRequest(
                local: local, peer: peer, localPort: udp ? a.udpSport ?? 0 : 0, peerPort: udp ? a.udpDport ?? 0 : 0,
                udpChecksum: udp && !v6 && a.udpCsum != nil, udp6ZeroChecksumTx: udp && v6 && a.udpZeroCsum6Tx,
                udp6ZeroChecksumRx: udp && v6 && a.udpZeroCsum6Rx))
    }

    /// The attributes of a TUNNEL_CREATE that means this request (a managed tunnel's FD is 0: the
    /// descriptor travels beside the message).
    public var attributes: L2TPAttributes {
        var a = L2TPAttributes()
        a.connID = id.rawValue
        a.peerConnID = peerID.rawValue
        a.protoVersion = version.rawValue
        a.encapType = encap.rawValue
        if debug != 0 { a.debug = debug }
        switch socket {
        case .managed:
            a.fd = 0
        case .unmanaged(let r):
            if r.local.isIPv6 {
                a.ip6Saddr = r.local
                a.ip6Daddr = r.peer
            } else {
                a.ipSaddr = r.local
                a.ipDaddr = r.peer
            }
            if encap == .udp {
                a.udpSport = r.localPort
                a.udpDport = r.peerPort
                if r.udpChecksum { a.udpCsum = 1 }
                a.udpZeroCsum6Tx = r.udp6ZeroChecksumTx
                a.udpZeroCsum6Rx = r.udp6ZeroChecksumRx
            }
        }
        return a
    }
}

extension NetlinkError {
    /// A required attribute is absent: EINVAL, as genetlink's and l2tp_netlink.c's checks answer.
    public static func missing(_ attribute: String) -> NetlinkError {
        NetlinkError(EINVAL, "missing \(attribute)")
    }
}
