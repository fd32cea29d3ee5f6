// SPDX-License-Identifier: GPL-2.0-only
// The Ethernet pseudowire's twin for a dry run: devices that exist only as names, so a configuration
// can be tried on a control plane before anything changes, named by the live factory's namer.

import Glibc
import L2TPCore
import Synchronization

/// Names devices as the live factory would and refuses what it would refuse: a name in use by an
/// interface that is not one of the replayed sessions', or by another device of the dry run.
public final class DryRunEthernetFactory: PseudowireFactory {
    private let names: NameBook
    private let namer: InterfaceNamer

    /// `replayedNames`: the interface names of the sessions the dry run replays (they exist on the
    /// host, but as the plane's own devices).
    public init(replayedNames: Set<String>) {
        let names = NameBook(replayed: replayedNames)
        self.names = names
        namer = InterfaceNamer(existsElsewhere: names.isTaken)
    }

    public func createDevice(_ request: PseudowireRequest) throws(L2TPError) -> any PseudowireDevice {
        let (name, nameIndex): (String, Int?)
        if let requested = request.interfaceName {
            guard !names.isTaken(requested) else {
                throw L2TPError(EEXIST, "interface name \(requested) is already in use")
            }
            (name, nameIndex) = (requested, nil)
        } else {
            (name, nameIndex) = namer.reserve()
        }
        names.insert(name)
        return DryRunDevice(name: name) { [names, namer] in
            names.remove(name)
            if let nameIndex { namer.release(nameIndex) }
        }
    }

    /// The names in use in the plane; a tunnel delete closes its sessions' devices from several threads.
    private final class NameBook: Sendable {
        private let replayed: Set<String>
        private let plane = Mutex<Set<String>>([])

        init(replayed: Set<String>) { self.replayed = replayed }

        /// A device of the plane has the name, or an interface outside the replay does.
        @Sendable func isTaken(_ name: String) -> Bool {
            plane.withLock { $0.contains(name) } || (if_nametoindex(name) != 0 && !replayed.contains(name))
        }

        func insert(_ name: String) { plane.withLock { _ = $0.insert(name) } }
        func remove(_ name: String) { plane.withLock { _ = $0.remove(name) } }
    }
}

/// A device that is only a name.
final class DryRunDevice: PseudowireDevice {
    let interfaceName: String?
    private let onClose: @Sendable () -> Void

    init(name: String, onClose: @escaping @Sendable () -> Void) {
        interfaceName = name
        self.onClose = onClose
    }

    var pollDescriptor: Int32 { -1 }
    func read(into batch: TransmitBatch) -> DeviceRead { DeviceRead(frames: 0, drained: true) }
    func write(_ frames: UnsafeBufferPointer<UnsafeMutableRawBufferPointer>, batch: DeliveryBatch) {}
    func write(_ frame: UnsafeRawBufferPointer) {}
    func close() { onClose() }
    var debugDescription: String { "device \(interfaceName ?? "-") dry run" }
}
