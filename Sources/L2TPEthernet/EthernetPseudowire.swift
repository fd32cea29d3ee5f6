// SPDX-License-Identifier: GPL-2.0-only
// The Ethernet pseudowire (RFC 4719, kernel l2tp_eth): one TAP device per session, named l2tpeth%d
// or as requested, with the kernel's MTU rule. Received frames are written to the TAP; frames read
// from the TAP are transmitted by the datapath.

import Glibc
import L2TPCore
import L2TPSystem
import Synchronization

/// A session's TAP device.
///
/// Concurrency: `deliver` runs on datapath workers (several may write the same TAP); `setMTU` and
/// `close` on the control-plane thread.
public final class EthernetPseudowire: PseudowireDevice, @unchecked Sendable {
    /// The kernel's default name template for these devices.
    public static let defaultName = "l2tpeth%d"
    /// Ethernet header (ETH_HLEN).
    public static let ethernetHeaderLength = 14

    public let tap: TAPDevice
    public var name: String { tap.name }
    /// The largest frame the device accepts from the tunnel: MTU + Ethernet header + one VLAN tag,
    /// the limit `dev_forward_skb` applies.
    private let maxFrameLength: Atomic<Int>
    /// Frames not handed to the device: shorter than an Ethernet header, longer than the MTU allows,
    /// or refused by the TAP. The kernel counts these as the netdev's `rx_dropped`.
    public let rxDropped = Atomic<UInt64>(0)

    private init(tap: TAPDevice, mtu: Int) {
        self.tap = tap
        maxFrameLength = Atomic(mtu + Self.ethernetHeaderLength + 4)
    }

    /// The MTU l2tp_eth_adjust_mtu gives a new device: the route MTU minus the encapsulation overhead
    /// (outer IP + UDP + L2TP header + Ethernet header), or 1500 minus it when the route MTU is unknown
    /// or the result is out of range.
    public static func mtu(pathMTU: Int?, networkOverhead: Int, l2tpHeaderLength: Int) -> Int {
        let overhead = networkOverhead + l2tpHeaderLength + ethernetHeaderLength
        let m = (pathMTU ?? 0) - overhead
        return (0...65535).contains(m) && pathMTU != nil ? m : 1500 - overhead
    }

    /// Creates the TAP device. A name that is already in use fails with EEXIST, as register_netdevice does.
    public static func create(name: String?, mtu: Int) throws(Errno) -> EthernetPseudowire {
        if let name, !name.contains("%"), if_nametoindex(name) != 0 { throw Errno(EEXIST) }
        let tap = try TAPDevice.open(name: name ?? defaultName)
        do {
            try NetworkInterface.setMTU(tap.name, mtu)
        } catch {
            tap.close()
            throw error
        }
        return EthernetPseudowire(tap: tap, mtu: mtu)
    }

    /// Follows an MTU change made with `ip link set ... mtu`.
    public func mtuChanged(to mtu: Int) {
        maxFrameLength.store(mtu + Self.ethernetHeaderLength + 4, ordering: .relaxed)
    }

    /// Writes one received frame to the TAP, or counts it in `rxDropped`.
    @inline(__always)
    public func deliver(_ frame: UnsafeRawBufferPointer) {
        guard frame.count >= Self.ethernetHeaderLength, frame.count <= maxFrameLength.load(ordering: .relaxed)
        else {
            rxDropped.wrappingAdd(1, ordering: .relaxed)
            return
        }
        switch tap.fd.write(frame.baseAddress!, count: frame.count) {
        case .success(.value): break
        case .success(.wouldBlock), .failure: rxDropped.wrappingAdd(1, ordering: .relaxed)
        }
    }

    /// Removes the device.
    public func close() { tap.close() }
}
