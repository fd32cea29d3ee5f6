// SPDX-License-Identifier: GPL-2.0-only
// An in-memory pseudowire device that records every frame the core delivers to it.

import L2TPCore
import Synchronization

/// A `PseudowireDevice` that keeps a copy of each delivered frame, in delivery order.
public final class RecordingDevice: PseudowireDevice {
    private let recorded = Mutex<[[UInt8]]>([])

    public init() {}

    public func deliver(_ frame: UnsafeRawBufferPointer) {
        let copy = Array(frame)
        recorded.withLock { $0.append(copy) }
    }

    /// Every frame delivered so far.
    public var frames: [[UInt8]] { recorded.withLock { $0 } }

    /// The first byte of each delivered frame: the tag `PacketBuilder.payload(tag:)` put there.
    public var tags: [UInt8] { frames.map { $0.first ?? 0 } }

    /// Forgets the recorded frames.
    public func reset() { recorded.withLock { $0.removeAll() } }
}
