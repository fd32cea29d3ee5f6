// SPDX-License-Identifier: GPL-2.0-only
// The datapath as the control plane sees it: workers, descriptor registration, table publication and
// the grace period after which removed descriptors may be closed.

import Glibc
import L2TPCore
import L2TPEncap
import L2TPEthernet
import L2TPSystem
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
public final class Datapath: @unchecked Sendable {
    let cell = TableCell(.empty)
    /// Advanced by `synchronize`; workers announce it once they have applied earlier commands.
    let epoch = Atomic<UInt64>(0)
    private var workers: [Worker] = []
    private var placement: [Int32: Worker] = [:]
    private var nextWorker = 0
    public let counters = DatapathCounters()
    /// Where control frames go (managed tunnels). Set before `start`.
    nonisolated(unsafe) public var controlFrames: (any ControlFrameSink)?

    /// Creates `workerCount` workers (not started).
    public init(workerCount: Int) throws(Errno) {
        for i in 0..<max(1, workerCount) { workers.append(try Worker(index: i, datapath: self)) }
    }

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

    /// Starts reading datagrams from a receive socket: a UDP tunnel socket (`tunnel` set) or a shared
    /// raw IP socket (`tunnel` nil).
    /// `coalesced`: UDP_GRO is on for the socket.
    public func addReceiver(_ fd: FileDescriptor, kind: ReceiveKind, tunnel: Tunnel?, coalesced: Bool = false) {
        add(TunnelReceiver(fd: fd, kind: kind, tunnel: tunnel, coalesced: coalesced, datapath: self))
    }

    /// Starts reading frames from a session's device and sending them through `transport`.
    /// `virtioHeader`: the device was opened with IFF_VNET_HDR (offloads).
    public func addTransmitter(
        _ fd: FileDescriptor, session: Session, transport: any TunnelTransport, virtioHeader: Bool = false
    ) {
        add(DeviceTransmitter(fd: fd, session: session, transport: transport, virtioHeader: virtioHeader))
    }

    /// Stops polling `fd`. Close it only after `synchronize()`.
    public func remove(_ fd: FileDescriptor) {
        guard let w = placement.removeValue(forKey: fd.rawValue) else { return }
        w.enqueue(.remove(fd))
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

    private func add(_ handler: WorkerHandler) {
        let w = workers[nextWorker % workers.count]
        nextWorker += 1
        placement[handler.fd.rawValue] = w
        w.enqueue(.add(handler))
        w.wake()
    }
}
