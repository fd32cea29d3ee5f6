// SPDX-License-Identifier: GPL-2.0-only
// The daemon's control socket: accepts clients on a Unix SOCK_SEQPACKET socket, judges each client's
// privilege once from its credentials, feeds request datagrams to the control plane and queues the
// replies (dumps can exceed the socket buffer, so writes are resumed when the socket is writable).

import CL2TPLinux
import Glibc
import L2TPControl
import L2TPSystem
import Logging

/// One connected client.
final class ControlConnection {
    let socket: UnixSocket
    /// Who the client is; its port changes when the client tells l2tpd its netlink port.
    var requester: Requester
    /// Multicast groups the client joined.
    var groups: Set<UInt32> = []
    var id: UInt64 { requester.connectionID }
    private var outbox: [[UInt8]] = []
    private var outboxBytes = 0
    /// A client that lets this much pile up unread is disconnected.
    static let outboxLimit = 64 << 20

    init(socket: UnixSocket, requester: Requester) {
        self.socket = socket
        self.requester = requester
    }

    var hasPendingOutput: Bool { !outbox.isEmpty }

    /// Queues datagrams and sends what the socket accepts. Returns false if the client must be dropped.
    func send(_ datagrams: [[UInt8]]) -> Bool {
        outbox += datagrams
        outboxBytes += datagrams.reduce(0) { $0 + $1.count }
        return flush()
    }

    /// Sends queued datagrams until the socket would block. Returns false on a fatal error.
    func flush() -> Bool {
        while let first = outbox.first {
            do {
                try socket.send(first)
            } catch let e where e.rawValue == EAGAIN {
                return outboxBytes <= Self.outboxLimit
            } catch {
                return false
            }
            outbox.removeFirst()
            outboxBytes -= first.count
        }
        return true
    }
}

/// Accepts and serves control connections on the daemon's control loop.
final class ControlServer {
    let listener: UnixSocket
    let path: String
    private(set) var connections: [Int32: ControlConnection] = [:]
    private var byID: [UInt64: ControlConnection] = [:]
    private var nextID: UInt64 = 0
    private var usedPorts: Set<UInt32> = []
    private var nextPort: UInt32 = 0x8000_0000
    private let logger: Logger

    init(path: String, group: gid_t?, logger: Logger) throws(Errno) {
        self.path = path
        self.logger = logger
        listener = try UnixSocket.listen(path: path, mode: group == nil ? 0o600 : 0o660, group: group)
    }

    /// Accepts every pending connection; returns the new ones.
    func acceptAll() -> [ControlConnection] {
        var accepted: [ControlConnection] = []
        while true {
            let client: UnixSocket?
            do {
                client = try listener.accept()
            } catch {
                logger.warning("accept on \(path) failed: \(error)")
                return accepted
            }
            guard let client else { return accepted }
            let creds = try? client.peerCredentials()
            let pid = creds?.pid ?? 0
            // The userspace form of netlink_ns_capable(CAP_NET_ADMIN), judged when the client connects.
            let hasNetAdmin = pid > 0 && CL2TP_pid_has_cap_net_admin(pid) == 1
            let port = allocatePort(preferred: UInt32(bitPattern: pid))
            nextID += 1
            let c = ControlConnection(
                socket: client,
                requester: Requester(
                    portID: port, pid: pid, uid: creds?.uid ?? UInt32.max, hasNetAdmin: hasNetAdmin, connectionID: nextID))
            connections[client.fd.rawValue] = c
            byID[nextID] = c
            accepted.append(c)
            logger.debug("control client connected", metadata: ["pid": "\(pid)", "uid": "\(creds?.uid ?? 0)", "net_admin": "\(hasNetAdmin)"])
        }
    }

    /// Netlink port ids are per socket; use the client's pid like the kernel's autobind, or a fresh one.
    private func allocatePort(preferred: UInt32) -> UInt32 {
        var port = preferred
        if port == 0 || usedPorts.contains(port) {
            repeat { nextPort &+= 1 } while usedPorts.contains(nextPort)
            port = nextPort
        }
        usedPorts.insert(port)
        return port
    }

    /// The connection with this id, if still open.
    func connection(_ id: UInt64) -> ControlConnection? { byID[id] }

    /// The client's netlink socket has port `port` (SET_PORT from the preload library).
    func setPort(_ c: ControlConnection, _ port: UInt32) {
        usedPorts.remove(c.requester.portID)
        c.requester.portID = port
    }

    /// Connections that joined `group`.
    func members(of group: UInt32) -> [ControlConnection] {
        connections.values.filter { $0.groups.contains(group) }.sorted { $0.id < $1.id }
    }

    func close(_ c: ControlConnection) {
        connections[c.socket.fd.rawValue] = nil
        byID[c.id] = nil
        usedPorts.remove(c.requester.portID)
        c.socket.close()
    }

    func closeAll() {
        for c in connections.values { close(c) }
        listener.close()
        unlink(path)
    }
}
