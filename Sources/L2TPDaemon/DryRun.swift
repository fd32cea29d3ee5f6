// SPDX-License-Identifier: GPL-2.0-only
// A control plane with no sockets and no devices, to try a configuration before touching anything:
// the same handlers, id scoping and errors as the real one, with factories that only check names.

import Glibc
import L2TPControl
import L2TPCore
import L2TPNetlink
import L2TPWire
import Synchronization

/// Registers dry-run factories with a fresh ControlPlane.
enum DryRun {
    static func controlPlane(existingNames: Set<String>) -> ControlPlane {
        let plane = ControlPlane(datapath: NoDatapath())
        let encap = NoSocket()
        plane.register(encap, for: .udp)
        plane.register(encap, for: .ip)
        plane.register(NoDevice(existingNames: existingNames), for: .eth)
        return plane
    }

    private final class NoDatapath: DatapathControl {
        func publish(_ table: SessionTable) {}
        func synchronize() {}
        var debugDescription: String { "" }
    }

    private final class NoEndpoint: TunnelEndpoint, SessionEndpoint {
        let interfaceName: String?
        private let onClose: () -> Void
        init(interfaceName: String? = nil, onClose: @escaping () -> Void = {}) {
            self.interfaceName = interfaceName
            self.onClose = onClose
        }
        func describe(into attributes: inout L2TPAttributes) {}
        func attach() {}
        func detach() {}
        func close() { onClose() }
        var debugDescription: String { "dry run" }
    }

    private final class NoSocket: EncapFactory {
        func openTunnel(_ tunnel: Tunnel, _ request: UnmanagedTunnelRequest) throws(NetlinkError) -> any TunnelEndpoint {
            NoEndpoint()
        }
        func adoptTunnel(_ tunnel: Tunnel, socket: Int32, owner: UInt64) throws(NetlinkError) -> any TunnelEndpoint {
            NoEndpoint()
        }
    }

    /// Names: those of other devices on the host are taken; ours are unique within the plane, and a
    /// deleted session's name is free again (a re-created session keeps its name).
    private final class NoDevice: PseudowireFactory {
        /// Names in use; a tunnel delete closes its sessions' endpoints from several threads.
        private let names = Mutex<Set<String>>([])
        private var next = 0
        private let existingNames: Set<String>

        init(existingNames: Set<String>) { self.existingNames = existingNames }

        func createSession(_ session: Session, tunnel: any TunnelEndpoint, _ request: PseudowireRequest)
            throws(NetlinkError) -> any SessionEndpoint
        {
            let taken = names.withLock { $0 }
            var name: String
            if let requested = request.interfaceName {
                let foreign = if_nametoindex(requested) != 0 && !existingNames.contains(requested)
                guard !taken.contains(requested), !foreign else {
                    throw NetlinkError(EEXIST, "interface name \(requested) is already in use")
                }
                name = requested
            } else {
                repeat {
                    name = "l2tpeth\(next)"
                    next += 1
                } while taken.contains(name)
            }
            names.withLock { _ = $0.insert(name) }
            session.ifname = name
            return NoEndpoint(interfaceName: name) { [self, name] in self.names.withLock { _ = $0.remove(name) } }
        }
    }
}
