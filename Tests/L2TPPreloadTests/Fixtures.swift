// SPDX-License-Identifier: GPL-2.0-only
// Netlink messages as real programs send them (captured), built the same way for other values, and by
// hand for malformed cases.

import L2TPNetlink
import L2TPTestSupport

/// Messages captured with `strace -xx -e trace=sendmsg,sendto` on Debian 12 (iproute2 6.1.0, libnl 3.7.0),
/// sequence numbers and ports as they were.
enum Captured {
    /// `ip l2tp show tunnel`: iproute2's `genl_resolve_family` (lib/libgenl.c). NLM_F_REQUEST only (rtnl_talk
    /// with an answer buffer), genl version 0, nlmsg_pid 0, CTRL_ATTR_FAMILY_NAME "l2tp".
    static let ipResolveL2TP = [UInt8](
        hex: "20000000 1000 0100 3668136b 00000000  03 00 0000  0900 0200 6c327470 00 000000")
    /// `genl ctrl get id 0x6c33` (iproute2 genl/ctrl.c): NLM_F_REQUEST | NLM_F_ACK, version 0,
    /// CTRL_ATTR_FAMILY_ID as a u16 (nla_len 6, padded).
    static let genlGetID = [UInt8](
        hex: "1c000000 1000 0500 3668136b 00000000  03 00 0000  0600 0100 336c 0000")
    /// `genl ctrl list`: a dump, NLM_F_REQUEST | NLM_F_ROOT | NLM_F_MATCH, version 0, no attribute.
    static let genlList = [UInt8](hex: "14000000 1000 0103 3668136b 00000000  03 00 0000")
    /// libnl's `genl_ctrl_resolve(sk, "l2tp")`: NLM_F_REQUEST | NLM_F_ACK, version 1, the socket's port.
    static let libnlResolveL2TP = [UInt8](
        hex: "20000000 1000 0500 3a68136b a950c07e  03 01 0000  0900 0200 6c327470 00 000000")
    /// libnl's `genl_ctrl_alloc_cache`: a dump, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP, version 1.
    static let libnlDump = [UInt8](hex: "14000000 1000 0503 3b68136b a950c07e  03 01 0000")

    static let sequence: UInt32 = 0x6b13_6836
    static let libnlSequence: UInt32 = 0x6b13_683a
    static let libnlPort: UInt32 = 0x7ec0_50a9
}

/// Builders of netlink bytes, in host byte order as netlink is.
enum Bytes {
    static func u16(_ v: UInt16) -> [UInt8] { withUnsafeBytes(of: v) { Array($0) } }
    static func u32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v) { Array($0) } }

    /// One attribute as `addattr_l` / `nla_put` write it: nla_len (4 + payload), nla_type, the payload,
    /// zero padding to 4 bytes. `length` overrides nla_len (for malformed attributes).
    static func attribute(_ type: UInt16, _ payload: [UInt8], length: UInt16? = nil) -> [UInt8] {
        let out = u16(length ?? UInt16(4 + payload.count)) + u16(type) + payload
        return out + [UInt8](repeating: 0, count: NetlinkHeader.align(out.count) - out.count)
    }

    /// nlmsghdr + genlmsghdr + `attributes` (already encoded). nlmsg_len is the total unless `length`
    /// is given.
    static func genl(type: UInt16, flags: UInt16, sequence: UInt32 = 1, portID: UInt32 = 0, command: UInt8,
                     version: UInt8, attributes: [UInt8] = [], length: UInt32? = nil) -> [UInt8]
    {
        u32(length ?? UInt32(20 + attributes.count)) + u16(type) + u16(flags) + u32(sequence) + u32(portID)
            + [command, version, 0, 0] + attributes
    }

    /// A NUL-terminated name, as `addattrstrz`, `addattr_l(..., strlen + 1)` and `nla_put_string` write it.
    static func name(_ s: String) -> [UInt8] { Array(s.utf8) + [0] }
}

/// nlctrl CTRL_CMD_GETFAMILY requests (type GENL_ID_CTRL, command 3) as each program builds them.
enum Lookup {
    static let getFamily = GenlControl.commandGetFamily
    static let nameAttr: UInt16 = 2  // CTRL_ATTR_FAMILY_NAME
    static let idAttr: UInt16 = 1  // CTRL_ATTR_FAMILY_ID

    /// iproute2's `genl_resolve_family` (`ip l2tp`, `ip -batch`), as captured in `Captured.ipResolveL2TP`.
    static func ipResolve(_ name: String, sequence: UInt32 = Captured.sequence) -> [UInt8] {
        Bytes.genl(type: NetlinkMessageType.genlControl, flags: NetlinkFlags.request, sequence: sequence,
                   command: getFamily, version: 0, attributes: Bytes.attribute(nameAttr, Bytes.name(name)))
    }

    /// `genl ctrl get name NAME`: NLM_F_REQUEST | NLM_F_ACK, version 0.
    static func genlGetName(_ name: String, sequence: UInt32 = Captured.sequence) -> [UInt8] {
        Bytes.genl(type: NetlinkMessageType.genlControl, flags: NetlinkFlags.request | NetlinkFlags.ack,
                   sequence: sequence, command: getFamily, version: 0,
                   attributes: Bytes.attribute(nameAttr, Bytes.name(name)))
    }

    /// `genl ctrl get id ID`, as captured in `Captured.genlGetID`.
    static func genlGetID(_ id: UInt16, sequence: UInt32 = Captured.sequence) -> [UInt8] {
        Bytes.genl(type: NetlinkMessageType.genlControl, flags: NetlinkFlags.request | NetlinkFlags.ack,
                   sequence: sequence, command: getFamily, version: 0,
                   attributes: Bytes.attribute(idAttr, Bytes.u16(id)))
    }

    /// libnl's `genl_ctrl_resolve`: L2TPNetlink's own encoder, which builds it with libnl.
    static func libnlResolve(_ name: String) -> [UInt8] {
        GenlControl.getFamilyRequest(name: name, sequence: Captured.libnlSequence, portID: Captured.libnlPort)
    }

    /// A GETFAMILY with the given attributes, flags and command, built by hand.
    static func custom(_ attributes: [UInt8], flags: UInt16 = NetlinkFlags.request | NetlinkFlags.ack,
                       command: UInt8 = GenlControl.commandGetFamily, length: UInt32? = nil) -> [UInt8]
    {
        Bytes.genl(type: NetlinkMessageType.genlControl, flags: flags, command: command, version: 1,
                   attributes: attributes, length: length)
    }
}

/// The ways a program asks nlctrl for a family by name.
enum NameLookup: String, CaseIterable, CustomStringConvertible {
    case ipResolve = "iproute2 genl_resolve_family"
    case genlGetName = "genl ctrl get name"
    case libnl = "libnl genl_ctrl_resolve"

    func request(_ name: String) -> [UInt8] {
        switch self {
        case .ipResolve: Lookup.ipResolve(name)
        case .genlGetName: Lookup.genlGetName(name)
        case .libnl: Lookup.libnlResolve(name)
        }
    }

    var description: String { rawValue }
}

/// `l2tp` family requests.
enum L2TPRequest {
    /// `ip l2tp show tunnel`: a TUNNEL_GET dump as iproute2 sends it.
    static func tunnelDump(sequence: UInt32 = 2) -> [UInt8] {
        IPRouteRequest.tunnelDump(tunnelID: nil, familyID: L2TPGenl.familyID, sequence: sequence)
    }

    /// A TUNNEL_CREATE of a managed tunnel (the program's own UDP socket in L2TP_ATTR_FD), in the order an
    /// L2TP control daemon writes it: CONN_ID, PEER_CONN_ID, PROTO_VERSION, ENCAP_TYPE, FD.
    static func managedTunnelCreate(fd: UInt32, command: L2TPCommand = .tunnelCreate,
                                    familyID: UInt16 = L2TPGenl.familyID) -> [UInt8]
    {
        var a = L2TPAttributes()
        a.connID = 10
        a.peerConnID = 20
        a.protoVersion = 3
        a.encapType = 0
        a.fd = fd
        return L2TPMessageCodec.encode(command: command, attributes: a,
                                       order: [.connID, .peerConnID, .protoVersion, .encapType, .fd],
                                       flags: NetlinkFlags.request | NetlinkFlags.ack, sequence: 3,
                                       portID: 0x1234, familyID: familyID)
    }

    /// The same TUNNEL_CREATE by hand, with `attributes` already encoded (for malformed cases).
    static func custom(_ attributes: [UInt8], command: UInt8 = L2TPCommand.tunnelCreate.rawValue,
                       type: UInt16 = L2TPGenl.familyID, length: UInt32? = nil) -> [UInt8]
    {
        Bytes.genl(type: type, flags: NetlinkFlags.request | NetlinkFlags.ack, sequence: 3, command: command,
                   version: L2TPGenl.version, attributes: attributes, length: length)
    }
}

extension Array where Element == UInt8 {
    /// The message with nlmsg_len set to `length`.
    func withLength(_ length: UInt32) -> [UInt8] {
        var copy = self
        copy.replaceSubrange(0..<4, with: Bytes.u32(length))
        return copy
    }
}
