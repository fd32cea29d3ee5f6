// SPDX-License-Identifier: GPL-2.0-only
// The real daemon connection: l2tpd's Unix SOCK_SEQPACKET control socket.

import Glibc
import L2TPSystem

/// A blocking SOCK_SEQPACKET connection to l2tpd's control socket.
final class UnixControlConnection: DaemonConnection {
    /// Receive buffer size. l2tpd sends dumps in datagrams of at most 8 KiB; anything larger than this
    /// fails with EMSGSIZE rather than being truncated silently.
    static let receiveCapacity = 1 << 16

    private let socket: UnixSocket

    /// Connects to `path`. The corresponding C functions are `socket` and `connect`.
    init(path: String) throws(DaemonError) {
        do {
            socket = try UnixSocket.connect(path: path)
        } catch {
            throw .transport(errno: error.rawValue)
        }
    }

    /// Takes ownership of an already connected SOCK_SEQPACKET descriptor (one end of a socketpair in
    /// tests).
    init(connectedDescriptor fd: Int32) {
        socket = UnixSocket(fd: FileDescriptor(rawValue: fd))
    }

    deinit {
        socket.close()
    }

    func send(_ datagram: [UInt8]) throws(DaemonError) {
        do {
            try socket.send(datagram)
        } catch {
            throw .transport(errno: error.rawValue)
        }
    }

    func receive() throws(DaemonError) -> [UInt8]? {
        while true {
            let result: IOResult<UnixSocket.Datagram?>
            do {
                result = try socket.receive(capacity: Self.receiveCapacity)
            } catch {
                throw .transport(errno: error.rawValue)
            }
            switch result {
            case .wouldBlock:
                continue
            case .value(let datagram?):
                // The CLI never expects a descriptor; do not leak one a daemon might send.
                if let fd = datagram.passedFD { Glibc.close(fd) }
                return datagram.bytes
            case .value(nil):
                return nil
            }
        }
    }
}
