// SPDX-License-Identifier: GPL-2.0-only
// The error every control-plane failure becomes: an errno and an extended-ack message for NLMSG_ERROR.

#if canImport(Glibc)
import Glibc
#endif

/// A request failure: the kernel's errno plus a message a person can act on.
///
/// It becomes an NLMSG_ERROR reply whose error is `-errno`, with the message in the
/// `NLMSGERR_ATTR_MSG` extended-ack attribute and, when known, the offending attribute's byte offset
/// in `NLMSGERR_ATTR_OFFS`.
public struct NetlinkError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A positive errno value (EINVAL, ENODEV, ...).
    public var errno: Int32
    /// The extended-ack message; empty when there is nothing to add to the errno.
    public var message: String
    /// Byte offset of the offending attribute from the start of the request's nlmsghdr.
    public var attributeOffset: UInt32?

    public init(_ errno: Int32, _ message: String = "", attributeOffset: UInt32? = nil) {
        self.errno = errno
        self.message = message
        self.attributeOffset = attributeOffset
    }

    public var description: String {
        let text = String(cString: strerror(errno))
        return message.isEmpty ? text : "\(message) (\(text))"
    }
}
