// SPDX-License-Identifier: GPL-2.0-only
// The device edge of a session (kernel: `session->recv_skb` one way, the netdev's start_xmit the
// other): a pseudowire device writes the frames the core decapsulated and reads the frames to send,
// in batches, doing its device's own work in both directions. Implemented by L2TPEthernet (a TAP per
// session); the datapath knows no device type.

/// What one `read` of a device did.
public struct DeviceRead: Equatable, Sendable {
    /// Frames read from the device (including ones counted invalid).
    public var frames: Int
    /// The device had nothing more to read: wait for it to become readable again.
    public var drained: Bool

    public init(frames: Int, drained: Bool) {
        self.frames = frames
        self.drained = drained
    }
}

/// The device side of a session.
///
/// Concurrency: `write` runs on whichever datapath worker received the frames (several may write at
/// once); `read` only on the worker that polls the device; `close` on the control plane's thread
/// after the grace period, possibly for several devices at once.
public protocol PseudowireDevice: AnyObject, Sendable {
    /// The descriptor the datapath waits on for frames to send. The datapath never reads or writes it.
    var pollDescriptor: Int32 { get }
    /// The device's interface name (`L2TP_ATTR_IFNAME`), if it has one.
    var interfaceName: String? { get }

    /// Reads frames to send into `batch`, without blocking, until the device is drained, the batch's
    /// buffers are used, or a super-frame was cut into segments (they fill the batch's segments).
    func read(into batch: TransmitBatch) -> DeviceRead

    /// Writes the frames one receive batch decapsulated for this device, in order. Their memory is
    /// valid, and may be modified, during the call; `batch` lends the calling worker's coalescer and
    /// scratch space.
    func write(_ frames: UnsafeBufferPointer<UnsafeMutableRawBufferPointer>, batch: DeliveryBatch)

    /// Writes one frame now (a frame that waited in a reorder queue). Its memory is only valid during
    /// the call.
    func write(_ frame: UnsafeRawBufferPointer)

    /// Called once on the control plane's thread when the session built around the device is
    /// registered, before the datapath reads the device. A device whose own protocol sends frames
    /// (PPP's LCP and IPCP) keeps the session to send them with `Session.transmit`.
    func bind(to session: Session)

    /// Removes the device.
    func close()

    /// One line of device state for `l2tp debug dump`.
    var debugDescription: String { get }
}

extension PseudowireDevice {
    /// A device that sends nothing of its own needs no session.
    public func bind(to session: Session) {}
}
