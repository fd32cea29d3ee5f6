// SPDX-License-Identifier: GPL-2.0-only
// Unix SOCK_SEQPACKET sockets for the control channel: listen, accept, connect, datagrams with an
// optional passed descriptor (SCM_RIGHTS), and peer credentials (SO_PEERCRED).

import CL2TPLinux
import Glibc

/// A Unix-domain SOCK_SEQPACKET socket.
public struct UnixSocket: Hashable, Sendable {
    public let fd: FileDescriptor

    public init(fd: FileDescriptor) { self.fd = fd }

    private static func address(_ path: String) throws(Errno) -> sockaddr_un {
        var sun = sockaddr_un()
        sun.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: sun.sun_path) else { throw Errno(ENAMETOOLONG) }
        withUnsafeMutableBytes(of: &sun.sun_path) { dst in
            dst.copyBytes(from: bytes)
            dst[bytes.count] = 0
        }
        return sun
    }

    private static func make() throws(Errno) -> UnixSocket {
        let fd = try valueOrErrno {
            Glibc.socket(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }.get()
        return UnixSocket(fd: FileDescriptor(rawValue: fd))
    }

    /// Creates a listening socket at `path` with file mode `mode`, replacing a stale socket file.
    /// The corresponding C functions are `socket`, `bind`, `chmod` and `listen`.
    public static func listen(path: String, mode: mode_t, group: gid_t? = nil, backlog: Int32 = 64) throws(Errno) -> UnixSocket {
        let s = try make()
        do {
            var sun = try address(path)
            unlink(path)
            let old = umask(0o177)
            let r = withUnsafePointer(to: &sun) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                    valueOrErrno { Glibc.bind(s.fd.rawValue, sa, socklen_t(MemoryLayout<sockaddr_un>.size)) }
                }
            }
            umask(old)
            _ = try r.get()
            if let group { _ = try valueOrErrno { chown(path, UInt32.max, group) }.get() }
            _ = try valueOrErrno { chmod(path, mode) }.get()
            _ = try valueOrErrno { Glibc.listen(s.fd.rawValue, backlog) }.get()
            try s.fd.setNonBlocking()
            return s
        } catch {
            s.fd.close()
            throw error
        }
    }

    /// Connects to the socket at `path` (blocking descriptor). The corresponding C function is `connect`.
    public static func connect(path: String) throws(Errno) -> UnixSocket {
        let s = try make()
        do {
            var sun = try address(path)
            let r = withUnsafePointer(to: &sun) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                    valueOrErrno { Glibc.connect(s.fd.rawValue, sa, socklen_t(MemoryLayout<sockaddr_un>.size)) }
                }
            }
            _ = try r.get()
            return s
        } catch {
            s.fd.close()
            throw error
        }
    }

    /// Accepts one connection as a non-blocking socket, or nil if none is pending.
    /// The corresponding C function is `accept4`.
    public func accept() throws(Errno) -> UnixSocket? {
        switch nonBlocking({ CL2TP_accept(fd.rawValue) }) {
        case .success(.value(let c)): return UnixSocket(fd: FileDescriptor(rawValue: c))
        case .success(.wouldBlock): return nil
        case .failure(let e): throw e
        }
    }

    /// The peer's process, user and group ids. The corresponding C option is `SO_PEERCRED`.
    public func peerCredentials() throws(Errno) -> (pid: pid_t, uid: uid_t, gid: gid_t) {
        var pid: pid_t = 0
        var uid: uid_t = 0
        var gid: gid_t = 0
        _ = try negativeErrno(CL2TP_peer_cred(fd.rawValue, &pid, &uid, &gid)).get()
        return (pid, uid, gid)
    }

    /// Sends one datagram, optionally passing a descriptor. The corresponding C function is `sendmsg`.
    public func send(_ bytes: [UInt8], passing passed: Int32? = nil) throws(Errno) {
        var iov = iovec()
        var msg = msghdr()
        var control = [UInt8](repeating: 0, count: CL2TP_cmsg_space(MemoryLayout<Int32>.size))
        let r: Result<Int, Errno> = bytes.withUnsafeBytes { buf in
            iov.iov_base = UnsafeMutableRawPointer(mutating: buf.baseAddress)
            iov.iov_len = buf.count
            return withUnsafeMutablePointer(to: &iov) { iovp in
                msg.msg_iov = iovp
                msg.msg_iovlen = 1
                return control.withUnsafeMutableBytes { cbuf in
                    if let passed { CL2TP_cmsg_put_fd(&msg, cbuf.baseAddress, cbuf.count, passed) }
                    return valueOrErrno { sendmsg(fd.rawValue, &msg, Int32(MSG_NOSIGNAL)) }
                }
            }
        }
        _ = try r.get()
    }

    /// One received datagram.
    public struct Datagram {
        public var bytes: [UInt8]
        /// A descriptor passed with SCM_RIGHTS (the receiver owns it), if any.
        public var passedFD: Int32?
    }

    /// Receives one datagram of at most `capacity` bytes; nil at end of stream; `.wouldBlock` if none.
    /// The corresponding C function is `recvmsg`.
    public func receive(capacity: Int = 65536) throws(Errno) -> IOResult<Datagram?> {
        var buffer = [UInt8](repeating: 0, count: capacity)
        var control = [UInt8](repeating: 0, count: CL2TP_cmsg_space(MemoryLayout<Int32>.size * 4))
        var iov = iovec()
        var msg = msghdr()
        var passed: Int32 = -1
        let r: Result<IOResult<Int>, Errno> = buffer.withUnsafeMutableBytes { buf in
            iov.iov_base = buf.baseAddress
            iov.iov_len = buf.count
            return withUnsafeMutablePointer(to: &iov) { iovp in
                msg.msg_iov = iovp
                msg.msg_iovlen = 1
                return control.withUnsafeMutableBytes { cbuf in
                    msg.msg_control = cbuf.baseAddress
                    msg.msg_controllen = cbuf.count
                    let r = nonBlocking { recvmsg(fd.rawValue, &msg, Int32(MSG_CMSG_CLOEXEC)) }
                    if case .success(.value) = r { passed = CL2TP_cmsg_take_fd(&msg) }
                    return r
                }
            }
        }
        switch r {
        case .success(.wouldBlock): return .wouldBlock
        case .success(.value(let n)):
            if n == 0 && passed < 0 { return .value(nil) }
            if msg.msg_flags & Int32(MSG_TRUNC) != 0 {
                if passed >= 0 { Glibc.close(passed) }
                throw Errno(EMSGSIZE)
            }
            return .value(Datagram(bytes: Array(buffer[0..<n]), passedFD: passed >= 0 ? passed : nil))
        case .failure(let e): throw e
        }
    }

    public func close() { fd.close() }
}
