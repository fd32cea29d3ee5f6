// SPDX-License-Identifier: GPL-2.0-only
// l2tpd's own Generic Netlink family, "l2tpd", for what the kernel offers outside netlink (debugfs
// state). It sits next to `l2tp` on the control socket and is resolved through nlctrl the same way.

/// The `l2tpd` family: commands and attributes that have no kernel equivalent in the `l2tp` family.
public enum L2TPDGenl {
    public static let name = "l2tpd"
    public static let version: UInt8 = 1
    /// The id l2tpd hands out for this family.
    public static let familyID: UInt16 = 0x1d

    /// Commands of the `l2tpd` family.
    public enum Command: UInt8, Sendable, CaseIterable {
        /// Asks for the full internal state of every tunnel and session as text (the kernel's
        /// debugfs l2tp/tunnels). Reply: the same command with `Attr.text`.
        case debugDump = 1
    }

    /// Attributes of the `l2tpd` family.
    public enum Attr: UInt16, Sendable {
        /// A NUL-terminated UTF-8 text.
        case text = 1
    }

    /// The family as nlctrl describes it.
    public static let family = GenlControl.Family(
        name: name, id: familyID, version: UInt32(version), headerSize: 0, maxAttribute: 1,
        operations: Command.allCases.map {
            (UInt32($0.rawValue), GenlControl.OperationFlags.canDo | GenlControl.OperationFlags.namespaceAdminPermission)
        },
        multicastGroups: [])

    /// A request without attributes.
    public static func request(_ command: Command, familyID: UInt16 = familyID, sequence: UInt32, portID: UInt32) -> [UInt8] {
        let out = LibnlMessage(capacity: 32)
        out.putGenlHeader(
            family: familyID, flags: NetlinkFlags.request, sequence: sequence, portID: portID,
            command: command.rawValue, version: version)
        return out.bytes
    }

    /// The command of a request of this family; nil if the message is too short.
    public static func command(of message: [UInt8]) -> UInt8? {
        message.count >= L2TPMessageCodec.headerSize ? message[16] : nil
    }

    /// A reply carrying `text`.
    public static func textReply(_ command: Command, text: String, sequence: UInt32, portID: UInt32) -> [UInt8] {
        let bytes = Array(text.utf8)
        let out = LibnlMessage(capacity: 32 + LibnlMessage.attributeSize(bytes.count + 1))
        out.putGenlHeader(
            family: familyID, flags: 0, sequence: sequence, portID: portID, command: command.rawValue, version: version)
        out.putString(Attr.text.rawValue, bytes)
        return out.bytes
    }

    /// The text of a reply, or nil if it carries none.
    public static func text(of message: [UInt8]) -> String? {
        guard message.count >= L2TPMessageCodec.headerSize, let header = NetlinkHeader(message),
            Int(header.length) <= message.count
        else { return nil }
        let aligned = AlignedMessage(message, length: Int(header.length))
        var text: String?
        _ = aligned.walkGenlAttributes { (a: NetlinkAttribute) in
            if a.type == Attr.text.rawValue { text = a.cString }
        }
        return text
    }
}
