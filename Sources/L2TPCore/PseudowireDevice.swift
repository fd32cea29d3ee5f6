// SPDX-License-Identifier: GPL-2.0-only
// The interface between the core and a pseudowire implementation (kernel `session->recv_skb` and friends).

/// The device side of a session: where received frames go and where frames to send come from.
///
/// Implemented by L2TPEthernet (a TAP device per session). The core calls `deliver` from the datapath
/// worker that received the packet, so implementations must be safe to call from several threads.
public protocol PseudowireDevice: AnyObject, Sendable {
    /// Hands one decapsulated frame to the device. The buffer is only valid during the call.
    func deliver(_ frame: UnsafeRawBufferPointer)
}
