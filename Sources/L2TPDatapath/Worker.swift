// SPDX-License-Identifier: GPL-2.0-only
// A datapath worker: one thread, one epoll set, its own preallocated buffers.
//
// Loop (one iteration):
//  1. Read the epoch, then the current session table (acquire).
//  2. Apply queued commands from the control plane (add/remove handlers to/from epoll).
//  3. Announce the epoch: from now on this worker holds no removed handler or replaced table.
//  4. epoll_wait, and let each readable handler process a batch using the table from step 1.
// Concurrency: everything here runs on the worker's thread except `enqueue`, `wake` and `stop`.

import CL2TPLinux
import Glibc
import L2TPCore
import L2TPOffload
import L2TPSystem
import Synchronization

/// A change the control plane asks a worker to make.
enum WorkerCommand: @unchecked Sendable {
    case add(WorkerHandler)
    case remove(FileDescriptor)
}

/// One datapath thread.
final class Worker: @unchecked Sendable {
    /// Packets handled per syscall batch.
    static let batchSize = 64
    /// Bytes in front of every buffer for headers written in place (L2TP ≤ 20 today).
    static let headroom = 64
    /// Largest datagram or frame handled.
    static let bufferCapacity = 65536

    let index: Int
    private let datapath: Datapath
    private let epoll: Epoll
    private let wakeup: EventFD
    private let commands = Mutex<[WorkerCommand]>([])
    private var handlers: [Int32: WorkerHandler] = [:]
    /// The last epoch this worker announced.
    let observedEpoch = Atomic<UInt64>(0)
    private let stopping = Atomic<Bool>(false)
    private var thread: pthread_t?

    /// Scratch space owned by this worker.
    let buffers = PacketBuffers(count: Worker.batchSize, headroom: Worker.headroom, capacity: Worker.bufferCapacity)
    let vector = MessageVector(count: Worker.batchSize)
    /// Transmit: the segments of one super-frame read from a TAP, and the datagrams built from them.
    // 768 segments: a 64 KiB super-frame at the smallest MSS Linux allows (88 bytes).
    let segments = SegmentBatch(maxSegments: 768, headroom: Worker.headroom)
    let gather = GatherVector(messages: Worker.batchSize * 2, pieces: 1024)
    /// Per message of `gather`: how many L2TP packets it carries (UDP GSO sends several).
    let packetsPerMessage = UnsafeMutablePointer<Int>.allocate(capacity: Worker.batchSize * 2)
    /// Receive: frames decapsulated from one read, handed to their devices together.
    let delivery = DeliveryBatch(capacity: 4096, coalescer: Coalescer(maxFrames: 256))
    /// The table in use for the current iteration.
    private(set) var table: SessionTable = .empty
    /// Monotonic milliseconds, read once per iteration.
    private(set) var now: UInt64 = 0

    deinit { packetsPerMessage.deallocate() }

    init(index: Int, datapath: Datapath) throws(Errno) {
        self.index = index
        self.datapath = datapath
        epoll = try Epoll(capacity: 64)
        wakeup = try EventFD()
        try epoll.add(wakeup.fd, events: Epoll.readable, token: UInt64(UInt32(bitPattern: wakeup.fd.rawValue)))
    }

    // MARK: Control-plane side

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
                handlers[h.fd.rawValue] = h
                try? epoll.add(h.fd, events: Epoll.readable, token: UInt64(UInt32(bitPattern: h.fd.rawValue)))
            case .remove(let fd):
                epoll.remove(fd)
                handlers[fd.rawValue] = nil
            }
        }
    }
}

private func workerThreadEntry(_ arg: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    let worker = Unmanaged<Worker>.fromOpaque(arg!).takeRetainedValue()
    worker.run()
    return nil
}
