// SPDX-License-Identifier: GPL-2.0-only
// Netlink header flag bits and the reserved message types, from include/uapi/linux/netlink.h.

/// `nlmsg_flags` bits (`NLM_F_*`).
public enum NetlinkFlags {
    /// The corresponding C constant is `NLM_F_REQUEST`.
    public static let request: UInt16 = 0x01
    /// Part of a multipart (dump) reply. The corresponding C constant is `NLM_F_MULTI`.
    public static let multi: UInt16 = 0x02
    /// The corresponding C constant is `NLM_F_ACK`.
    public static let ack: UInt16 = 0x04
    /// The corresponding C constant is `NLM_F_ECHO`.
    public static let echo: UInt16 = 0x08
    /// The corresponding C constant is `NLM_F_DUMP_INTR`.
    public static let dumpInterrupted: UInt16 = 0x10
    /// The corresponding C constant is `NLM_F_ROOT`.
    public static let root: UInt16 = 0x100
    /// The corresponding C constant is `NLM_F_MATCH`.
    public static let match: UInt16 = 0x200
    /// The corresponding C constant is `NLM_F_ATOMIC`.
    public static let atomic: UInt16 = 0x400
    /// Both `root` and `match`: a request is a dump only when both bits are set.
    /// The corresponding C constant is `NLM_F_DUMP`.
    public static let dump: UInt16 = 0x300
    /// On NLMSG_ERROR: the request's payload is not echoed. The corresponding C constant is `NLM_F_CAPPED`.
    public static let capped: UInt16 = 0x100
    /// On NLMSG_ERROR: extended-ack TLVs follow. The corresponding C constant is `NLM_F_ACK_TLVS`.
    public static let ackTLVs: UInt16 = 0x200
}

/// Reserved `nlmsg_type` values (`NLMSG_*`) and the generic netlink controller's id.
public enum NetlinkMessageType {
    /// The corresponding C constant is `NLMSG_NOOP`.
    public static let noop: UInt16 = 1
    /// An ACK (error 0) or an error. The corresponding C constant is `NLMSG_ERROR`.
    public static let error: UInt16 = 2
    /// End of a dump. The corresponding C constant is `NLMSG_DONE`.
    public static let done: UInt16 = 3
    /// The corresponding C constant is `NLMSG_OVERRUN`.
    public static let overrun: UInt16 = 4
    /// The nlctrl family. The corresponding C constant is `GENL_ID_CTRL`.
    public static let genlControl: UInt16 = 0x10
}
