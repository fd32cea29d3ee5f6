// SPDX-License-Identifier: GPL-2.0-only
// An in-memory pseudowire device that records every frame the core delivers to it, and how.

import L2TPCore
import Synchronization

/// A `PseudowireDevice` that keeps a copy of each delivered frame, in delivery order, and the size
/// of every batch write. It has nothing to send.
public final class RecordingDevice: PseudowireDevice {
    private let recorded = Mutex<(frames: [[UInt8]], writes: [Int])>(([], []))
    private let closed = Atomic<Bool>(false)
    public let interfaceName: String?

    public init(name: String? = nil) { interfaceName = name }

    public var pollDescriptor: Int32 { -1 }

    public func read(into batch: TransmitBatch) -> DeviceRead { DeviceRead(frames: 0, drained: true) }

    public func write(_ frames: UnsafeBufferPointer<UnsafeMutableRawBufferPointer>, batch: DeliveryBatch) {
        let copies = frames.map { Array(UnsafeRawBufferPointer($0)) }
        recorded.withLock {
            $0.frames += copies
            $0.writes.append(copies.count)
        }
    }

    public func write(_ frame: UnsafeRawBufferPointer) {
        let copy = Array(frame)
        recorded.withLock {
            $0.frames.append(copy)
            $0.writes.append(1)
        }
    }

    public func close() { closed.store(true, ordering: .relaxed) }

    public var debugDescription: String { "device \(interfaceName ?? "-") recording" }

    /// Every frame delivered so far.
    public var frames: [[UInt8]] { recorded.withLock { $0.frames } }

    /// The number of frames of each write, in order: a batch write of n frames is n, a single write 1.
    public var writes: [Int] { recorded.withLock { $0.writes } }

    /// The first byte of each delivered frame: the tag `PacketBuilder.payload(tag:)` put there.
    public var tags: [UInt8] { frames.map { $0.first ?? 0 } }

    /// Whether `close` was called.
    public var isClosed: Bool { closed.load(ordering: .relaxed) }

    /// Forgets the recorded frames.
    public func reset() { recorded.withLock { $0 = ([], []) } }
}
