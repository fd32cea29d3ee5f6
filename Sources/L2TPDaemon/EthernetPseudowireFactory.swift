// SPDX-License-Identifier: GPL-2.0-only
// Registers the Ethernet pseudowire with the control plane (kernel l2tp_eth_create): a TAP device per
// session with the kernel's MTU, read by the datapath for transmit.

import Glibc
import L2TPControl
import L2TPCore
import L2TPDatapath
import L2TPEncap
import L2TPEthernet
import L2TPNetlink
import L2TPSystem
import Synchronization

/// Creates Ethernet pseudowire sessions.
final class EthernetPseudowireFactory: PseudowireFactory {
    private let datapath: Datapath
    /// Devices by interface index, for MTU changes reported by the link monitor. Endpoints remove
    /// theirs when closed, possibly concurrently.
    private let devices = Mutex<[Int32: EthernetPseudowire]>([:])
    /// Picks `l2tpeth%d` names for sessions created without one.
    private let namer = InterfaceNamer()

    /// Open TAPs with a virtio-net header asking for these offloads; nil: no virtio-net header
    /// (`--no-offloads`).
    private let offloads: TAPOffloads?

    init(datapath: Datapath, offloads: TAPOffloads?) {
        self.datapath = datapath
        self.offloads = offloads
    }

    func createSession(_ session: Session, tunnel: any TunnelEndpoint, _ request: PseudowireRequest)
        throws(NetlinkError) -> any SessionEndpoint
    {
        guard let tunnelEndpoint = tunnel as? TransportEndpoint else {
            throw NetlinkError(EPROTONOSUPPORT, "the tunnel has no transport for an Ethernet pseudowire")
        }
        let transport = tunnelEndpoint.transport
        let mtu = EthernetPseudowire.mtu(
            pathMTU: transport.pathMTU(), networkOverhead: transport.networkOverhead,
            l2tpHeaderLength: session.headerLength)
        let device: EthernetPseudowire
        do {
            device = try EthernetPseudowire.create(
                name: request.interfaceName, mtu: mtu, namer: namer, offloads: offloads)
        } catch {
            let name = request.interfaceName ?? EthernetPseudowire.defaultName
            throw NetlinkError(error.rawValue, "cannot create interface \(name): \(error)")
        }
        session.device = device
        session.ifname = device.name
        let index = (try? NetworkInterface.index(device.name)) ?? 0
        devices.withLock { $0[index] = device }
        return EthernetEndpoint(session: session, device: device, transport: transport, datapath: datapath) {
            [self] in
            _ = devices.withLock { $0.removeValue(forKey: index) }
            if let n = device.nameIndex { namer.release(n) }
        }
    }

    /// Applies an MTU change of interface `index`, if it is one of ours.
    func mtuChanged(index: Int32, mtu: Int) {
        devices.withLock { $0[index] }?.mtuChanged(to: mtu)
    }
}

/// A session's TAP device registered with the datapath.
final class EthernetEndpoint: SessionEndpoint {
    let session: Session
    let device: EthernetPseudowire
    let transport: any TunnelTransport
    private let datapath: Datapath
    private let onClose: () -> Void

    init(session: Session, device: EthernetPseudowire, transport: any TunnelTransport, datapath: Datapath,
         onClose: @escaping () -> Void) {
        self.session = session
        self.device = device
        self.transport = transport
        self.datapath = datapath
        self.onClose = onClose
    }

    var interfaceName: String? { device.name }

    func attach() {
        datapath.addTransmitter(
            device.tap.fd, session: session, transport: transport, virtioHeader: device.tap.hasVirtioHeader)
    }
    func detach() { datapath.remove(device.tap.fd) }

    func close() {
        device.close()
        onClose()
    }

    var debugDescription: String {
        "device \(device.name) rx_dropped \(device.rxDropped.load(ordering: .relaxed)) offloads \(device.tap.offloads)"
    }
}
