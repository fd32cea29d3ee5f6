// SPDX-License-Identifier: GPL-2.0-only
// The `l2tp` requests exactly as iproute2's ip/ipl2tp.c builds them, byte for byte.

/// Requests as `ip l2tp` (iproute2 ip/ipl2tp.c) sends them.
///
/// iproute2 builds each request with `GENL_REQUEST` (zeroed buffer, `nlmsg_pid` 0, genl version 1) and
/// `addattr8/16/32/64`, `addattr_l`, `addattr` (flag) and `addattrstrz`; changes go out with
/// `NLM_F_REQUEST | NLM_F_ACK` through `rtnl_talk`, dumps with `NLM_F_ROOT | NLM_F_MATCH | NLM_F_REQUEST`
/// through `rtnl_send`. Mandatory attributes are always written, with iproute2's defaults when the
/// caller leaves a field nil (0 for ids, UDP encap, PW_TYPE ETH, L2SPEC_TYPE DEFAULT with length 4).
public enum IPRouteRequest {
    /// `create_tunnel`: CONN_ID, PEER_CONN_ID, PROTO_VERSION (3), ENCAP_TYPE, IP_SADDR or IP6_SADDR (by
    /// the local address's family), IP_DADDR or IP6_DADDR (by the remote's), then for UDP encap
    /// UDP_SPORT, UDP_DPORT, [UDP_CSUM = 1 when `udpCsum` is non-zero], [UDP_ZERO_CSUM6_TX],
    /// [UDP_ZERO_CSUM6_RX]. The local address is `ip6Saddr ?? ipSaddr`, the remote `ip6Daddr ?? ipDaddr`;
    /// an absent address is left out (iproute2 refuses to send without one).
    public static func tunnelCreate(_ a: L2TPAttributes, familyID: UInt16, sequence: UInt32) -> [UInt8] {
        var r = L2TPAttributes()
        r.connID = a.connID ?? 0
        r.peerConnID = a.peerConnID ?? 0
        r.protoVersion = a.protoVersion ?? 3
        r.encapType = a.encapType ?? 0
        var order: [L2TPAttr] = [.connID, .peerConnID, .protoVersion, .encapType]
        if let local = a.ip6Saddr ?? a.ipSaddr {
            if local.isIPv6 { r.ip6Saddr = local; order.append(.ip6Saddr) } else { r.ipSaddr = local; order.append(.ipSaddr) }
        }
        if let peer = a.ip6Daddr ?? a.ipDaddr {
            if peer.isIPv6 { r.ip6Daddr = peer; order.append(.ip6Daddr) } else { r.ipDaddr = peer; order.append(.ipDaddr) }
        }
        if r.encapType == 0 {  // L2TP_ENCAPTYPE_UDP
            r.udpSport = a.udpSport ?? 0
            r.udpDport = a.udpDport ?? 0
            r.udpCsum = (a.udpCsum ?? 0) != 0 ? 1 : nil
            r.udpZeroCsum6Tx = a.udpZeroCsum6Tx
            r.udpZeroCsum6Rx = a.udpZeroCsum6Rx
            order += [.udpSport, .udpDport, .udpCsum, .udpZeroCsum6Tx, .udpZeroCsum6Rx]
        }
        return change(.tunnelCreate, r, order, familyID, sequence)
    }

    /// `delete_tunnel`: CONN_ID.
    public static func tunnelDelete(tunnelID: UInt32, familyID: UInt16, sequence: UInt32) -> [UInt8] {
        var r = L2TPAttributes()
        r.connID = tunnelID
        return change(.tunnelDelete, r, [.connID], familyID, sequence)
    }

    /// `create_session`: CONN_ID, PEER_CONN_ID, SESSION_ID, PEER_SESSION_ID, PW_TYPE (default ETH),
    /// L2SPEC_TYPE (default DEFAULT), L2SPEC_LEN (default 4 for DEFAULT, 0 for NONE),
    /// [RECV_SEQ = 1], [SEND_SEQ = 1] (when non-zero), [RECV_TIMEOUT] (when non-zero), [COOKIE],
    /// [PEER_COOKIE] (when non-empty), [IFNAME] (NUL-terminated, when set).
    public static func sessionCreate(_ a: L2TPAttributes, familyID: UInt16, sequence: UInt32) -> [UInt8] {
        var r = L2TPAttributes()
        r.connID = a.connID ?? 0
        r.peerConnID = a.peerConnID ?? 0
        r.sessionID = a.sessionID ?? 0
        r.peerSessionID = a.peerSessionID ?? 0
        r.pwType = a.pwType ?? 0x0005  // L2TP_PWTYPE_ETH, set by do_add
        r.l2specType = a.l2specType ?? 1  // L2TP_L2SPECTYPE_DEFAULT
        r.l2specLen = a.l2specLen ?? (r.l2specType == 1 ? 4 : 0)
        r.recvSeq = (a.recvSeq ?? 0) != 0 ? 1 : nil
        r.sendSeq = (a.sendSeq ?? 0) != 0 ? 1 : nil
        r.recvTimeout = (a.recvTimeout ?? 0) != 0 ? a.recvTimeout : nil
        r.cookie = a.cookie?.isEmpty == false ? a.cookie : nil
        r.peerCookie = a.peerCookie?.isEmpty == false ? a.peerCookie : nil
        r.ifname = a.ifname
        let order: [L2TPAttr] = [
            .connID, .peerConnID, .sessionID, .peerSessionID, .pwType, .l2specType, .l2specLen,
            .recvSeq, .sendSeq, .recvTimeout, .cookie, .peerCookie, .ifname,
        ]
        return change(.sessionCreate, r, order, familyID, sequence)
    }

    /// `delete_session`: CONN_ID, SESSION_ID.
    public static func sessionDelete(tunnelID: UInt32, sessionID: UInt32, familyID: UInt16, sequence: UInt32)
        -> [UInt8]
    {
        var r = L2TPAttributes()
        r.connID = tunnelID
        r.sessionID = sessionID
        return change(.sessionDelete, r, [.connID, .sessionID], familyID, sequence)
    }

    /// `get_tunnel`: a TUNNEL_GET dump, with CONN_ID only when the id is given and non-zero.
    public static func tunnelDump(tunnelID: UInt32?, familyID: UInt16, sequence: UInt32) -> [UInt8] {
        var r = L2TPAttributes()
        if let tunnelID, tunnelID != 0 { r.connID = tunnelID }
        return dump(.tunnelGet, r, [.connID], familyID, sequence)
    }

    /// `get_session`: a SESSION_GET dump, with CONN_ID and SESSION_ID only when both are non-zero.
    public static func sessionDump(tunnelID: UInt32?, sessionID: UInt32?, familyID: UInt16, sequence: UInt32)
        -> [UInt8]
    {
        var r = L2TPAttributes()
        if let tunnelID, let sessionID, tunnelID != 0, sessionID != 0 {
            r.connID = tunnelID
            r.sessionID = sessionID
        }
        return dump(.sessionGet, r, [.connID, .sessionID], familyID, sequence)
    }

    /// `NLM_F_REQUEST | NLM_F_ACK`, as `rtnl_talk` sends it.
    public static let changeFlags = NetlinkFlags.request | NetlinkFlags.ack
    /// `NLM_F_ROOT | NLM_F_MATCH | NLM_F_REQUEST`, as `get_tunnel` / `get_session` send it.
    public static let dumpFlags = NetlinkFlags.root | NetlinkFlags.match | NetlinkFlags.request

    private static func change(_ command: L2TPCommand, _ a: L2TPAttributes, _ order: [L2TPAttr],
                               _ familyID: UInt16, _ sequence: UInt32) -> [UInt8]
    {
        L2TPMessageCodec.encode(command: command, attributes: a, order: order, flags: changeFlags,
                                sequence: sequence, portID: 0, familyID: familyID)
    }

    private static func dump(_ command: L2TPCommand, _ a: L2TPAttributes, _ order: [L2TPAttr],
                             _ familyID: UInt16, _ sequence: UInt32) -> [UInt8]
    {
        L2TPMessageCodec.encode(command: command, attributes: a, order: order, flags: dumpFlags,
                                sequence: sequence, portID: 0, familyID: familyID)
    }
}
