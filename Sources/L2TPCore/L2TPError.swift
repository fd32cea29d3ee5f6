// SPDX-License-Identifier: GPL-2.0-only
// The error of everything that registers with the control plane (encapsulations, pseudowires, the
// datapath): the kernel's errno for the failure and a message a person can act on.

#if canImport(Glibc)
import Glibc
#endif

/// A refusal by an encapsulation, a pseudowire or the datapath. The control plane turns it into the
/// request's NLMSG_ERROR (`-errno`, the message as extended ack).
public struct L2TPError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A positive errno value (EADDRINUSE, EEXIST, ...).
    public var errno: Int32
    /// What went wrong, for the extended ack; empty when the errno says it all.
    public var message: String

    public init(_ errno: Int32, _ message: String = "") {
        self.errno = errno
        self.message = message
    }

    public var description: String {
        let text = String(cString: strerror(errno))
        return message.isEmpty ? text : "\(message) (\(text))"
    }
}
