// SPDX-License-Identifier: GPL-2.0-only
// The interface between the core and a pseudowire implementation (kernel `session->recv_skb` and friends).

/// The device side of a session: where received frames go and where frames to send come from.
///
/// Implemented by L2TPEthernet (a TAP device per session). The core calls `deliver` from the datapath
/// worker that received the packet, so implementations must be safe to call from several threads.
public protocol PseudowireDevice: AnyObject, Sendable {
    /// Hands one decapsulated frame to the device now. The buffer is only valid during the call.
    func deliver(_ frame: UnsafeRawBufferPointer)

    /// Hands the frames one receive batch decapsulated for this device, in order. Their memory is
    /// valid, and may be modified, during the call; `batch` lends the calling worker's coalescer and
    /// scratch space. The default delivers them one by one.
    func deliver(_ frames: UnsafeBufferPointer<UnsafeMutableRawBufferPointer>, batch: DeliveryBatch)
}

extension PseudowireDevice {
    public func deliver(_ frames: UnsafeBufferPointer<UnsafeMutableRawBufferPointer>, batch: DeliveryBatch) {
        for f in frames { deliver(UnsafeRawBufferPointer(f)) }
    }
}
