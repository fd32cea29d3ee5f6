// SPDX-License-Identifier: GPL-2.0-only
// The sockets of managed tunnels (L2TP_ATTR_FD) and who owns each: validation against the sockets
// already in use, and the routing of their control frames to the owning connection.

import Glibc
import L2TPCore
import L2TPEncap
import L2TPNetlink
import L2TPWire

/// Book-keeping shared by the UDP and IP factories. Control-plane thread only.
final class ManagedTunnels {
    private let router: ControlFrameRouter
    /// Inodes of adopted sockets (the kernel refuses a socket that already carries a tunnel).
    private var inUse: Set<UInt64> = []
    /// The netlink port of each connection, for CONTROL_FRAME messages.
    private var ports: [UInt64: UInt32] = [:]

    init(router: ControlFrameRouter) { self.router = router }

    /// Checks an application's socket (l2tp_validate_socket).
    func validate(_ fd: Int32, encap: EncapType) throws(NetlinkError) -> ManagedSocket {
        do {
            return try ManagedSocket.validate(fd, encap: encap, inUse: inUse)
        } catch {
            throw NetlinkError(error.errno, error.message)
        }
    }

    /// Records the connection's current netlink port.
    func connection(_ id: UInt64, port: UInt32) {
        ports[id] = port
        router.portChanged(connection: id, to: port)
    }

    func connectionClosed(_ id: UInt64) { ports[id] = nil }

    /// Takes ownership of `socket` for connection `connection`.
    func owner(_ connection: UInt64, socket: ManagedSocket) -> Owner {
        inUse.insert(socket.inode)
        return Owner(managed: self, connection: connection, socket: socket)
    }

    /// One managed tunnel's owner and adopted socket.
    struct Owner {
        unowned let managed: ManagedTunnels
        let connection: UInt64
        let socket: ManagedSocket

        func attach(_ tunnel: Tunnel) {
            managed.router.register(tunnel, connection: connection, port: managed.ports[connection] ?? 0)
        }

        func detach(_ tunnel: Tunnel) { managed.router.unregister(tunnel) }

        /// Closes l2tpd's copy of the socket; the application keeps its own.
        func release() {
            managed.inUse.remove(socket.inode)
            socket.socket.close()
        }
    }
}
