// SPDX-License-Identifier: GPL-2.0-only
// The 16-byte netlink message header and the rule that cuts one datagram into its messages.

#if canImport(Glibc)
import Glibc
#endif

/// A netlink message header. The corresponding C struct is `struct nlmsghdr` (include/uapi/linux/netlink.h).
///
/// ```
///  0               1               2               3
/// |                 nlmsg_len (u32, host order)                   |
/// |     nlmsg_type (u16)          |     nlmsg_flags (u16)         |
/// |                 nlmsg_seq (u32)                               |
/// |                 nlmsg_pid (u32)                               |
/// ```
public struct NetlinkHeader: Equatable, Sendable {
    /// Length of the whole message including this header. The corresponding C field is `nlmsg_len`.
    public var length: UInt32
    /// Message type: a family id or an `NLMSG_*` control type. The corresponding C field is `nlmsg_type`.
    public var type: UInt16
    /// `NLM_F_*` bits (`NetlinkFlags`). The corresponding C field is `nlmsg_flags`.
    public var flags: UInt16
    /// The corresponding C field is `nlmsg_seq`.
    public var sequence: UInt32
    /// The sender's or addressee's port id. The corresponding C field is `nlmsg_pid`.
    public var portID: UInt32

    /// The size of the header on the wire. The corresponding C constant is `NLMSG_HDRLEN`.
    public static let size = 16

    public init(length: UInt32 = 0, type: UInt16, flags: UInt16, sequence: UInt32, portID: UInt32) {
        self.length = length
        self.type = type
        self.flags = flags
        self.sequence = sequence
        self.portID = portID
    }

    /// Reads the first 16 bytes in host byte order; nil if there are fewer.
    public init?(_ bytes: some Collection<UInt8>) {
        let head = Array(bytes.prefix(Self.size))
        guard head.count == Self.size else { return nil }
        self = head.withUnsafeBytes { raw in
            NetlinkHeader(
                length: raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self),
                type: raw.loadUnaligned(fromByteOffset: 4, as: UInt16.self),
                flags: raw.loadUnaligned(fromByteOffset: 6, as: UInt16.self),
                sequence: raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self),
                portID: raw.loadUnaligned(fromByteOffset: 12, as: UInt32.self))
        }
    }

    /// The 16 header bytes in host byte order, as they appear on the wire.
    public var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: Self.size)
        out.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: length, toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: type, toByteOffset: 4, as: UInt16.self)
            raw.storeBytes(of: flags, toByteOffset: 6, as: UInt16.self)
            raw.storeBytes(of: sequence, toByteOffset: 8, as: UInt32.self)
            raw.storeBytes(of: portID, toByteOffset: 12, as: UInt32.self)
        }
        return out
    }

    /// Rounds `length` up to the 4-byte netlink alignment. The corresponding C macro is `NLMSG_ALIGN`.
    @inlinable
    public static func align(_ length: Int) -> Int { (length + 3) & ~3 }
}

/// Splits one datagram into its netlink messages, following the `NLMSG_OK` / `NLMSG_NEXT` rules.
///
/// Each element is one message cut to its own `nlmsg_len` (the alignment padding that follows it is
/// dropped). A header whose `nlmsg_len` is shorter than the 16-byte header or runs past the end of the
/// datagram throws `EINVAL`. Fewer than 16 bytes left after the last message (trailing padding) are
/// ignored, as the kernel's `netlink_rcv_skb` does; an empty datagram yields no messages.
public func splitNetlinkMessages(_ datagram: [UInt8]) throws(NetlinkError) -> [[UInt8]] {
    var messages: [[UInt8]] = []
    var offset = 0
    while datagram.count - offset >= NetlinkHeader.size {
        guard let header = NetlinkHeader(datagram[offset...]) else { break }
        let length = Int(header.length)
        guard length >= NetlinkHeader.size else {
            throw NetlinkError(
                EINVAL,
                "netlink message at byte \(offset): nlmsg_len \(length) is shorter than the 16-byte nlmsghdr")
        }
        guard length <= datagram.count - offset else {
            throw NetlinkError(
                EINVAL,
                "netlink message at byte \(offset): nlmsg_len \(length) overruns the datagram "
                    + "(\(datagram.count - offset) bytes left)")
        }
        messages.append(Array(datagram[offset..<(offset + length)]))
        offset += NetlinkHeader.align(length)
    }
    return messages
}
