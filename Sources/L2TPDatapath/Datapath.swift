// SPDX-License-Identifier: GPL-2.0-only
// The datapath as the control plane sees it: workers, the receivers and devices they read, table
// publication and the grace period after which removed receivers and devices may be closed. It
// moves batches between any transport and any device through their interfaces (L2TPCore).

import Glibc
import L2TPCore
import L2TPSystem
import L2TPWire
import Synchronization

/// Counters for packets that belong to no session, kept by the datapath itself.
public final class DatapathCounters: Sendable {
    /// Data packets for a session id that is not configured (the kernel passes UDP ones to the
    /// socket's owner and drops IP ones, uncounted).
    public let unknownSession = Atomic<UInt64>(0)
    /// Control frames for a tunnel nobody owns (unmanaged tunnels), dropped.
    public let controlWithoutOwner = Atomic<UInt64>(0)
    /// Datagrams too short or malformed before any session could be looked up.
    public let malformed = Atomic<UInt64>(0)
    /// Receive errors reported by the sockets (ICMP errors on connected sockets, ...).
    public let socketErrors = Atomic<UInt64>(0)
}

/// Receives control frames (T bit over UDP, session id 0 over IP) for their tunnel, unparsed.
/// Called on a datapath worker; implementations must not block.
public protocol ControlFrameSink: AnyObject, Sendable {
    /// Returns false if nobody owns the tunnel's control connection (the frame is then counted and dropped).
    func controlFrame(_ frame: UnsafeRawBufferPointer, tunnel: Tunnel) -> Bool
}

/// The set of worker threads and what they poll.
///
/// Concurrency contract: every method is called from the control-plane thread only.
public final class Datapath: DatapathControl, @unchecked Sendable {
    let cell = TableCell(.empty)
    /// Advanced by `synchronize`; workers announce it once they have applied earlier commands.
    let epoch = Atomic<UInt64>(0)
    private var workers: [Worker] = []
    /// The worker polling each descriptor.
    private var placement: [Int32: Worker] = [:]
    private var nextWorker = 0
    /// Receivers being read, with the number of tunnels using each (shared ones have several).
    private var receivers: [ObjectIdentifier: (descriptor: Int32, tunnels: Int)] = [:]
    public let counters = DatapathCounters()
    /// Where control frames go (managed tunnels). Set before `start`.
    nonisolated(unsafe) public var controlFrames: (any ControlFrameSink)?

    /// Creates `workerCount` workers (not started).
    public init(workerCount: Int) throws(Errno) {
        for i in 0..<max(1, workerCount) { workers.append(try Worker(index: i, datapath: self)) }
    }

    /// Workers hold their datapath unowned: none may outlive it.
    deinit { stop() }

    public var workerCount: Int { workers.count }

    public func start() { workers.forEach { $0.start() } }

    /// Stops and joins every worker.
    public func stop() {
        workers.forEach { $0.stop() }
    }

    /// Makes `table` the one workers demultiplex with, and releases replaced tables every worker has
    /// moved past (without waiting for the others).
    public func publish(_ table: SessionTable) {
        // The table first, then the epoch (both release): a worker that reads the new epoch reads
        // this table or a newer one, so it no longer holds the replaced one once it announces it.
        let next = epoch.load(ordering: .relaxed) + 1
        cell.publish(table, nextEpoch: next)
        epoch.store(next, ordering: .releasing)
        workers.forEach { $0.wake() }
        cell.reclaim(observedByAll: workers.reduce(next) { min($0, $1.observedEpoch.load(ordering: .acquiring)) })
    }

    public func add(_ receiver: any PacketReceiver, for tunnel: Tunnel) throws(L2TPError) {
        let key = ObjectIdentifier(receiver)
        if let known = receivers[key] {
            receivers[key] = (known.descriptor, known.tunnels + 1)
            return
        }
        let handler = ReceiveHandler(receiver: receiver, tunnel: receiver.isShared ? nil : tunnel, datapath: self)
        try add(handler, what: "the tunnel's socket")
        receivers[key] = (handler.pollDescriptor, 1)
    }

    public func remove(_ receiver: any PacketReceiver, for tunnel: Tunnel) {
        let key = ObjectIdentifier(receiver)
        guard let known = receivers[key] else { return }
        guard known.tunnels == 1 else {
            receivers[key] = (known.descriptor, known.tunnels - 1)
            return
        }
        receivers[key] = nil
        remove(known.descriptor)
    }

    public func add(_ device: any PseudowireDevice, for session: Session) throws(L2TPError) {
        try add(TransmitHandler(device: device, session: session), what: "the session's device")
    }

    public func remove(_ device: any PseudowireDevice, for session: Session) {
        remove(device.pollDescriptor)
    }

    /// Waits until every worker has applied all earlier commands and uses the latest table; then
    /// removed descriptors are no longer touched and may be closed.
    public func synchronize() {
        let target = epoch.wrappingAdd(1, ordering: .releasing).newValue
        workers.forEach { $0.wake() }
        for w in workers {
            var spins = 0
            while w.observedEpoch.load(ordering: .acquiring) < target {
                spins += 1
                if spins < 100 { sched_yield() } else { usleep(50) }
            }
        }
        cell.reclaim(observedByAll: target)
    }

    public var debugDescription: String {
        "DATAPATH workers \(workerCount) unknown_session \(counters.unknownSession.load(ordering: .relaxed))"
            + " control_without_owner \(counters.controlWithoutOwner.load(ordering: .relaxed))"
            + " malformed \(counters.malformed.load(ordering: .relaxed))"
            + " socket_errors \(counters.socketErrors.load(ordering: .relaxed))\n"
    }

    /// Hands `handler` to the next worker, round-robin. A descriptor the worker cannot poll (epoll
    /// refused it: ENOSPC past max_user_watches, ENOMEM) fails the request instead of leaving a
    /// receiver or device nobody reads.
    private func add(_ handler: WorkerHandler, what: String) throws(L2TPError) {
        let w = workers[nextWorker % workers.count]
        do {
            try w.register(handler)
        } catch {
            throw L2TPError(error.rawValue, "cannot poll \(what) (descriptor \(handler.pollDescriptor)): \(error)")
        }
        nextWorker += 1
        placement[handler.pollDescriptor] = w
    }

    /// Stops polling `fd`. Close it only after `synchronize()`.
    private func remove(_ fd: Int32) {
        guard let w = placement.removeValue(forKey: fd) else { return }
        w.enqueue(.remove(fd))
    }
}
