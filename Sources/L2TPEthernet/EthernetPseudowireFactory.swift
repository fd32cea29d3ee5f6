// SPDX-License-Identifier: GPL-2.0-only
// The Ethernet pseudowire as it registers with the control plane (kernel l2tp_eth_create): a TAP
// device per session with the kernel's MTU, and the devices by interface index for MTU changes.

import Glibc
import L2TPCore
import L2TPSystem
import Synchronization

/// Creates Ethernet pseudowire devices.
public final class EthernetPseudowireFactory: PseudowireFactory, @unchecked Sendable {
    /// Devices by interface index, for MTU changes reported by the link monitor. Devices remove
    /// theirs when closed, possibly concurrently.
    private let devices = Mutex<[Int32: EthernetPseudowire]>([:])
    /// Picks `l2tpeth%d` names for sessions created without one.
    private let namer = InterfaceNamer()
    /// Open TAPs with a virtio-net header asking for these offloads; nil: no virtio-net header
    /// (`--no-offloads`).
    private let offloads: TAPOffloads?

    public init(offloads: TAPOffloads?) {
        self.offloads = offloads
    }

    public func createDevice(_ request: PseudowireRequest) throws(L2TPError) -> any PseudowireDevice {
        guard let transport = request.tunnel.transport else {
            throw L2TPError(EPROTONOSUPPORT, "the tunnel has no transport for an Ethernet pseudowire")
        }
        let mtu = EthernetPseudowire.mtu(
            pathMTU: transport.pathMTU(), networkOverhead: transport.networkOverhead,
            l2tpHeaderLength: request.headerLength)
        let device: EthernetPseudowire
        do {
            device = try EthernetPseudowire.create(
                name: request.interfaceName, mtu: mtu, namer: namer, offloads: offloads
            ) { [weak self] closed in self?.forget(closed) }
        } catch {
            let name = request.interfaceName ?? EthernetPseudowire.defaultName
            throw L2TPError(error.rawValue, "cannot create interface \(name): \(error)")
        }
        devices.withLock { $0[device.interfaceIndex] = device }
        return device
    }

    /// A device is closed: forget it, and free its name if `namer` gave it.
    private func forget(_ device: EthernetPseudowire) {
        _ = devices.withLock { $0.removeValue(forKey: device.interfaceIndex) }
        if let n = device.nameIndex { namer.release(n) }
    }

    /// Applies an MTU change of interface `index`, if it is one of ours.
    public func mtuChanged(index: Int32, mtu: Int) {
        devices.withLock { $0[index] }?.mtuChanged(to: mtu)
    }
}
