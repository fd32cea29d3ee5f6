// SPDX-License-Identifier: GPL-2.0-only
// An application's tunnel socket handed over with L2TP_ATTR_FD (a managed tunnel), checked as the
// kernel's l2tp_validate_socket checks it before the tunnel adopts it, and the set of sockets that
// carry a tunnel already.

import Glibc
import L2TPCore
import L2TPSystem
import L2TPWire
import Synchronization

/// The sockets adopted by managed tunnels, shared by the UDP and IP encapsulations: the kernel
/// refuses a socket that already carries a tunnel. Used on the control plane's thread.
public final class ManagedSockets: Sendable {
    /// Inodes of adopted sockets.
    private let inUse = Mutex<Set<UInt64>>([])

    public init() {}

    /// Checks an application's socket (l2tp_validate_socket) and records it as in use.
    func adopt(_ fd: Int32, encap: EncapType) throws(L2TPError) -> ManagedSocket {
        let socket: ManagedSocket
        do {
            socket = try ManagedSocket.validate(fd, encap: encap, inUse: inUse.withLock { $0 })
        } catch {
            throw L2TPError(error.errno, error.message)
        }
        _ = inUse.withLock { $0.insert(socket.inode) }
        return socket
    }

    /// The tunnel that adopted `socket` is gone.
    func release(_ socket: Socket) {
        guard let inode = socket.inode else { return }
        _ = inUse.withLock { $0.remove(inode) }
    }
}

/// A socket passed by an application for a managed tunnel, after validation.
public struct ManagedSocket: Sendable {
    public let socket: Socket
    public let local: SocketAddress
    public let peer: SocketAddress
    /// The socket's inode, which identifies it across descriptors (the kernel compares `struct sock`).
    public let inode: UInt64

    /// Why a socket was refused: the kernel's errno and a message for the extended ack.
    public struct Refusal: Error, Sendable {
        public var errno: Int32
        public var message: String
    }

    /// The daemon's own network namespace, to compare passed sockets with.
    private static let ownNamespace: UInt64 = {
        guard let probe = try? Socket.open(family: AF_INET, type: Int32(SOCK_DGRAM.rawValue), protocol: 0) else { return 0 }
        defer { probe.close() }
        return probe.networkNamespaceCookie
    }()

    /// Checks `fd` for `encap`, in l2tp_validate_socket's order: a socket (ENOTSOCK), in this network
    /// namespace (EINVAL), a datagram socket (EPROTONOSUPPORT), IPv4 or IPv6 (EPROTONOSUPPORT), of the
    /// encapsulation's protocol (EPROTONOSUPPORT), not already a tunnel's (EBUSY); and, as the kernel's
    /// documentation requires of managed tunnel sockets, bound (EINVAL) and connected (ENOTCONN).
    ///
    /// L2TP over IP: this kernel may have no IPPROTO_L2TP datagram sockets, so a raw socket of
    /// protocol 115 is what an application can pass; it is accepted in their place.
    public static func validate(_ fd: Int32, encap: EncapType, inUse: Set<UInt64>) throws(Refusal) -> ManagedSocket {
        let s = Socket(fd: FileDescriptor(rawValue: fd))
        guard let inode = s.inode else {
            throw Refusal(errno: ENOTSOCK, message: "L2TP_ATTR_FD: the passed descriptor is not a socket")
        }
        let theirs = s.networkNamespaceCookie
        if theirs != 0 && ownNamespace != 0 && theirs != ownNamespace {
            throw Refusal(errno: EINVAL, message: "L2TP_ATTR_FD: the socket belongs to another network namespace")
        }
        guard let kind = try? s.kind() else {
            throw Refusal(errno: ENOTSOCK, message: "L2TP_ATTR_FD: cannot read the socket's type")
        }
        let datagram = kind.type == Int32(SOCK_DGRAM.rawValue)
        let raw = kind.type == Int32(SOCK_RAW.rawValue)
        switch encap {
        case .udp:
            guard datagram else {
                throw Refusal(errno: EPROTONOSUPPORT, message: "L2TP_ATTR_FD: a UDP tunnel needs a SOCK_DGRAM socket")
            }
        case .ip:
            guard raw else {
                throw Refusal(
                    errno: EPROTONOSUPPORT,
                    message: "L2TP_ATTR_FD: an IP tunnel needs a raw socket of protocol 115 (SOCK_RAW, 115)")
            }
        }
        guard kind.family == AF_INET || kind.family == AF_INET6 else {
            throw Refusal(errno: EPROTONOSUPPORT, message: "L2TP_ATTR_FD: the socket is neither AF_INET nor AF_INET6")
        }
        let wanted = encap == .udp ? IPProtocol.udp : IPProtocol.l2tp
        guard kind.protocol == wanted else {
            throw Refusal(
                errno: EPROTONOSUPPORT,
                message: "L2TP_ATTR_FD: the socket's protocol \(kind.protocol) does not match the encapsulation (\(wanted))")
        }
        guard !inUse.contains(inode) else {
            throw Refusal(errno: EBUSY, message: "L2TP_ATTR_FD: the socket already carries a tunnel")
        }
        guard let local = s.localAddress(), encap == .ip || local.port != 0 else {
            throw Refusal(errno: EINVAL, message: "L2TP_ATTR_FD: the socket is not bound")
        }
        let connected = raw
            ? ProcNetRaw.connectedPeer(inode: inode, ipv6: kind.family == AF_INET6).map { SocketAddress($0) }
            : s.peerAddress()
        guard let peer = connected else {
            throw Refusal(errno: ENOTCONN, message: "L2TP_ATTR_FD: the socket is not connected to the peer")
        }
        return ManagedSocket(socket: s, local: local, peer: peer, inode: inode)
    }

    /// Stops the socket from queueing received packets (the kernel's L2TP/IP sockets only see
    /// control frames; here those reach the owner through l2tpd instead).
    public func dropEverythingReceived() {
        try? socket.dropEverythingReceived()
    }
}
