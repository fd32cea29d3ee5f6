// SPDX-License-Identifier: GPL-2.0-only
// A socket wrapper: creation, bind, connect, options and addresses, each naming its C function.

import CL2TPLinux
import Glibc

/// A socket file descriptor.
public struct Socket: Hashable, Sendable {
    public let fd: FileDescriptor

    public init(fd: FileDescriptor) { self.fd = fd }

    /// Creates a non-blocking, close-on-exec socket. The corresponding C function is `socket`.
    public static func open(family: Int32, type: Int32, protocol proto: Int32) throws(Errno) -> Socket {
        let fd = try valueOrErrno { Glibc.socket(family, type | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), proto) }.get()
        return Socket(fd: FileDescriptor(rawValue: fd))
    }

    public func close() { fd.close() }

    /// The corresponding C function is `bind`.
    public func bind(_ address: SocketAddress) throws(Errno) {
        let r = address.withSockaddr { sa, len in valueOrErrno { Glibc.bind(fd.rawValue, sa, len) } }
        _ = try r.get()
    }

    /// The corresponding C function is `connect`.
    public func connect(_ address: SocketAddress) throws(Errno) {
        let r = address.withSockaddr { sa, len in valueOrErrno { Glibc.connect(fd.rawValue, sa, len) } }
        _ = try r.get()
    }

    /// Sets an integer option. The corresponding C function is `setsockopt`.
    public func setOption(level: Int32, name: Int32, value: Int32) throws(Errno) {
        var v = value
        _ = try valueOrErrno { setsockopt(fd.rawValue, level, name, &v, socklen_t(MemoryLayout<Int32>.size)) }.get()
    }

    /// Reads an integer option. The corresponding C function is `getsockopt`.
    public func option(level: Int32, name: Int32) throws(Errno) -> Int32 {
        var v: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        _ = try valueOrErrno { getsockopt(fd.rawValue, level, name, &v, &len) }.get()
        return v
    }

    /// The local address. The corresponding C function is `getsockname`.
    public func localAddress() -> SocketAddress? {
        var ss = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &ss) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd.rawValue, $0, &len) == 0 }
        }
        guard ok else { return nil }
        return withUnsafeBytes(of: &ss) { SocketAddress($0.baseAddress!) }
    }

    /// The connected peer's address, or nil if unconnected. The corresponding C function is `getpeername`.
    public func peerAddress() -> SocketAddress? {
        var ss = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &ss) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd.rawValue, $0, &len) == 0 }
        }
        guard ok else { return nil }
        return withUnsafeBytes(of: &ss) { SocketAddress($0.baseAddress!) }
    }

    /// The identity of the socket's network namespace (SO_NETNS_COOKIE), or 0 where unsupported.
    public var networkNamespaceCookie: UInt64 { CL2TP_netns_cookie(fd.rawValue) }

    /// Attaches a classic BPF filter that drops every received packet. The corresponding C call is
    /// `setsockopt(SO_ATTACH_FILTER)`.
    public func dropEverythingReceived() throws(Errno) {
        _ = try negativeErrno(CL2TP_attach_drop_all(fd.rawValue)).get()
    }

    /// The socket's inode number (`fstat`), which identifies the socket across descriptors; nil if
    /// the descriptor is not a socket.
    public var inode: UInt64? {
        var st = stat()
        guard fstat(fd.rawValue, &st) == 0, st.st_mode & S_IFMT == S_IFSOCK else { return nil }
        return UInt64(st.st_ino)
    }

    /// The socket's type (SOCK_DGRAM, ...), family and protocol, read with getsockopt.
    public func kind() throws(Errno) -> (type: Int32, family: Int32, protocol: Int32) {
        (
            try option(level: SOL_SOCKET, name: SO_TYPE),
            try option(level: SOL_SOCKET, name: SO_DOMAIN),
            try option(level: SOL_SOCKET, name: SO_PROTOCOL)
        )
    }
}
