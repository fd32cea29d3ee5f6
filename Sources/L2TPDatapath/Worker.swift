// SPDX-License-Identifier: GPL-2.0-only
// A datapath worker: one thread, one epoll set, its own preallocated buffers.
//
// Loop (one iteration):
//  1. Read the epoch, then the current session table (acquire).
//  2. Apply queued commands from the control plane (take on or drop handlers).
//  3. Announce the epoch: from now on this worker holds no removed handler or replaced table.
//  4. epoll_wait, and let each readable handler process a batch using the table from step 1.
// A handler's descriptor joins the epoll set on the control thread (`register`), so a failure is
// the caller's to report; an event that arrives before the worker took on the handler is seen again
// at the next wait (epoll is level-triggered).
// Concurrency: everything here runs on the worker's thread except `register`, `enqueue`, `wake`
// and `stop`.

import CL2TPLinux
import Glibc
import L2TPCore
import L2TPSystem
import Synchronization

/// A change the control plane asks a worker to make.
enum WorkerCommand: @unchecked Sendable {
    case add(WorkerHandler)
    case remove(Int32)
}

/// One datapath thread.
final class Worker: @unchecked Sendable {
    let index: Int
    /// Unowned: the datapath owns its workers.
    private unowned let datapath: Datapath
    private let epoll: Epoll
    private let wakeup: EventFD
    private let commands = Mutex<[WorkerCommand]>([])
    private var handlers: [Int32: WorkerHandler] = [:]
    /// The last epoch this worker announced.
    let observedEpoch = Atomic<UInt64>(0)
    private let stopping = Atomic<Bool>(false)
    private var thread: pthread_t?

    /// Receive: the datagrams of one read and the packets in them.
    let receiving: ReceiveBatch
    /// Receive: frames decapsulated from one read, handed to their devices together.
    let delivery = DeliveryBatch(capacity: 4096)
    /// Transmit: the frames of one device read, encapsulated in place. It shares its packet buffers
    /// with `receiving`: a handler finishes its batch before the next handler runs.
    let transmitting: TransmitBatch
    /// The table in use for the current iteration.
    private(set) var table: SessionTable = .empty
    /// Monotonic milliseconds, read once per iteration.
    private(set) var now: UInt64 = 0

    init(index: Int, datapath: Datapath) throws(Errno) {
        self.index = index
        self.datapath = datapath
        let buffers = PacketBuffers(count: 64, headroom: TransmitBatch.headroom, capacity: 65536)
        receiving = ReceiveBatch(datagrams: buffers)
        transmitting = TransmitBatch(buffers: buffers)
        epoll = try Epoll(capacity: 64)
        wakeup = try EventFD()
        try epoll.add(wakeup.fd, events: Epoll.readable, token: UInt64(UInt32(bitPattern: wakeup.fd.rawValue)))
    }

    // MARK: Control-plane side

    /// Adds the handler's descriptor to this worker's epoll set and hands the handler over.
    func register(_ handler: WorkerHandler) throws(Errno) {
        let fd = handler.pollDescriptor
        try epoll.add(FileDescriptor(rawValue: fd), events: Epoll.readable, token: UInt64(UInt32(bitPattern: fd)))
        enqueue(.add(handler))
        wake()
    }

    func enqueue(_ command: WorkerCommand) {
        commands.withLock { $0.append(command) }
    }

    func wake() { wakeup.signal() }

    func start() {
        var tid = pthread_t()
        let arg = Unmanaged.passRetained(self).toOpaque()
        pthread_create(&tid, nil, workerThreadEntry, arg)
        thread = tid
    }

    func stop() {
        stopping.store(true, ordering: .releasing)
        wake()
        if let thread { pthread_join(thread, nil) }
        thread = nil
    }

    // MARK: Worker thread

    fileprivate func run() {
        CL2TP_block_all_signals()
        CL2TP_set_thread_name("l2tpd-dp\(index)")
        while !stopping.load(ordering: .acquiring) {
            let epoch = datapath.epoch.load(ordering: .acquiring)
            table = datapath.cell.load()
            applyCommands()
            observedEpoch.store(epoch, ordering: .releasing)
            epoll.wait(timeout: -1) { token, _ in
                let fd = Int32(bitPattern: UInt32(truncatingIfNeeded: token))
                if fd == wakeup.fd.rawValue {
                    wakeup.drain()
                    return
                }
                guard let h = handlers[fd] else { return }
                now = monotonicMilliseconds()
                h.readable(self)
            }
        }
        table = .empty
        handlers.removeAll()
    }

    private func applyCommands() {
        let pending = commands.withLock { q -> [WorkerCommand] in
            defer { q.removeAll() }
            return q
        }
        for c in pending {
            switch c {
            case .add(let h):
                handlers[h.pollDescriptor] = h
            case .remove(let fd):
                epoll.remove(FileDescriptor(rawValue: fd))
                handlers[fd] = nil
            }
        }
    }
}

private func workerThreadEntry(_ arg: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    let worker = Unmanaged<Worker>.fromOpaque(arg!).takeRetainedValue()
    worker.run()
    return nil
}
