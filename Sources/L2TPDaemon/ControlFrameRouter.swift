// SPDX-License-Identifier: GPL-2.0-only
// Hands control frames of managed tunnels, received by datapath workers, to the control connection
// that owns each tunnel: unchanged, in order, as l2tpd CONTROL_FRAME messages.
//
// Flow: a worker calls `controlFrame` → the frame is wrapped and queued under a mutex → the control
// loop is woken (eventfd) → `drain` hands each message to the owner's connection. One worker reads a
// given tunnel socket and the queue is FIFO, so a tunnel's frames keep their order.

import L2TPCore
import L2TPDatapath
import L2TPNetlink
import L2TPSystem
import Synchronization

/// Routes control frames to the owners of managed tunnels.
final class ControlFrameRouter: ControlFrameSink, @unchecked Sendable {
    private struct Owner {
        var connection: UInt64
        var port: UInt32
    }
    private let owners = Mutex<[ObjectIdentifier: Owner]>([:])
    private let queue = Mutex<[(connection: UInt64, message: [UInt8])]>([])
    /// Readable when frames are waiting for the control loop.
    let wakeup: EventFD

    init() throws(Errno) {
        wakeup = try EventFD()
    }

    /// Control frames of `tunnel` go to `connection` from now on.
    func register(_ tunnel: Tunnel, connection: UInt64, port: UInt32) {
        owners.withLock { $0[ObjectIdentifier(tunnel)] = Owner(connection: connection, port: port) }
    }

    func unregister(_ tunnel: Tunnel) {
        _ = owners.withLock { $0.removeValue(forKey: ObjectIdentifier(tunnel)) }
    }

    /// The owner's connection now has netlink port `port` (SET_PORT after the tunnel was created).
    func portChanged(connection: UInt64, to port: UInt32) {
        owners.withLock { all in
            for (key, owner) in all where owner.connection == connection { all[key]?.port = port }
        }
    }

    /// Datapath worker side.
    func controlFrame(_ frame: UnsafeRawBufferPointer, tunnel: Tunnel) -> Bool {
        guard let owner = owners.withLock({ $0[ObjectIdentifier(tunnel)] }) else { return false }
        let message = L2TPDGenl.controlFrame(tunnelID: tunnel.id.rawValue, frame: frame, portID: owner.port)
        queue.withLock { $0.append((owner.connection, message)) }
        wakeup.signal()
        return true
    }

    /// Control loop side: every queued message, in arrival order.
    func drain() -> [(connection: UInt64, message: [UInt8])] {
        wakeup.drain()
        return queue.withLock { q in
            defer { q.removeAll() }
            return q
        }
    }
}
