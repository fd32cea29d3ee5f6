// SPDX-License-Identifier: GPL-2.0-only
// l2tpd's own Generic Netlink family, "l2tpd": what a netlink socket does with the kernel outside
// messages (its port id, multicast membership), what the kernel hands to a tunnel socket's owner
// (control frames), and the debugfs state. It sits next to `l2tp` on the control socket and is
// resolved through nlctrl the same way.

/// The `l2tpd` family.
public enum L2TPDGenl {
    public static let name = "l2tpd"
    public static let version: UInt8 = 1
    /// The id l2tpd hands out for this family (above the kernel's GENL_MAX_ID, like `L2TPGenl.familyID`).
    public static let familyID: UInt16 = 0x6c33

    /// Commands of the `l2tpd` family.
    public enum Command: UInt8, Sendable, CaseIterable {
        /// Client → l2tpd. The full internal state of every tunnel and session as text (the kernel's
        /// debugfs l2tp/tunnels). Reply: the same command with `Attr.text`. Needs CAP_NET_ADMIN.
        case debugDump = 1
        /// l2tpd → the connection that created a managed tunnel: one control frame received on the
        /// tunnel's socket, unchanged (`Attr.connID`, `Attr.frame`). Over UDP the frame is the UDP
        /// payload; over IP it starts after the 4-byte session id 0, as an L2TP/IP socket returns it.
        case controlFrame = 2
        /// Client → l2tpd. The netlink port id of the client's socket (`Attr.port`), which replies and
        /// notifications then carry, as the kernel puts the socket's port in them.
        case setPort = 3
        /// Client → l2tpd. Joins a multicast group (`Attr.group`): NETLINK_ADD_MEMBERSHIP.
        case addMembership = 4
        /// Client → l2tpd. Leaves a multicast group (`Attr.group`): NETLINK_DROP_MEMBERSHIP.
        case dropMembership = 5
        /// Client → l2tpd. Tries a configuration file, passed as a descriptor (SCM_RIGHTS) and named by
        /// `Attr.text`, as a reload would: read, planned against the running tunnels and sessions, and
        /// replayed on a dry run; nothing changes. Reply: the same command with `Attr.text` (a summary,
        /// or one error per line) and `Attr.errors`. Needs CAP_NET_ADMIN.
        case checkConfig = 6
    }

    /// Attributes of the `l2tpd` family.
    public enum Attr: UInt16, Sendable {
        /// NUL-terminated UTF-8 text.
        case text = 1
        /// u32 tunnel id.
        case connID = 2
        /// binary: one control frame.
        case frame = 3
        /// u32 netlink port id.
        case port = 4
        /// u32 multicast group id.
        case group = 5
        /// u32: how many errors a configuration check found.
        case errors = 6
    }

    /// The family as nlctrl describes it.
    public static let family = GenlControl.Family(
        name: name, id: familyID, version: UInt32(version), headerSize: 0, maxAttribute: 6,
        operations: Command.allCases.map { command in
            var flags = GenlControl.OperationFlags.canDo
            if command == .debugDump || command == .checkConfig {
                flags |= GenlControl.OperationFlags.namespaceAdminPermission
            }
            return (UInt32(command.rawValue), flags)
        },
        multicastGroups: [])

    /// A request with optional u32 attributes, flags NLM_F_REQUEST (and NLM_F_ACK if `ack`).
    public static func request(
        _ command: Command, _ attributes: [(Attr, UInt32)] = [], ack: Bool = false, familyID: UInt16 = familyID,
        sequence: UInt32, portID: UInt32
    ) -> [UInt8] {
        let out = LibnlMessage(capacity: 32 + attributes.count * 8)
        out.putGenlHeader(
            family: familyID, flags: NetlinkFlags.request | (ack ? NetlinkFlags.ack : 0), sequence: sequence,
            portID: portID, command: command.rawValue, version: version)
        for (attr, value) in attributes { out.putU32(attr.rawValue, value) }
        return out.bytes
    }

    /// The command of a message of this family; nil if the message is too short.
    public static func command(of message: [UInt8]) -> UInt8? {
        message.count >= L2TPMessageCodec.headerSize ? message[16] : nil
    }

    /// A reply carrying `text`, and the u32 attributes given.
    public static func textReply(
        _ command: Command, text: String, _ attributes: [(Attr, UInt32)] = [], sequence: UInt32, portID: UInt32
    ) -> [UInt8] {
        let bytes = Array(text.utf8)
        let out = LibnlMessage(capacity: 32 + LibnlMessage.attributeSize(bytes.count + 1) + attributes.count * 8)
        out.putGenlHeader(
            family: familyID, flags: 0, sequence: sequence, portID: portID, command: command.rawValue, version: version)
        out.putString(Attr.text.rawValue, bytes)
        for (attr, value) in attributes { out.putU32(attr.rawValue, value) }
        return out.bytes
    }

    /// A request carrying `text` (CHECK_CONFIG: the file's name), flags NLM_F_REQUEST.
    public static func textRequest(_ command: Command, text: String, sequence: UInt32, portID: UInt32) -> [UInt8] {
        let bytes = Array(text.utf8)
        let out = LibnlMessage(capacity: 32 + LibnlMessage.attributeSize(bytes.count + 1))
        out.putGenlHeader(
            family: familyID, flags: NetlinkFlags.request, sequence: sequence, portID: portID, command: command.rawValue,
            version: version)
        out.putString(Attr.text.rawValue, bytes)
        return out.bytes
    }

    /// A CONTROL_FRAME message for the owner of tunnel `tunnelID` (sequence 0, like a notification).
    public static func controlFrame(tunnelID: UInt32, frame: UnsafeRawBufferPointer, portID: UInt32) -> [UInt8] {
        let out = LibnlMessage(capacity: 48 + LibnlMessage.attributeSize(frame.count))
        out.putGenlHeader(
            family: familyID, flags: 0, sequence: 0, portID: portID, command: Command.controlFrame.rawValue,
            version: version)
        out.putU32(Attr.connID.rawValue, tunnelID)
        out.putBytes(Attr.frame.rawValue, Array(frame))
        return out.bytes
    }

    /// The text of a reply, or nil if it carries none.
    public static func text(of message: [UInt8]) -> String? {
        attribute(.text, of: message).map { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// A u32 attribute of a message of this family, or nil if absent or shorter than 4 bytes.
    public static func u32(_ attr: Attr, of message: [UInt8]) -> UInt32? {
        guard let bytes = attribute(attr, of: message), bytes.count >= 4 else { return nil }
        return bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
    }

    /// The payload of the last attribute of type `attr` in a message of this family.
    public static func attribute(_ attr: Attr, of message: [UInt8]) -> [UInt8]? {
        guard message.count >= L2TPMessageCodec.headerSize, let header = NetlinkHeader(message),
            Int(header.length) <= message.count, Int(header.length) >= L2TPMessageCodec.headerSize
        else { return nil }
        let aligned = AlignedMessage(message, length: Int(header.length))
        var found: [UInt8]?
        _ = aligned.walkGenlAttributes { (a: NetlinkAttribute) in
            if a.type == attr.rawValue { found = a.bytes }
        }
        return found
    }
}
