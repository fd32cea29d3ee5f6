// SPDX-License-Identifier: GPL-2.0-only
// One decoded `l2tp` family message: netlink header, generic netlink header and typed attributes.

/// A decoded generic netlink message of the `l2tp` family.
///
/// ```
/// | struct nlmsghdr (16) | cmd (u8) | version (u8) | reserved (u16) | attributes (TLVs) ... |
/// ```
/// The middle part is `struct genlmsghdr` (GENL_HDRLEN = 4); the family has no user header.
public struct GenlMessage: Equatable, Sendable {
    public var header: NetlinkHeader
    /// `L2TP_CMD_*` as sent; see `l2tpCommand`. The corresponding C field is `genlmsghdr.cmd`.
    public var command: UInt8
    /// The corresponding C field is `genlmsghdr.version`.
    public var version: UInt8
    public var attributes: L2TPAttributes

    public init(header: NetlinkHeader, command: UInt8, version: UInt8, attributes: L2TPAttributes) {
        self.header = header
        self.command = command
        self.version = version
        self.attributes = attributes
    }

    /// The command, or nil if it is not one the family defines.
    public var l2tpCommand: L2TPCommand? { L2TPCommand(rawValue: command) }

    /// Whether the request asks for a dump (both `NLM_F_ROOT` and `NLM_F_MATCH`, as genetlink tests).
    public var isDump: Bool { header.flags & NetlinkFlags.dump == NetlinkFlags.dump }
}
