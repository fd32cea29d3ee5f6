// SPDX-License-Identifier: GPL-2.0-only
// The generic netlink controller ("nlctrl", GENL_ID_CTRL): family lookup requests and NEWFAMILY replies.

#if canImport(Glibc)
import Glibc
#endif

/// The parts of nlctrl (net/netlink/genetlink.c, include/uapi/linux/genetlink.h) that clients use to
/// resolve a family name to its id, from both ends.
///
/// A NEWFAMILY reply, in `ctrl_fill_info` order (all nests without `NLA_F_NESTED`):
/// ```
/// FAMILY_NAME string | FAMILY_ID u16 | VERSION u32 | HDRSIZE u32 | MAXATTR u32 |
/// OPS { 1: { OP_ID u32, OP_FLAGS u32 }, 2: { ... } ... } |
/// MCAST_GROUPS { 1: { MCAST_GRP_ID u32, MCAST_GRP_NAME string }, ... }
/// ```
public enum GenlControl {
    /// The corresponding C constant is `CTRL_CMD_NEWFAMILY`.
    public static let commandNewFamily: UInt8 = 1
    /// The corresponding C constant is `CTRL_CMD_GETFAMILY`.
    public static let commandGetFamily: UInt8 = 3
    /// The version nlctrl puts in its own messages (`genl_ctrl.version`).
    public static let controllerVersion: UInt8 = 2
    /// The version libnl puts in requests to nlctrl (`genl_ctrl_probe_by_name`).
    public static let libnlRequestVersion: UInt8 = 1

    /// `CTRL_ATTR_*`.
    enum Attr {
        static let familyID: UInt16 = 1
        static let familyName: UInt16 = 2
        static let version: UInt16 = 3
        static let headerSize: UInt16 = 4
        static let maxAttribute: UInt16 = 5
        static let operations: UInt16 = 6
        static let multicastGroups: UInt16 = 7
        /// Inside an OPS entry: `CTRL_ATTR_OP_ID`, `CTRL_ATTR_OP_FLAGS`.
        static let operationID: UInt16 = 1
        static let operationFlags: UInt16 = 2
        /// Inside an MCAST_GROUPS entry: `CTRL_ATTR_MCAST_GRP_NAME`, `CTRL_ATTR_MCAST_GRP_ID`.
        static let groupName: UInt16 = 1
        static let groupID: UInt16 = 2
    }

    /// `genl_ops.flags` bits as nlctrl reports them.
    public enum OperationFlags {
        /// The corresponding C constant is `GENL_ADMIN_PERM`.
        public static let adminPermission: UInt32 = 0x01
        /// The corresponding C constant is `GENL_CMD_CAP_DO`.
        public static let canDo: UInt32 = 0x02
        /// The corresponding C constant is `GENL_CMD_CAP_DUMP`.
        public static let canDump: UInt32 = 0x04
        /// The corresponding C constant is `GENL_CMD_CAP_HASPOL`.
        public static let hasPolicy: UInt32 = 0x08
        /// The corresponding C constant is `GENL_UNS_ADMIN_PERM`.
        public static let namespaceAdminPermission: UInt32 = 0x10
    }

    /// Client request CTRL_CMD_GETFAMILY by name, as libnl's `genl_ctrl_resolve` builds it:
    /// `NLM_F_REQUEST | NLM_F_ACK`, version 1, CTRL_ATTR_FAMILY_NAME NUL-terminated.
    public static func getFamilyRequest(name: String, sequence: UInt32, portID: UInt32) -> [UInt8] {
        let nameBytes = Array(name.utf8)
        let out = LibnlMessage(capacity: 20 + LibnlMessage.attributeSize(nameBytes.count + 1))
        out.putGenlHeader(family: NetlinkMessageType.genlControl, flags: NetlinkFlags.request | NetlinkFlags.ack,
                          sequence: sequence, portID: portID, command: commandGetFamily,
                          version: libnlRequestVersion)
        out.putString(Attr.familyName, nameBytes)
        return out.bytes
    }

    /// What a CTRL_CMD_GETFAMILY asks for.
    public enum Query: Equatable, Sendable {
        case name(String)
        case id(UInt16)
    }

    /// Server side: what a CTRL_CMD_GETFAMILY asks for, or nil if the message is not an nlctrl
    /// GETFAMILY. Parsed like `ctrl_getfamily` with `ctrl_policy` (liberal): FAMILY_ID must hold a u16
    /// (`ERANGE`), FAMILY_NAME a NUL-terminated string of at most 15 bytes; when both are present
    /// the name wins, as in the kernel; neither → `EINVAL`. A dump request (`NLM_F_DUMP`, list all
    /// families) is the caller's to recognise from the header; it is parsed the same way here.
    public static func parseGetFamily(_ message: [UInt8]) throws(NetlinkError) -> Query? {
        guard let header = NetlinkHeader(message), header.type == NetlinkMessageType.genlControl else {
            return nil
        }
        let length = Int(header.length)
        guard length >= L2TPMessageCodec.headerSize, length <= message.count else {
            throw NetlinkError(EINVAL, "nlctrl message: nlmsg_len \(length) does not fit 20...\(message.count)")
        }
        guard message[16] == commandGetFamily else { return nil }
        let aligned = AlignedMessage(message, length: length)
        var id: UInt16?
        var name: String?
        _ = try aligned.walkGenlAttributes { (a: NetlinkAttribute) throws(NetlinkError) in
            switch a.type {
            case Attr.familyID:
                try AttributePolicy.integer(size: 2).check(a, name: "CTRL_ATTR_FAMILY_ID")
                id = a.u16
            case Attr.familyName:
                try AttributePolicy.nulString(maxLength: 15).check(a, name: "CTRL_ATTR_FAMILY_NAME")
                name = a.cString
            default:
                break
            }
        }
        if let name { return .name(name) }
        if let id { return .id(id) }
        throw NetlinkError(EINVAL, "CTRL_CMD_GETFAMILY needs CTRL_ATTR_FAMILY_NAME or CTRL_ATTR_FAMILY_ID")
    }

    /// A family as nlctrl describes it.
    public struct Family: Equatable, Sendable {
        public var name: String
        public var id: UInt16
        public var version: UInt32
        public var headerSize: UInt32
        public var maxAttribute: UInt32
        /// `(cmd, GENL_* flags)` in the family's op order.
        public var operations: [(id: UInt32, flags: UInt32)]
        public var multicastGroups: [(name: String, id: UInt32)]

        public init(name: String, id: UInt16, version: UInt32, headerSize: UInt32, maxAttribute: UInt32,
                    operations: [(id: UInt32, flags: UInt32)], multicastGroups: [(name: String, id: UInt32)])
        {
            self.name = name
            self.id = id
            self.version = version
            self.headerSize = headerSize
            self.maxAttribute = maxAttribute
            self.operations = operations
            self.multicastGroups = multicastGroups
        }

        public static func == (a: Family, b: Family) -> Bool {
            a.name == b.name && a.id == b.id && a.version == b.version && a.headerSize == b.headerSize
                && a.maxAttribute == b.maxAttribute
                && a.operations.elementsEqual(b.operations) { $0.id == $1.id && $0.flags == $1.flags }
                && a.multicastGroups.elementsEqual(b.multicastGroups) { $0.name == $1.name && $0.id == $1.id }
        }
    }

    /// The `l2tp` family as l2tpd serves it: ops NOOP...SESSION_GET with the flags the kernel reports
    /// (DO and HASPOL everywhere, since the family-wide policy applies to every op; DUMP for the two
    /// GETs; GENL_UNS_ADMIN_PERM for all but NOOP) and the one multicast group "l2tp".
    public static let l2tp: Family = {
        let f = OperationFlags.self
        let operations = L2TPCommand.allCases.map { command -> (id: UInt32, flags: UInt32) in
            var flags = f.canDo | f.hasPolicy
            if command != .noop { flags |= f.namespaceAdminPermission }
            if command == .tunnelGet || command == .sessionGet { flags |= f.canDump }
            return (UInt32(command.rawValue), flags)
        }
        return Family(name: L2TPGenl.name, id: L2TPGenl.familyID, version: UInt32(L2TPGenl.version),
                      headerSize: 0, maxAttribute: UInt32(L2TPGenl.maxAttribute), operations: operations,
                      multicastGroups: [(L2TPGenl.multicastGroup, L2TPGenl.multicastGroupID)])
    }()

    /// Server reply CTRL_CMD_NEWFAMILY in `ctrl_fill_info` order: flags 0, nlctrl version 2. OPS and
    /// MCAST_GROUPS are left out when empty, as the kernel does.
    public static func newFamilyReply(_ f: Family, sequence: UInt32, portID: UInt32) -> [UInt8] {
        let name = Array(f.name.utf8)
        let opsSize = f.operations.count * LibnlMessage.attributeSize(2 * LibnlMessage.attributeSize(4))
        let groupsSize = f.multicastGroups.reduce(0) {
            $0 + LibnlMessage.attributeSize(LibnlMessage.attributeSize(4) + LibnlMessage.attributeSize($1.name.utf8.count + 1))
        }
        let out = LibnlMessage(capacity: 20 + LibnlMessage.attributeSize(name.count + 1) + 4 * 8 + 8 + opsSize
                                   + groupsSize + 64)
        out.putGenlHeader(family: NetlinkMessageType.genlControl, flags: 0, sequence: sequence, portID: portID,
                          command: commandNewFamily, version: controllerVersion)
        out.putString(Attr.familyName, name)
        out.putU16(Attr.familyID, f.id)
        out.putU32(Attr.version, f.version)
        out.putU32(Attr.headerSize, f.headerSize)
        out.putU32(Attr.maxAttribute, f.maxAttribute)
        if !f.operations.isEmpty {
            let ops = out.beginNest(Attr.operations)
            for (index, op) in f.operations.enumerated() {
                let entry = out.beginNest(UInt16(index + 1))
                out.putU32(Attr.operationID, op.id)
                out.putU32(Attr.operationFlags, op.flags)
                out.endNest(entry)
            }
            out.endNest(ops)
        }
        if !f.multicastGroups.isEmpty {
            let groups = out.beginNest(Attr.multicastGroups)
            for (index, group) in f.multicastGroups.enumerated() {
                let entry = out.beginNest(UInt16(index + 1))
                out.putU32(Attr.groupID, group.id)
                out.putString(Attr.groupName, Array(group.name.utf8))
                out.endNest(entry)
            }
            out.endNest(groups)
        }
        return out.bytes
    }

    /// Client side: the family described by a NEWFAMILY message (a GETFAMILY reply or a notification).
    /// Nil if the message is not an nlctrl NEWFAMILY or lacks FAMILY_NAME or FAMILY_ID. Values shorter
    /// than their type are ignored; unknown attributes are skipped.
    public static func parseNewFamily(_ message: [UInt8]) -> Family? {
        guard let header = NetlinkHeader(message), header.type == NetlinkMessageType.genlControl else { return nil }
        let length = Int(header.length)
        guard length >= L2TPMessageCodec.headerSize, length <= message.count,
              message[16] == commandNewFamily
        else { return nil }
        let aligned = AlignedMessage(message, length: length)
        var name: String?
        var id: UInt16?
        var family = Family(name: "", id: 0, version: 0, headerSize: 0, maxAttribute: 0, operations: [],
                            multicastGroups: [])
        _ = aligned.walkGenlAttributes { a in
            switch a.type {
            case Attr.familyName: name = a.cString
            case Attr.familyID where a.count >= 2: id = a.u16
            case Attr.version where a.count >= 4: family.version = a.u32
            case Attr.headerSize where a.count >= 4: family.headerSize = a.u32
            case Attr.maxAttribute where a.count >= 4: family.maxAttribute = a.u32
            case Attr.operations:
                _ = aligned.walkNested(a) { entry in
                    var opID: UInt32?
                    var opFlags: UInt32 = 0
                    _ = aligned.walkNested(entry) { field in
                        if field.type == Attr.operationID, field.count >= 4 { opID = field.u32 }
                        if field.type == Attr.operationFlags, field.count >= 4 { opFlags = field.u32 }
                    }
                    if let opID { family.operations.append((opID, opFlags)) }
                }
            case Attr.multicastGroups:
                _ = aligned.walkNested(a) { entry in
                    var groupName: String?
                    var groupID: UInt32?
                    _ = aligned.walkNested(entry) { field in
                        if field.type == Attr.groupName { groupName = field.cString }
                        if field.type == Attr.groupID, field.count >= 4 { groupID = field.u32 }
                    }
                    if let groupName, let groupID { family.multicastGroups.append((groupName, groupID)) }
                }
            default:
                break
            }
        }
        guard let name, let id else { return nil }
        family.name = name
        family.id = id
        return family
    }
}
