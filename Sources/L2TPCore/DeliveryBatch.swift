// SPDX-License-Identifier: GPL-2.0-only
// Frames decapsulated during one receive batch, handed to their devices together at the batch's end,
// so a device can write many at once (the Ethernet pseudowire coalesces TCP segments into one
// super-frame, as GRO would).
//
// Flow:
//  1. The receive handler reads a batch (recvmmsg, maybe UDP-GRO buffers) into the worker's buffers.
//  2. Session.receive appends every frame it delivers from those buffers (valid until the next read).
//     A frame from a reorder queue lives elsewhere and is only valid during delivery: the session
//     flushes the batch first, then delivers that frame alone, so order is kept.
//  3. `flush` (end of the batch, or when full) hands each device its frames, in order, in one call.
// Concurrency: one per worker thread, not thread-safe; no allocation after init.

import L2TPOffload

public final class DeliveryBatch {
    struct Entry {
        /// Unretained: the worker's table keeps the session alive until the flush.
        var session: Unmanaged<Session>
        var frame: UnsafeMutableRawBufferPointer
    }

    public let capacity: Int
    private let entries: UnsafeMutablePointer<Entry>
    private let taken: UnsafeMutablePointer<Bool>
    private let frames: UnsafeMutablePointer<UnsafeMutableRawBufferPointer>
    /// The number of queued frames, kept outside the object: a stored `var` costs an exclusivity
    /// check and a retain of the batch on every append.
    private let queued: UnsafeMutablePointer<Int>
    public var count: Int { queued.pointee }

    /// The worker's coalescer, lent to devices during `flush`.
    public let coalescer: Coalescer
    /// Scratch space devices may use during `flush` (e.g. for writev vectors): `scratchSize` bytes,
    /// 16-byte aligned.
    public let scratch: UnsafeMutableRawPointer
    public let scratchSize: Int

    public init(capacity: Int = 4096, coalescer: Coalescer = Coalescer(), scratchSize: Int = 64 << 10) {
        self.capacity = capacity
        self.coalescer = coalescer
        self.scratchSize = scratchSize
        entries = .allocate(capacity: capacity)
        taken = .allocate(capacity: capacity)
        frames = .allocate(capacity: capacity)
        queued = .allocate(capacity: 1)
        queued.initialize(to: 0)
        scratch = .allocate(byteCount: scratchSize, alignment: 16)
    }

    deinit {
        entries.deallocate()
        taken.deallocate()
        frames.deallocate()
        queued.deallocate()
        scratch.deallocate()
    }

    /// Queues `frame` for `session`'s device. The memory must stay valid until `flush`, and the
    /// session alive (it is: the worker holds the table it was found in). No reference is taken.
    @inline(__always)
    public func append(_ frame: UnsafeMutableRawBufferPointer, from session: Session) {
        if queued.pointee == capacity { flush() }
        entries[queued.pointee] = Entry(session: Unmanaged.passUnretained(session), frame: frame)
        queued.pointee += 1
    }

    /// Hands every queued frame to its session's device: each device once, its frames in arrival
    /// order. A session without a device (unit tests that only count) gets nothing.
    public func flush() {
        let count = queued.pointee
        guard count > 0 else { return }
        for i in 0..<count { taken[i] = false }
        for i in 0..<count where !taken[i] {
            let session = entries[i].session.toOpaque()
            var n = 0
            for j in i..<count where !taken[j] && entries[j].session.toOpaque() == session {
                frames[n] = entries[j].frame
                n += 1
                taken[j] = true
            }
            // One reference per device and batch, not per frame.
            guard let device = entries[i].session._withUnsafeGuaranteedRef({ $0.device }) else { continue }
            device.write(UnsafeBufferPointer(start: frames, count: n), batch: self)
        }
        queued.pointee = 0
    }
}
