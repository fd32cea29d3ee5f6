// SPDX-License-Identifier: GPL-2.0-only
// Hands control frames of managed tunnels, received by datapath workers, to the control connection
// that owns each tunnel (`Tunnel.controlOwner`): unchanged, in order, as l2tpd CONTROL_FRAME messages.
//
// Flow: a worker calls `controlFrame` → the frame is wrapped for the owner's netlink port and queued
// under a mutex → the control loop is woken (eventfd) → `drain` hands each message to the owner's
// connection. One worker reads a given tunnel socket and the queue is FIFO, so a tunnel's frames
// keep their order.

import L2TPCore
import L2TPDatapath
import L2TPNetlink
import L2TPSystem
import Synchronization

/// Routes control frames to the owners of managed tunnels.
final class ControlFrameRouter: ControlFrameSink, @unchecked Sendable {
    /// The netlink port of each open control connection, which CONTROL_FRAME messages carry.
    private let ports = Mutex<[UInt64: UInt32]>([:])
    private let queue = Mutex<[(connection: UInt64, message: [UInt8])]>([])
    /// Readable when frames are waiting for the control loop.
    let wakeup: EventFD

    init() throws(Errno) {
        wakeup = try EventFD()
    }

    /// Connection `connection` is open with netlink port `port` (at accept, and after SET_PORT).
    func setPort(_ port: UInt32, of connection: UInt64) {
        ports.withLock { $0[connection] = port }
    }

    /// Connection `connection` closed.
    func forget(_ connection: UInt64) {
        _ = ports.withLock { $0.removeValue(forKey: connection) }
    }

    /// Datapath worker side.
    func controlFrame(_ frame: UnsafeRawBufferPointer, tunnel: Tunnel) -> Bool {
        guard let owner = tunnel.controlOwner, let port = ports.withLock({ $0[owner] }) else { return false }
        let message = L2TPDGenl.controlFrame(tunnelID: tunnel.id.rawValue, frame: frame, portID: port)
        queue.withLock { $0.append((owner, message)) }
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
